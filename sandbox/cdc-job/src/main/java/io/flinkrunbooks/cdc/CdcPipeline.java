package io.flinkrunbooks.cdc;

import java.time.Duration;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.cdc.connectors.base.options.StartupOptions;
import org.apache.flink.cdc.connectors.postgres.source.PostgresSourceBuilder;
import org.apache.flink.cdc.connectors.postgres.source.PostgresSourceBuilder.PostgresIncrementalSource;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.environment.CheckpointConfig;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CDC pipeline of the seeds, on PostgreSQL instead of Oracle: Flink CDC's incremental
 * (FLIP-27) PostgreSQL source reading a logical replication slot through {@code pgoutput} and a
 * publication made by the database's owner, one CSV row per change, written by a FileSink that
 * commits part files on checkpoints. Between them, {@link DropReplayedChanges} writes each change
 * of a row once, also when a restored source delivers it again.
 *
 * <p>Operator uids are the savepoint contract between versions: never change them. No restart
 * strategy is set unless {@code --fixed-restart-delay} asks for one, so the cluster's default
 * applies, as for most production jobs.
 */
public final class CdcPipeline {
    private static final Logger LOG = LoggerFactory.getLogger(CdcPipeline.class);

    static final String SOURCE_UID = "cdc-source";
    static final String DEDUP_UID = "drop-replayed-changes";
    static final String SINK_UID = "csv-sink";

    private CdcPipeline() {}

    public static void main(String[] args) throws Exception {
        CdcOptions options = CdcOptions.parse(args);
        int revision = BuildInfo.revision();
        LOG.info("cdc-pipeline version {}: {}", revision, options);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        if (options.fixedRestartDelayMs >= 0) {
            Configuration conf = new Configuration();
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, Integer.MAX_VALUE);
            conf.set(
                    RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY,
                    Duration.ofMillis(options.fixedRestartDelayMs));
            env.configure(conf);
        }
        env.enableCheckpointing(options.checkpointIntervalMs);
        CheckpointConfig checkpoints = env.getCheckpointConfig();
        checkpoints.setCheckpointingConsistencyMode(CheckpointingMode.EXACTLY_ONCE);
        checkpoints.setCheckpointTimeout(options.checkpointTimeoutMs);
        checkpoints.setMinPauseBetweenCheckpoints(options.minPauseMs);
        checkpoints.setTolerableCheckpointFailureNumber(options.tolerableFailures);
        checkpoints.setMaxConcurrentCheckpoints(1);
        checkpoints.setExternalizedCheckpointRetention(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);

        env.fromSource(source(options, revision), WatermarkStrategy.noWatermarks(), SOURCE_UID)
                .uid(SOURCE_UID)
                .name(SOURCE_UID)
                .setParallelism(1)
                .keyBy(change -> change.rowKey, Types.STRING)
                .process(new DropReplayedChanges(), Types.STRING)
                .uid(DEDUP_UID)
                .name(DEDUP_UID)
                .setParallelism(1)
                .sinkTo(csvSink(options.output))
                .uid(SINK_UID)
                .name(SINK_UID)
                .setParallelism(1);
        env.execute(options.jobName);
    }

    static PostgresIncrementalSource<Change> source(CdcOptions options, int revision) {
        Properties debezium = new Properties();
        // The publication is the database owner's (FOR TABLE ...): the job's role needs no
        // ownership of the captured tables, as in a production database.
        debezium.setProperty("publication.name", options.publication);
        debezium.setProperty("publication.autocreate.mode", "disabled");
        String[] tables = options.table.split(",");
        return PostgresSourceBuilder.PostgresIncrementalSource.<Change>builder()
                .hostname(options.host)
                .port(options.port)
                .database(options.database)
                .schemaList("public")
                .tableList(tables)
                .username(options.user)
                .password(options.password())
                .slotName(options.slot)
                .decodingPluginName("pgoutput")
                .startupOptions(StartupOptions.initial())
                .heartbeatInterval(Duration.ofMillis(options.heartbeatIntervalMs))
                .debeziumProperties(debezium)
                .deserializer(new ChangeToCsv(revision))
                .build();
    }

    static FileSink<String> csvSink(String output) {
        return FileSink.forRowFormat(new Path(output), new SimpleStringEncoder<String>("UTF-8"))
                .withBucketAssigner(new BasePathBucketAssigner<>())
                .withRollingPolicy(OnCheckpointRollingPolicy.build())
                .withOutputFileConfig(OutputFileConfig.builder().withPartPrefix("cdc").withPartSuffix(".csv").build())
                .build();
    }
}
