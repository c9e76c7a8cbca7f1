package io.flinkrunbooks.cdc;

import java.math.BigDecimal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Field;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Struct;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.source.SourceRecord;
import org.apache.flink.cdc.debezium.DebeziumDeserializationSchema;
import org.apache.flink.util.Collector;

/**
 * One CSV row per captured change, with the row's key and the change's LSN beside it for
 * {@link DropReplayedChanges}:
 * {@code op,table,<the row's columns in table order>,lsn,tx_id,commit_ms} (version 2 appends
 * {@code v2}). {@code op} is Debezium's: r (snapshot read), c, u, d; a delete carries the row as
 * it was. {@code lsn} and {@code tx_id} identify the change in PostgreSQL's log, {@code commit_ms}
 * is the commit time. Records without an envelope (heartbeats, schema changes) are skipped.
 */
final class ChangeToCsv implements DebeziumDeserializationSchema<Change> {
    private static final long serialVersionUID = 1L;

    private final int revision;

    ChangeToCsv(int revision) {
        this.revision = revision;
    }

    @Override
    public void deserialize(SourceRecord record, Collector<Change> out) {
        if (!(record.value() instanceof Struct)) {
            return;
        }
        Struct envelope = (Struct) record.value();
        if (envelope.schema().field("op") == null || envelope.schema().field("source") == null) {
            return;
        }
        String op = envelope.getString("op");
        Struct row = "d".equals(op) ? envelope.getStruct("before") : envelope.getStruct("after");
        Struct source = envelope.getStruct("source");
        if (row == null || source == null) {
            return;
        }
        StringBuilder line = new StringBuilder();
        line.append(op).append(',').append(source.getString("schema")).append('.').append(source.getString("table"));
        for (Field field : row.schema().fields()) {
            line.append(',').append(csv(row.get(field)));
        }
        line.append(',').append(csv(optional(source, "lsn")));
        line.append(',').append(csv(optional(source, "txId")));
        line.append(',').append(csv(optional(source, "ts_ms")));
        if (revision >= 2) {
            line.append(",v2");
        }
        String table = source.getString("schema") + '.' + source.getString("table");
        out.collect(new Change(rowKey(table, record.key()), changeLsn(op, source), line.toString()));
    }

    /** {@code table|col=value|...} of the primary key; empty for a table without one. */
    static String rowKey(String table, Object key) {
        if (!(key instanceof Struct)) {
            return "";
        }
        Struct struct = (Struct) key;
        StringBuilder rowKey = new StringBuilder(table);
        for (Field field : struct.schema().fields()) {
            rowKey.append('|').append(field.name()).append('=').append(struct.get(field));
        }
        return rowKey.toString();
    }

    /** The change's own LSN; none for a snapshot read ("r"), which is not a change in the log. */
    static long changeLsn(String op, Struct source) {
        Object lsn = "r".equals(op) ? null : optional(source, "lsn");
        return lsn instanceof Number ? ((Number) lsn).longValue() : Change.NO_LSN;
    }

    private static Object optional(Struct struct, String name) {
        return struct.schema().field(name) == null ? null : struct.get(name);
    }

    /** A CSV field: empty for null, quoted when it holds a comma, a quote or a line break. */
    static String csv(Object value) {
        if (value == null) {
            return "";
        }
        String text = value instanceof BigDecimal ? ((BigDecimal) value).toPlainString() : value.toString();
        if (text.indexOf(',') < 0 && text.indexOf('"') < 0 && text.indexOf('\n') < 0 && text.indexOf('\r') < 0) {
            return text;
        }
        return '"' + text.replace("\"", "\"\"") + '"';
    }

    @Override
    public TypeInformation<Change> getProducedType() {
        return Types.POJO(Change.class);
    }
}
