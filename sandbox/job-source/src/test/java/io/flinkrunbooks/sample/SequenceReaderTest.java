package io.flinkrunbooks.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.core.io.InputStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reader on its own: the sequence, its state, and what each fault knob does to pollNext. */
class SequenceReaderTest {
    @TempDir Path control;

    private final List<Long> emitted = new ArrayList<>();
    private SequenceReader reader;

    /** Records collect(value); the rest of ReaderOutput (it differs between Flink versions) is unused. */
    @SuppressWarnings("unchecked")
    private final ReaderOutput<Long> output =
            (ReaderOutput<Long>)
                    Proxy.newProxyInstance(
                            ReaderOutput.class.getClassLoader(),
                            new Class<?>[] {ReaderOutput.class},
                            (proxy, method, args) -> {
                                if (method.getName().equals("collect")) {
                                    emitted.add((Long) args[0]);
                                }
                                return null;
                            });

    @BeforeEach
    void start() {
        reader = new SequenceReader(1000, control.toString());
        reader.start();
    }

    @AfterEach
    void close() {
        reader.close();
    }

    private void knob(String content) throws Exception {
        Path tmp = control.resolve("fault.tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, control.resolve("fault"), StandardCopyOption.ATOMIC_MOVE);
    }

    /** Polls like the mailbox does: waits on the availability future when nothing is available. */
    private void pollUntil(int rows) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (emitted.size() < rows && System.nanoTime() < deadline) {
            if (reader.pollNext(output) == InputStatus.NOTHING_AVAILABLE) {
                reader.isAvailable().get(1, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void emitsNothingUntilTheSplitArrivesThenContinuesFromItsNextSeq() throws Exception {
        assertEquals(InputStatus.NOTHING_AVAILABLE, reader.pollNext(output));
        CompletableFuture<Void> waiting = reader.isAvailable();
        reader.addSplits(Collections.singletonList(new SequenceSplit(41)));
        assertTrue(waiting.isDone(), "the split makes the reader available");
        pollUntil(3);
        assertEquals(List.of(41L, 42L, 43L), emitted.subList(0, 3));
        assertEquals(emitted.get(emitted.size() - 1) + 1, reader.snapshotState(1).get(0).nextSeq);
    }

    @Test
    void failThrowsTheInjectedFailure() throws Exception {
        reader.addSplits(Collections.singletonList(new SequenceSplit(0)));
        knob("fail");
        assertThrows(InjectedFailureException.class, () -> reader.pollNext(output));
    }

    @Test
    void stallBlocksThePollUntilTheKnobChanges() throws Exception {
        reader.addSplits(Collections.singletonList(new SequenceSplit(7)));
        knob("stall");
        Thread lift =
                new Thread(
                        () -> {
                            try {
                                Thread.sleep(400);
                                knob("none");
                            } catch (Exception e) {
                                throw new RuntimeException(e);
                            }
                        });
        long started = System.nanoTime();
        lift.start();
        reader.pollNext(output);
        long blockedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        lift.join();
        assertTrue(blockedMs >= 350, "pollNext returned after " + blockedMs + " ms, during the stall");
        assertEquals(List.of(), emitted, "nothing is emitted while stalled");
        pollUntil(1);
        assertEquals(7L, emitted.get(0), "the sequence resumes where it stopped");
    }

    @Test
    void aStalledPollEndsWhenTheTaskIsCancelled() throws Exception {
        reader.addSplits(Collections.singletonList(new SequenceSplit(0)));
        knob("stall");
        Thread poller = Thread.currentThread();
        Thread canceller =
                new Thread(
                        () -> {
                            try {
                                Thread.sleep(200);
                            } catch (InterruptedException e) {
                                return;
                            }
                            poller.interrupt(); // what Flink does to the task thread on cancel
                        });
        canceller.start();
        try {
            assertThrows(InterruptedException.class, () -> reader.pollNext(output));
        } finally {
            canceller.interrupt();
            canceller.join();
            Thread.interrupted(); // no interrupt leaks into the next test
        }
    }

    @Test
    void splitAndEnumeratorStateSurviveTheirSerializers() throws Exception {
        SequenceSplit.Serializer splits = new SequenceSplit.Serializer();
        assertEquals(123L, splits.deserialize(splits.getVersion(), splits.serialize(new SequenceSplit(123))).nextSeq);
        SequenceEnumerator.StateSerializer state = new SequenceEnumerator.StateSerializer();
        List<SequenceSplit> back =
                state.deserialize(1, state.serialize(List.of(new SequenceSplit(5), new SequenceSplit(9))));
        assertEquals(List.of(5L, 9L), List.of(back.get(0).nextSeq, back.get(1).nextSeq));
    }
}
