package io.flinkrunbooks.cdc;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each change of a row once, also when the source delivers it again. Keyed by row, it
 * keeps the LSN of the newest change written for that row and drops a change at or below it.
 *
 * <p>Why: the Debezium that Flink CDC 3.5 ships resumes after an idle spell by replaying the last
 * transaction when the restored offset is that transaction's last change. The newest LSN per row
 * is in the same checkpoint or savepoint as the file sink's committed output, so "already
 * written" here means already in the committed files of the state the job resumed from. A row's
 * changes reach the log in commit order (a row is locked until its transaction ends), so a later
 * change of the same row always has a higher LSN. Snapshot reads carry no change LSN: they are
 * written as they come and leave the state alone.
 */
final class DropReplayedChanges extends KeyedProcessFunction<String, Change, String> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DropReplayedChanges.class);

    private transient ValueState<Long> newestWritten;
    private transient Counter dropped;

    @Override
    public void open(OpenContext context) {
        newestWritten = getRuntimeContext().getState(new ValueStateDescriptor<>("newest-written-lsn", Types.LONG));
        dropped = getRuntimeContext().getMetricGroup().counter("replayedChangesDropped");
    }

    @Override
    public void processElement(Change change, Context context, Collector<String> out) throws Exception {
        if (change.lsn == Change.NO_LSN || change.rowKey.isEmpty()) {
            out.collect(change.line);
            return;
        }
        Long newest = newestWritten.value();
        if (isReplay(newest, change.lsn)) {
            dropped.inc();
            LOG.info("dropped a replayed change of {} at LSN {} (newest written {})", change.rowKey, change.lsn, newest);
            return;
        }
        newestWritten.update(change.lsn);
        out.collect(change.line);
    }

    /** Pure: a change at or below the newest LSN already written for its row is a replay. */
    static boolean isReplay(Long newestWritten, long lsn) {
        return newestWritten != null && lsn <= newestWritten;
    }
}
