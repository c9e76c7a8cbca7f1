package io.flinkrunbooks.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.CheckpointStatsCounts;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.ErrorInfo;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real pipeline on a Flink MiniCluster and checks what the runbooks rely on: committed
 * rows are contiguous from 0 with no duplicate (also across a v1 -> v2 savepoint restore and a
 * failover), the marker probe, and the fault knobs (slow, stall blocks checkpoints, fail restarts).
 */
class SamplePipelineTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final long CHECKPOINT_TIMEOUT_MS = 1500;

    @TempDir static Path clusterDir;
    private static MiniCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, clusterDir.resolve("checkpoints").toUri().toString());
        conf.set(RestOptions.BIND_PORT, "0");
        cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(4)
                .build());
        cluster.start();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void markerSlowAndStallKnobs(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out");
        Path control = Files.createDirectories(tmp.resolve("control"));
        JobID job = submit(options(out, control), 1, null);

        waitUntil("30 committed rows", () -> committed(out).size() >= 30);
        List<String[]> rows = committed(out);
        assertContiguousFromZero(rows);
        for (String[] row : rows) {
            assertEquals(3, row.length, "v1 rows have 3 columns: " + String.join(",", row));
            assertEquals("", row[2], "no marker file yet, so the marker column is empty");
        }

        // Source probe: a new marker shows up in a committed row. Commas and newlines are stripped.
        writeControl(control, "marker", "  probe,1\n");
        waitUntil("a committed row with marker probe1", () -> withMarker(committed(out), "probe1").size() >= 20);
        long normalGap = medianGapMs(withMarker(committed(out), "probe1"));
        assertTrue(normalGap <= 60, "at 40 rows/s rows are ~25 ms apart, median gap was " + normalGap);

        // slow: a tenth of the rate.
        writeControl(control, "marker", "slow-phase");
        writeControl(control, "fault", "slow");
        waitUntil("8 slow rows committed", () -> withMarker(committed(out), "slow-phase").size() >= 8);
        long slowGap = medianGapMs(withMarker(committed(out), "slow-phase"));
        assertTrue(slowGap >= 150, "at 4 rows/s rows are ~250 ms apart, median gap was " + slowGap);
        writeControl(control, "fault", "none");
        writeControl(control, "marker", "after-slow");
        waitUntil("rows after slow", () -> withMarker(committed(out), "after-slow").size() >= 5);

        // stall: RUNNING, nothing emitted (not even into in-progress files), checkpoints time out.
        writeControl(control, "fault", "stall");
        Thread.sleep(CHECKPOINT_TIMEOUT_MS / 2); // noticed within 100 ms; let an in-flight checkpoint finish
        Snapshot before = snapshot(out, job);
        Thread.sleep(3 * CHECKPOINT_TIMEOUT_MS + 500);
        Snapshot during = snapshot(out, job);
        assertEquals(JobStatus.RUNNING, cluster.getJobStatus(job).get());
        assertEquals(before.committedFiles, during.committedFiles, "no part file committed while stalled");
        assertEquals(before.committedRows, during.committedRows, "no row committed while stalled");
        assertEquals(before.bytesInAllFiles, during.bytesInAllFiles, "nothing emitted while stalled");
        assertEquals(before.completedCheckpoints, during.completedCheckpoints, "no checkpoint completed while stalled");
        assertTrue(during.failedCheckpoints >= before.failedCheckpoints + 2,
                "checkpoints expire while stalled: failed " + before.failedCheckpoints + " -> " + during.failedCheckpoints);

        // Back to none: emission and checkpoints resume where they were.
        writeControl(control, "fault", "none");
        waitUntil("checkpoints complete and rows flow again", () -> {
            Snapshot now = snapshot(out, job);
            return now.completedCheckpoints > during.completedCheckpoints && now.committedRows >= during.committedRows + 20;
        });
        assertContiguousFromZero(committed(out));

        // On a stalled job stop-with-savepoint does not hang: the savepoint expires after the
        // checkpoint timeout and the job stays RUNNING. A cancel then ends it promptly.
        writeControl(control, "fault", "stall");
        Thread.sleep(500);
        long stopStarted = System.nanoTime();
        ExecutionException stopFailure = assertThrows(ExecutionException.class, () -> cluster.stopWithSavepoint(
                job, tmp.resolve("savepoints").toUri().toString(), false, SavepointFormatType.CANONICAL)
                .get(60, TimeUnit.SECONDS));
        long stopMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopStarted);
        assertTrue(ExceptionUtils.stringifyException(stopFailure).contains("expired"), () -> ExceptionUtils.stringifyException(stopFailure));
        assertEquals(JobStatus.RUNNING, cluster.getJobStatus(job).get());
        long started = System.nanoTime();
        cluster.cancelJob(job).get();
        JobResult result = cluster.requestJobResult(job).get(30, TimeUnit.SECONDS);
        long cancelMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertEquals(JobStatus.CANCELED, result.getApplicationStatus().deriveJobStatus());
        assertTrue(cancelMs < 10_000, "cancel of a stalled job took " + cancelMs + " ms");
        System.out.printf("stall test: failed checkpoints while stalled %d -> %d, stop-with-savepoint of stalled job"
                + " failed after %d ms, cancel of stalled job took %d ms%n",
                before.failedCheckpoints, during.failedCheckpoints, stopMs, cancelMs);
        assertContiguousFromZero(committed(out));
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void v1SavepointRestoresIntoV2AndFailKnobRestarts(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out");
        Path control = Files.createDirectories(tmp.resolve("control"));
        JobOptions options = options(out, control);

        JobID v1 = submit(options, 1, null);
        waitUntil("20 committed v1 rows", () -> committed(out).size() >= 20);
        String savepoint = cluster.stopWithSavepoint(v1, tmp.resolve("savepoints").toUri().toString(), false,
                SavepointFormatType.CANONICAL).get(60, TimeUnit.SECONDS);
        assertEquals(JobStatus.FINISHED, cluster.requestJobResult(v1).get(30, TimeUnit.SECONDS)
                .getApplicationStatus().deriveJobStatus());
        List<String[]> v1Rows = committed(out);
        assertContiguousFromZero(v1Rows);
        int v1Count = v1Rows.size();

        JobID v2 = submit(options, 2, savepoint);
        waitUntil("20 committed v2 rows", () -> committed(out).size() >= v1Count + 20);
        List<String[]> rows = committed(out);
        assertContiguousFromZero(rows);
        for (String[] row : rows) {
            if (Long.parseLong(row[0]) < v1Count) {
                assertEquals(3, row.length, "rows before the savepoint are v1 rows");
            } else {
                assertEquals(4, row.length, "rows after the savepoint are v2 rows");
                assertEquals("v2", row[3]);
            }
        }

        // fail: the restart strategy restarts the job from its last checkpoint; the sequence goes on.
        writeControl(control, "fault", "fail");
        waitUntil("an injected failure", () -> {
            ErrorInfo failure = graph(v2).getFailureInfo();
            return failure != null && failure.getExceptionAsString().contains("injected failure");
        });
        writeControl(control, "fault", "none");
        int beforeRecovery = committed(out).size();
        waitUntil("rows after recovery", () -> committed(out).size() >= beforeRecovery + 20);
        assertEquals(JobStatus.RUNNING, cluster.getJobStatus(v2).get());
        assertContiguousFromZero(committed(out));

        // While the knob says fail every attempt fails, until the restart attempts run out.
        writeControl(control, "fault", "fail");
        JobResult result = cluster.requestJobResult(v2).get(60, TimeUnit.SECONDS);
        assertEquals(JobStatus.FAILED, result.getApplicationStatus().deriveJobStatus());
        String error = result.getSerializedThrowable().get().getFullStringifiedStackTrace();
        assertTrue(error.contains("injected failure"), error);
        assertContiguousFromZero(committed(out));
        System.out.printf("savepoint test: %d v1 rows, %d rows in total, v2 failed as expected%n",
                v1Count, committed(out).size());
    }

    // ---------------------------------------------------------------------------------------------

    private static JobOptions options(Path out, Path control) {
        return JobOptions.parse(
                "--job-name", "sample-pipeline-test",
                "--rate", "40",
                "--output", out.toString(),
                "--control-dir", control.toString(),
                "--parallelism", "2",
                "--checkpoint-interval", "300",
                "--checkpoint-timeout", String.valueOf(CHECKPOINT_TIMEOUT_MS),
                "--min-pause", "100",
                "--restart-attempts", "5",
                "--restart-delay", "300");
    }

    private static JobID submit(JobOptions options, int revision, String savepoint) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        SamplePipeline.configure(env, options);
        SamplePipeline.build(env, options, revision);
        StreamGraph streamGraph = env.getStreamGraph();
        streamGraph.setJobName(options.jobName);
        JobGraph jobGraph = streamGraph.getJobGraph();
        if (savepoint != null) {
            jobGraph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(savepoint, false));
        }
        cluster.submitJob(jobGraph).get();
        return jobGraph.getJobID();
    }

    private static AccessExecutionGraph graph(JobID job) {
        try {
            return cluster.getExecutionGraph(job).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Committed rows: lines of the visible part-*.csv files (in-progress files are hidden). */
    private static List<String[]> committed(Path out) {
        List<String[]> rows = new ArrayList<>();
        for (Path file : committedFiles(out)) {
            for (String line : readLines(file)) {
                rows.add(line.split(",", -1));
            }
        }
        return rows;
    }

    private static Set<Path> committedFiles(Path out) {
        return listFiles(out).stream()
                .filter(p -> p.getFileName().toString().startsWith("part-"))
                .filter(p -> p.getFileName().toString().endsWith(".csv"))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static List<Path> listFiles(Path out) {
        if (!Files.isDirectory(out)) {
            return new ArrayList<>();
        }
        try (Stream<Path> files = Files.list(out)) {
            return files.filter(Files::isRegularFile).collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            return new ArrayList<>(); // an in-progress file renamed meanwhile
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String[]> withMarker(List<String[]> rows, String marker) {
        return rows.stream().filter(r -> r.length >= 3 && r[2].equals(marker)).collect(Collectors.toList());
    }

    private static void assertContiguousFromZero(List<String[]> rows) {
        long[] seqs = rows.stream().mapToLong(r -> Long.parseLong(r[0])).sorted().toArray();
        for (int i = 0; i < seqs.length; i++) {
            if (seqs[i] != i) {
                throw new AssertionError("committed seq not contiguous from 0 at index " + i + ": got " + seqs[i]
                        + " (" + seqs.length + " rows, around: "
                        + Arrays.toString(Arrays.copyOfRange(seqs, Math.max(0, i - 3), Math.min(seqs.length, i + 3))) + ")");
            }
        }
    }

    private static long medianGapMs(List<String[]> rows) {
        long[] times = rows.stream().sorted(Comparator.comparingLong(r -> Long.parseLong(r[0])))
                .mapToLong(r -> Long.parseLong(r[1])).toArray();
        long[] gaps = new long[times.length - 1];
        for (int i = 1; i < times.length; i++) {
            gaps[i - 1] = times[i] - times[i - 1];
        }
        Arrays.sort(gaps);
        return gaps[gaps.length / 2];
    }

    private static final class Snapshot {
        Set<Path> committedFiles;
        int committedRows;
        long bytesInAllFiles;
        long completedCheckpoints;
        long failedCheckpoints;
    }

    private static Snapshot snapshot(Path out, JobID job) {
        Snapshot s = new Snapshot();
        s.committedFiles = committedFiles(out);
        s.committedRows = committed(out).size();
        s.bytesInAllFiles = listFiles(out).stream().mapToLong(p -> p.toFile().length()).sum();
        CheckpointStatsCounts counts = graph(job).getCheckpointStatsSnapshot().getCounts();
        s.completedCheckpoints = counts.getNumberOfCompletedCheckpoints();
        s.failedCheckpoints = counts.getNumberOfFailedCheckpoints();
        return s;
    }

    /** Writes a control file atomically, as an operator should (write elsewhere, then rename). */
    private static void writeControl(Path control, String name, String content) throws IOException {
        Path tmp = control.resolve("." + name + ".tmp");
        Files.write(tmp, content.getBytes(StandardCharsets.UTF_8));
        Files.move(tmp, control.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void waitUntil(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + WAIT.getSeconds() + " s waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}
