package io.flinkrunbooks.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Fast checks of argument parsing, the row format and the control-file parsing. */
class OptionsAndFormatTest {

    @Test
    void defaults() {
        JobOptions o = JobOptions.parse();
        assertEquals("sample-pipeline", o.jobName);
        assertEquals(20.0, o.rate);
        assertEquals("/opt/flink/output", o.output);
        assertEquals("/opt/flink/control", o.controlDir);
        assertEquals(-1, o.parallelism);
        assertEquals(2000, o.checkpointIntervalMs);
        assertEquals(10000, o.checkpointTimeoutMs);
        assertEquals(500, o.minPauseMs);
        assertEquals(Integer.MAX_VALUE, o.tolerableFailures);
        assertEquals(3, o.restartAttempts);
        assertEquals(2000, o.restartDelayMs);
        assertEquals(true, o.retainCheckpointsOnCancel);
    }

    @Test
    void checkpointsOnCancel() {
        assertEquals(false, JobOptions.parse("--checkpoints-on-cancel", "delete").retainCheckpointsOnCancel);
        assertEquals(true, JobOptions.parse("--checkpoints-on-cancel=retain").retainCheckpointsOnCancel);
        assertThrows(IllegalArgumentException.class, () -> JobOptions.parse("--checkpoints-on-cancel", "keep"));
    }

    @Test
    void parsesBothForms() {
        JobOptions o = JobOptions.parse("--rate", "5.5", "--parallelism=3", "--job-name", "probe job");
        assertEquals(5.5, o.rate);
        assertEquals(3, o.parallelism);
        assertEquals("probe job", o.jobName);
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> JobOptions.parse("--no-such-option", "1"));
        assertThrows(IllegalArgumentException.class, () -> JobOptions.parse("--rate"));
        assertThrows(IllegalArgumentException.class, () -> JobOptions.parse("--rate", "0"));
        assertThrows(IllegalArgumentException.class, () -> JobOptions.parse("--parallelism", "0"));
        assertThrows(IllegalArgumentException.class, () -> JobOptions.parse("--checkpoint-interval", "x"));
        assertThrows(IllegalArgumentException.class, () -> JobOptions.parse("positional"));
    }

    @Test
    void rowFormatPerVersion() {
        assertEquals("7,1000,probe", FormatRow.formatRow(7, 1000, "probe", 1));
        assertEquals("7,1000,,v2", FormatRow.formatRow(7, 1000, "", 2));
    }

    @Test
    void markerIsMadeCsvSafe() {
        assertEquals("", FormatRow.sanitizeMarker(null));
        assertEquals("", FormatRow.sanitizeMarker("  \n"));
        assertEquals("probe-1", FormatRow.sanitizeMarker("probe-1\n"));
        assertEquals("ab cd", FormatRow.sanitizeMarker(" a,b \"cd\"\r\n"));
        assertEquals("line1line2", FormatRow.sanitizeMarker("line1\nline2"));
        String longMarker = "x".repeat(100);
        assertEquals(64, FormatRow.sanitizeMarker(longMarker).length());
    }

    @Test
    void faultKnobParsing() {
        assertEquals(Fault.NONE, Fault.parse(null));
        assertEquals(Fault.NONE, Fault.parse(""));
        assertEquals(Fault.NONE, Fault.parse("none\n"));
        assertEquals(Fault.STALL, Fault.parse(" STALL\n"));
        assertEquals(Fault.FAIL, Fault.parse("fail"));
        assertEquals(Fault.SLOW, Fault.parse("slow\n"));
        assertEquals(Fault.NONE, Fault.parse("bogus"));
    }
}
