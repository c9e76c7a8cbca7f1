package io.flinkrunbooks.sample;

import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.CheckpointConfig;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sample job on the Source API (FLIP-27), for Flink 1.20 and 2.x: the same options, rows,
 * control files, operator uids and sink as {@code SamplePipeline}, with {@link SequenceSplitSource}
 * in place of the SourceFunction. Its savepoints are not interchangeable with SamplePipeline's
 * (the source's state is a split, not the {@code next-seq} list state).
 */
public final class SourcePipeline {
    private static final Logger LOG = LoggerFactory.getLogger(SourcePipeline.class);

    public static final String SOURCE_UID = "sequence-source";
    public static final String FORMAT_UID = "format-row";
    public static final String SINK_UID = "csv-sink";

    private SourcePipeline() {}

    public static void main(String[] args) throws Exception {
        JobOptions options = JobOptions.parse(args);
        int revision = BuildInfo.revision();
        LOG.info("sample-source-pipeline version {}: {}", revision, options);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        configure(env, options);
        build(env, options, revision);
        env.execute(options.jobName);
    }

    /** Checkpointing and restart settings from the options (no checkpoint storage path). */
    public static void configure(StreamExecutionEnvironment env, JobOptions options) {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, options.restartAttempts);
        conf.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY,
                Duration.ofMillis(options.restartDelayMs));
        env.configure(conf);

        if (options.parallelism > 0) {
            env.setParallelism(options.parallelism);
        }

        env.enableCheckpointing(options.checkpointIntervalMs);
        CheckpointConfig checkpoints = env.getCheckpointConfig();
        checkpoints.setCheckpointingConsistencyMode(CheckpointingMode.EXACTLY_ONCE);
        checkpoints.setCheckpointInterval(options.checkpointIntervalMs);
        checkpoints.setCheckpointTimeout(options.checkpointTimeoutMs);
        checkpoints.setMinPauseBetweenCheckpoints(options.minPauseMs);
        checkpoints.setTolerableCheckpointFailureNumber(options.tolerableFailures);
        checkpoints.setMaxConcurrentCheckpoints(1);
        checkpoints.setExternalizedCheckpointRetention(
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    }

    /** Adds source -> format-row -> csv-sink to the environment. */
    public static void build(StreamExecutionEnvironment env, JobOptions options, int revision) {
        DataStream<Long> sequence =
                env.fromSource(
                                new SequenceSplitSource(options.rate, options.controlDir),
                                WatermarkStrategy.noWatermarks(),
                                SOURCE_UID,
                                Types.LONG)
                        .uid(SOURCE_UID)
                        .name(SOURCE_UID)
                        .setParallelism(1);

        DataStream<String> rows =
                sequence.map(new FormatRow(options.controlDir, revision))
                        .returns(Types.STRING)
                        .uid(FORMAT_UID)
                        .name(FORMAT_UID)
                        .setParallelism(1);

        rows.rebalance().sinkTo(CsvSink.create(options.output)).uid(SINK_UID).name(SINK_UID);
    }
}
