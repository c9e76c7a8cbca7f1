package io.flinkrunbooks.sample;

import java.nio.file.Paths;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.core.io.InputStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Emits the split's sequence at a fixed rate. Every method runs on the task's mailbox thread, the
 * thread that also takes the checkpoint, so {@link #snapshotState} always sees exactly what was
 * emitted. Between rows the reader returns {@code NOTHING_AVAILABLE} with a timer future, so the
 * mailbox stays free for checkpoints.
 *
 * <p>The fault knob ({@code <control-dir>/fault}, re-read every 100 ms):
 *
 * <ul>
 *   <li>{@code stall}: {@link #pollNext} does not return while the knob says stall (it sleeps in
 *       50 ms steps and re-reads the knob). A FLIP-27 reader has no checkpoint lock to hold, but
 *       blocking the mailbox thread has the same effect: the checkpoint trigger waits in the
 *       mailbox behind the blocked poll, the source never snapshots nor sends the barrier, and
 *       every checkpoint expires while the job stays RUNNING. Cancel interrupts the thread, which
 *       ends the sleep.
 *   <li>{@code fail}: {@link #pollNext} throws an {@link InjectedFailureException}.
 *   <li>{@code slow}: a tenth of the rate.
 * </ul>
 */
final class SequenceReader implements SourceReader<Long, SequenceSplit> {
    private static final Logger LOG = LoggerFactory.getLogger(SequenceReader.class);

    static final long FAULT_REFRESH_MS = 100;
    static final long STALL_STEP_MS = 50;
    /** How far behind schedule the reader may fall before it stops catching up. */
    private static final long MAX_LAG_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final long normalInterval;
    private final long slowInterval;
    private final ControlFile faultFile;

    /** Null until the enumerator hands the split over. */
    private Long nextSeq;
    private long nextDue;
    private Fault previous;
    private CompletableFuture<Void> available = new CompletableFuture<>();
    private ScheduledExecutorService timer;

    SequenceReader(double rowsPerSecond, String controlDir) {
        this.normalInterval = intervalNanos(rowsPerSecond);
        this.slowInterval = intervalNanos(rowsPerSecond / 10);
        this.faultFile = new ControlFile(Paths.get(controlDir, "fault"), FAULT_REFRESH_MS);
    }

    @Override
    public void start() {
        timer =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "sequence-reader-timer");
                            t.setDaemon(true);
                            return t;
                        });
        LOG.info("sequence reader started, fault knob {}", faultFile.path());
    }

    @Override
    public InputStatus pollNext(ReaderOutput<Long> output) throws Exception {
        if (nextSeq == null) {
            return InputStatus.NOTHING_AVAILABLE; // the future completes when the split arrives
        }
        Fault fault = Fault.parse(faultFile.read());
        if (fault != previous) {
            LOG.info("fault knob: {} (next seq {})", fault, nextSeq);
            previous = fault;
        }
        if (fault == Fault.FAIL) {
            throw new InjectedFailureException(
                    "injected failure: " + faultFile.path() + " says 'fail' (next seq " + nextSeq + ")");
        }
        if (fault == Fault.STALL) {
            stallOnMailboxThread();
            nextDue = System.nanoTime();
            return InputStatus.MORE_AVAILABLE;
        }
        long now = System.nanoTime();
        long wait = nextDue - now;
        if (wait > 0) {
            // Re-read the knob at least every FAULT_REFRESH_MS, even at low rates.
            available = new CompletableFuture<>();
            CompletableFuture<Void> due = available;
            timer.schedule(
                    () -> due.complete(null),
                    Math.min(wait, TimeUnit.MILLISECONDS.toNanos(FAULT_REFRESH_MS)),
                    TimeUnit.NANOSECONDS);
            return InputStatus.NOTHING_AVAILABLE;
        }
        output.collect(nextSeq);
        nextSeq++;
        nextDue += fault == Fault.SLOW ? slowInterval : normalInterval;
        if (now - nextDue > MAX_LAG_NANOS) {
            nextDue = now; // after a pause, resume at the rate instead of bursting
        }
        return InputStatus.MORE_AVAILABLE;
    }

    /** Blocks the mailbox thread until the knob no longer says stall; see the class comment. */
    private void stallOnMailboxThread() throws InterruptedException {
        long started = System.nanoTime();
        LOG.warn(
                "fault=stall: blocking the task's mailbox thread, emitting nothing (next seq {});"
                        + " checkpoints cannot complete until the knob changes",
                nextSeq);
        while (Fault.parse(faultFile.read()) == Fault.STALL) {
            TimeUnit.MILLISECONDS.sleep(STALL_STEP_MS); // cancel interrupts it
        }
        LOG.info(
                "stall ended after {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    @Override
    public List<SequenceSplit> snapshotState(long checkpointId) {
        return nextSeq == null
                ? Collections.emptyList()
                : Collections.singletonList(new SequenceSplit(nextSeq));
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        return available;
    }

    @Override
    public void addSplits(List<SequenceSplit> splits) {
        for (SequenceSplit split : splits) {
            nextSeq = nextSeq == null ? split.nextSeq : Math.max(nextSeq, split.nextSeq);
            LOG.info("sequence split assigned: next seq {}", nextSeq);
        }
        nextDue = System.nanoTime();
        available.complete(null);
    }

    @Override
    public void notifyNoMoreSplits() {}

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    private static long intervalNanos(double rowsPerSecond) {
        return Math.max(1L, (long) (1_000_000_000L / rowsPerSecond));
    }
}
