package io.flinkrunbooks.sample;

import java.util.Locale;

/** The fault knob: the content of {@code <control-dir>/fault}. */
public enum Fault {
    /** Normal operation (also: file missing, empty or unrecognised). */
    NONE,
    /** Emit nothing and hold the checkpoint lock, so checkpoints cannot complete. */
    STALL,
    /** Throw an exception from the source (every attempt, while the file says so). */
    FAIL,
    /** Emit at a tenth of the configured rate. */
    SLOW;

    /** Parses the file content; anything unrecognised is {@link #NONE}. */
    public static Fault parse(String content) {
        if (content == null) {
            return NONE;
        }
        switch (content.trim().toLowerCase(Locale.ROOT)) {
            case "stall":
                return STALL;
            case "fail":
                return FAIL;
            case "slow":
                return SLOW;
            default:
                return NONE;
        }
    }
}
