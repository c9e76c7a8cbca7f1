package io.flinkrunbooks.cdc;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;

/**
 * The job's arguments. The database password is read from a file (mounted into the containers),
 * never passed as an argument: job arguments are visible in Flink's REST API and in the runbooks'
 * workflow history.
 */
final class CdcOptions implements Serializable {
    private static final long serialVersionUID = 1L;

    final String host;
    final int port;
    final String database;
    final String user;
    final String passwordFile;
    final String slot;
    final String publication;
    final String table;
    final String output;
    final long checkpointIntervalMs;
    final long checkpointTimeoutMs;
    final long minPauseMs;
    final int tolerableFailures;
    /** Restart after this delay, without limit; unset: the cluster's default strategy. */
    final long fixedRestartDelayMs;
    /**
     * Debezium heartbeats, none by default (0). With the Debezium 1.9 that Flink CDC 3.5 ships, a
     * heartbeat of an idle source stores a commit-boundary offset, and a restore from it can skip
     * the next transaction's first change (DBZ-6204): a loss nothing downstream can undo. Without
     * heartbeats a restore after an idle spell replays the last transaction instead, which
     * {@link DropReplayedChanges} drops. The price: while the captured tables are idle the slot
     * does not advance past other tables' WAL, which PostgreSQL keeps until the next change.
     */
    final long heartbeatIntervalMs;
    final String jobName;

    private CdcOptions(Map<String, String> args) {
        host = args.getOrDefault("host", "127.0.0.1");
        port = Integer.parseInt(args.getOrDefault("port", "5432"));
        database = required(args, "database");
        user = required(args, "user");
        passwordFile = required(args, "password-file");
        slot = args.getOrDefault("slot", "flink_cdc");
        publication = args.getOrDefault("publication", "cdc_pub");
        table = args.getOrDefault("table", "public.trans_info");
        output = required(args, "output");
        checkpointIntervalMs = Long.parseLong(args.getOrDefault("checkpoint-interval", "30000"));
        checkpointTimeoutMs = Long.parseLong(args.getOrDefault("checkpoint-timeout", "180000"));
        minPauseMs = Long.parseLong(args.getOrDefault("min-pause", "5000"));
        tolerableFailures = Integer.parseInt(args.getOrDefault("tolerable-failures", "5"));
        fixedRestartDelayMs = Long.parseLong(args.getOrDefault("fixed-restart-delay", "-1"));
        heartbeatIntervalMs = Long.parseLong(args.getOrDefault("heartbeat-interval", "0"));
        jobName = args.getOrDefault("job-name", "cdc-pipeline");
    }

    static CdcOptions parse(String[] argv) {
        Map<String, String> args = new HashMap<>();
        for (int i = 0; i < argv.length; i++) {
            String key = argv[i];
            if (!key.startsWith("--") || i + 1 >= argv.length) {
                throw new IllegalArgumentException("expected --name value pairs, got " + key);
            }
            args.put(key.substring(2), argv[++i]);
        }
        return new CdcOptions(args);
    }

    String password() {
        try {
            return new String(Files.readAllBytes(Paths.get(passwordFile)), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the database password file " + passwordFile, e);
        }
    }

    private static String required(Map<String, String> args, String name) {
        String value = args.get(name);
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return value;
    }

    @Override
    public String toString() {
        return "host=" + host + " port=" + port + " database=" + database + " user=" + user
                + " slot=" + slot + " publication=" + publication + " table=" + table
                + " output=" + output + " checkpoints=" + checkpointIntervalMs + "ms/" + checkpointTimeoutMs + "ms"
                + " heartbeat=" + heartbeatIntervalMs + "ms";
    }
}
