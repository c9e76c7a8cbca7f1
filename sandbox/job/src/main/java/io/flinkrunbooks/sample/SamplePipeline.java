package io.flinkrunbooks.sample;

import java.time.Duration;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.CheckpointConfig;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sample job the runbooks are tested against: a checkpointed sequence source (stand-in for a
 * CDC source) writing CSV rows to a {@link FileSink} that commits part files on checkpoints.
 *
 * <p>Operator uids and state names are part of the savepoint contract between versions: never
 * change them.
 */
public final class SamplePipeline {
    private static final Logger LOG = LoggerFactory.getLogger(SamplePipeline.class);

    public static final String SOURCE_UID = "sequence-source";
    public static final String FORMAT_UID = "format-row";
    public static final String SINK_UID = "csv-sink";

    private SamplePipeline() {}

    public static void main(String[] args) throws Exception {
        JobOptions options = JobOptions.parse(args);
        int revision = BuildInfo.revision();
        LOG.info("sample-pipeline version {}: {}", revision, options);
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
                options.retainCheckpointsOnCancel
                        ? ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION
                        : ExternalizedCheckpointRetention.DELETE_ON_CANCELLATION);
    }

    /** Adds source -> format-row -> csv-sink to the environment. */
    @SuppressWarnings("deprecation") // addSource: the legacy source API is used on purpose
    public static void build(StreamExecutionEnvironment env, JobOptions options, int revision) {
        DataStream<Long> sequence =
                env.addSource(new SequenceSource(options.rate, options.controlDir), SOURCE_UID, Types.LONG)
                        .uid(SOURCE_UID)
                        .name(SOURCE_UID)
                        .setParallelism(1);

        DataStream<String> rows =
                sequence.map(new FormatRow(options.controlDir, revision))
                        .returns(Types.STRING)
                        .uid(FORMAT_UID)
                        .name(FORMAT_UID)
                        .setParallelism(1);

        // Always a network exchange before the sink, so the topology (and the sink's parallelism,
        // the job's parallelism) is the same whatever the parallelism.
        rows.rebalance().sinkTo(csvSink(options.output)).uid(SINK_UID).name(SINK_UID);
    }

    static FileSink<String> csvSink(String output) {
        return FileSink.forRowFormat(new Path(output), new SimpleStringEncoder<String>("UTF-8"))
                .withBucketAssigner(new BasePathBucketAssigner<>())
                .withRollingPolicy(OnCheckpointRollingPolicy.build())
                .withOutputFileConfig(
                        OutputFileConfig.builder().withPartPrefix("part").withPartSuffix(".csv").build())
                .build();
    }
}
