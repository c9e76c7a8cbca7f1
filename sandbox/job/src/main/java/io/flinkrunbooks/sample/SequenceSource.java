package io.flinkrunbooks.sample;

import java.nio.file.Paths;
import java.util.Collections;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.source.RichSourceFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Emits 0, 1, 2, ... at a fixed rate. The next sequence number is operator state, so a restore
 * from a checkpoint or savepoint continues the sequence with no gap and no duplicate. Emission
 * and state updates happen under the checkpoint lock.
 *
 * <p>The fault knob ({@code <control-dir>/fault}) is re-read every {@value #FAULT_REFRESH_MS} ms:
 *
 * <ul>
 *   <li>{@code stall}: the source thread takes the checkpoint lock and keeps it while the knob says
 *       stall. Nothing is emitted, and the task's mailbox thread (which performs checkpoints under
 *       the same lock) is blocked, so every checkpoint times out. Cancellation still works: {@link
 *       #cancel()} clears {@code running}, and the interrupt ends the sleep.
 *   <li>{@code fail}: {@link #run} throws an {@link InjectedFailureException}.
 *   <li>{@code slow}: a tenth of the rate.
 * </ul>
 *
 * <p>The legacy {@code SourceFunction} API is used on purpose: its checkpoint lock gives a
 * reliable way to block checkpoints from the source, as a hung CDC connection does.
 */
@SuppressWarnings("deprecation")
public class SequenceSource extends RichSourceFunction<Long> implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(SequenceSource.class);

    /** Name of the operator state holding the next sequence number. Never change it. */
    public static final String STATE_NAME = "next-seq";

    static final long FAULT_REFRESH_MS = 100;
    /** Longest single sleep, so a change of the knob is noticed quickly even at low rates. */
    private static final long MAX_SLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** How far behind schedule the source may fall before it stops catching up. */
    private static final long MAX_LAG_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final double rowsPerSecond;
    private final String controlDir;

    private volatile boolean running = true;
    /** Next number to emit; read and written under the checkpoint lock. */
    private long nextSeq;

    private transient ListState<Long> nextSeqState;

    public SequenceSource(double rowsPerSecond, String controlDir) {
        if (!(rowsPerSecond > 0)) {
            throw new IllegalArgumentException("rate must be > 0, got " + rowsPerSecond);
        }
        this.rowsPerSecond = rowsPerSecond;
        this.controlDir = controlDir;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        nextSeqState =
                context.getOperatorStateStore()
                        .getListState(new ListStateDescriptor<>(STATE_NAME, LongSerializer.INSTANCE));
        nextSeq = 0;
        if (context.isRestored()) {
            for (Long value : nextSeqState.get()) {
                nextSeq = Math.max(nextSeq, value);
            }
            LOG.info("sequence-source restored: next seq {}", nextSeq);
        } else {
            LOG.info("sequence-source starting fresh at seq 0");
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        // Called under the checkpoint lock, so nextSeq is consistent with what was emitted.
        nextSeqState.update(Collections.singletonList(nextSeq));
    }

    @Override
    public void run(SourceContext<Long> ctx) throws Exception {
        final Object lock = ctx.getCheckpointLock();
        final ControlFile faultFile = new ControlFile(Paths.get(controlDir, "fault"), FAULT_REFRESH_MS);
        final long normalInterval = intervalNanos(rowsPerSecond);
        final long slowInterval = intervalNanos(rowsPerSecond / 10);
        LOG.info(
                "sequence-source running: {} rows/s, fault knob {}", rowsPerSecond, faultFile.path());

        Fault previous = null;
        long nextDue = System.nanoTime();
        while (running) {
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
                if (!stallHoldingLock(lock, faultFile)) {
                    return;
                }
                nextDue = System.nanoTime();
                continue;
            }
            long now = System.nanoTime();
            long wait = nextDue - now;
            if (wait > 0) {
                if (!sleepNanos(Math.min(wait, MAX_SLEEP_NANOS))) {
                    return;
                }
                continue;
            }
            synchronized (lock) {
                if (!running) {
                    return;
                }
                ctx.collect(nextSeq);
                nextSeq++;
            }
            nextDue += fault == Fault.SLOW ? slowInterval : normalInterval;
            if (now - nextDue > MAX_LAG_NANOS) {
                nextDue = now; // after a pause, resume at the rate instead of bursting
            }
        }
    }

    /**
     * Holds the checkpoint lock until the knob no longer says stall. Returns false when the source
     * was cancelled or stopped meanwhile.
     */
    private boolean stallHoldingLock(Object lock, ControlFile faultFile) throws InterruptedException {
        long started = System.nanoTime();
        synchronized (lock) {
            LOG.warn(
                    "fault=stall: holding the checkpoint lock, emitting nothing (next seq {});"
                            + " checkpoints cannot complete until the knob changes",
                    nextSeq);
            while (running && Fault.parse(faultFile.read()) == Fault.STALL) {
                if (!sleepNanos(MAX_SLEEP_NANOS)) {
                    return false;
                }
            }
        }
        LOG.info(
                "stall ended after {} ms (running={})",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                running);
        return running;
    }

    /** Sleeps; returns false if the source was cancelled, throws if interrupted while running. */
    private boolean sleepNanos(long nanos) throws InterruptedException {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
            return running;
        } catch (InterruptedException e) {
            if (!running) {
                return false; // cancelled: Flink interrupts the source thread after cancel()
            }
            throw e;
        }
    }

    private static long intervalNanos(double rowsPerSecond) {
        return Math.max(1L, (long) (1_000_000_000L / rowsPerSecond));
    }

    @Override
    public void cancel() {
        running = false;
    }
}
