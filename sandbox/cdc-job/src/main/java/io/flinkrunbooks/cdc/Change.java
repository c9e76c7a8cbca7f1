package io.flinkrunbooks.cdc;

/**
 * One captured change on its way to the CSV file: the row it belongs to, where it stands in
 * PostgreSQL's log, and the CSV line written for it. A Flink POJO (public fields, no-argument
 * constructor) so that it travels between operators without Kryo.
 */
public final class Change {
    /** No log position: a snapshot read, or a record that carried none. */
    public static final long NO_LSN = -1L;

    /** The table and the row's primary key, e.g. {@code public.trans_info|id=7}; empty without one. */
    public String rowKey;
    /** The change's own LSN in the log, or {@link #NO_LSN}. */
    public long lsn;
    /** The CSV row written for the change. */
    public String line;

    public Change() {}

    Change(String rowKey, long lsn, String line) {
        this.rowKey = rowKey;
        this.lsn = lsn;
        this.line = line;
    }

    @Override
    public String toString() {
        return rowKey + "@" + lsn;
    }
}
