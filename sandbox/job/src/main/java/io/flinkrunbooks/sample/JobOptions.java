package io.flinkrunbooks.sample;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/** Program arguments ({@code --key value} or {@code --key=value}) with their defaults. */
public final class JobOptions implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Every accepted key with its default (null: no default). */
    static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("job-name", "sample-pipeline");
        DEFAULTS.put("rate", "20");
        DEFAULTS.put("output", "/opt/flink/output");
        DEFAULTS.put("control-dir", "/opt/flink/control");
        DEFAULTS.put("parallelism", null); // Flink's default (parallelism.default)
        DEFAULTS.put("checkpoint-interval", "2000");
        DEFAULTS.put("checkpoint-timeout", "10000");
        DEFAULTS.put("min-pause", "500");
        DEFAULTS.put("tolerable-failures", String.valueOf(Integer.MAX_VALUE));
        DEFAULTS.put("restart-attempts", "3");
        DEFAULTS.put("restart-delay", "2000");
        // retain: a cancelled job's checkpoints stay (what the runbooks need); delete: Flink's default.
        DEFAULTS.put("checkpoints-on-cancel", "retain");
    }

    public final String jobName;
    public final double rate;
    public final String output;
    public final String controlDir;
    /** Job parallelism, or -1 for Flink's default. */
    public final int parallelism;
    public final long checkpointIntervalMs;
    public final long checkpointTimeoutMs;
    public final long minPauseMs;
    public final int tolerableFailures;
    public final int restartAttempts;
    public final long restartDelayMs;
    /** Whether a cancel keeps the job's externalized checkpoints. */
    public final boolean retainCheckpointsOnCancel;

    private JobOptions(Map<String, String> v) {
        jobName = v.get("job-name");
        rate = parseDouble(v, "rate");
        output = v.get("output");
        controlDir = v.get("control-dir");
        parallelism = v.get("parallelism") == null ? -1 : (int) parseLong(v, "parallelism", 1, MAX_INT);
        checkpointIntervalMs = parseLong(v, "checkpoint-interval", 10, Long.MAX_VALUE);
        checkpointTimeoutMs = parseLong(v, "checkpoint-timeout", 10, Long.MAX_VALUE);
        minPauseMs = parseLong(v, "min-pause", 0, Long.MAX_VALUE);
        tolerableFailures = (int) parseLong(v, "tolerable-failures", 0, MAX_INT);
        restartAttempts = (int) parseLong(v, "restart-attempts", 0, MAX_INT);
        restartDelayMs = parseLong(v, "restart-delay", 0, Long.MAX_VALUE);
        String onCancel = v.get("checkpoints-on-cancel");
        if (!onCancel.equals("retain") && !onCancel.equals("delete")) {
            throw new IllegalArgumentException("--checkpoints-on-cancel must be retain or delete, got '" + onCancel + "'");
        }
        retainCheckpointsOnCancel = onCancel.equals("retain");
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("--rate must be a positive number, got " + rate);
        }
        if (jobName.isEmpty() || output.isEmpty() || controlDir.isEmpty()) {
            throw new IllegalArgumentException("--job-name, --output and --control-dir must not be empty");
        }
    }

    public static JobOptions parse(String... args) {
        Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new IllegalArgumentException("expected --key value, got '" + arg + "'\n" + usage());
            }
            String key = arg.substring(2);
            String value;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("missing value for --" + key + "\n" + usage());
            }
            if (!DEFAULTS.containsKey(key)) {
                throw new IllegalArgumentException("unknown option --" + key + "\n" + usage());
            }
            values.put(key, value.trim());
        }
        return new JobOptions(values);
    }

    public static String usage() {
        StringBuilder sb = new StringBuilder("options (all optional):");
        for (Map.Entry<String, String> e : DEFAULTS.entrySet()) {
            sb.append("\n  --").append(e.getKey()).append(' ')
                    .append(e.getValue() == null ? "(Flink default)" : e.getValue());
        }
        return sb.toString();
    }

    private static final long MAX_INT = Integer.MAX_VALUE;

    private static long parseLong(Map<String, String> v, String key, long min, long max) {
        long value;
        try {
            value = Long.parseLong(v.get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " must be an integer, got '" + v.get(key) + "'");
        }
        if (value < min || value > max) {
            throw new IllegalArgumentException(
                    "--" + key + " must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    private static double parseDouble(Map<String, String> v, String key) {
        try {
            return Double.parseDouble(v.get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " must be a number, got '" + v.get(key) + "'");
        }
    }

    @Override
    public String toString() {
        return "job-name=" + jobName + " rate=" + rate + " output=" + output + " control-dir=" + controlDir
                + " parallelism=" + (parallelism < 0 ? "default" : parallelism)
                + " checkpoint-interval=" + checkpointIntervalMs + " checkpoint-timeout=" + checkpointTimeoutMs
                + " min-pause=" + minPauseMs + " tolerable-failures=" + tolerableFailures
                + " restart-attempts=" + restartAttempts + " restart-delay=" + restartDelayMs
                + " checkpoints-on-cancel=" + (retainCheckpointsOnCancel ? "retain" : "delete");
    }
}
