package io.flinkrunbooks.sample;

import java.nio.file.Paths;
import org.apache.flink.api.common.functions.MapFunction;

/**
 * Turns a sequence number into a CSV row: {@code seq,emitted_at_ms,marker} for version 1, with a
 * fourth column {@code v<revision>} (e.g. {@code v2}) from version 2 on. The marker is the
 * current content of {@code <control-dir>/marker}, sanitised by {@link #sanitizeMarker}. Runs with
 * parallelism 1, chained to the source, so {@code emitted_at_ms} is the emission time.
 */
public class FormatRow implements MapFunction<Long, String> {
    private static final long serialVersionUID = 1L;

    static final long MARKER_REFRESH_MS = 100;
    static final int MAX_MARKER_LENGTH = 64;

    private final String controlDir;
    private final int revision;
    private transient ControlFile markerFile;

    public FormatRow(String controlDir, int revision) {
        this.controlDir = controlDir;
        this.revision = revision;
    }

    @Override
    public String map(Long seq) {
        if (markerFile == null) {
            markerFile = new ControlFile(Paths.get(controlDir, "marker"), MARKER_REFRESH_MS);
        }
        return formatRow(seq, System.currentTimeMillis(), sanitizeMarker(markerFile.read()), revision);
    }

    static String formatRow(long seq, long emittedAtMs, String marker, int revision) {
        StringBuilder row = new StringBuilder(48);
        row.append(seq).append(',').append(emittedAtMs).append(',').append(marker);
        if (revision >= 2) {
            row.append(",v").append(revision);
        }
        return row.toString();
    }

    /**
     * Makes the marker file's content CSV-safe: drops commas, quotes and control characters
     * (newlines included), trims, and keeps at most {@value #MAX_MARKER_LENGTH} characters.
     */
    static String sanitizeMarker(String raw) {
        if (raw == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(Math.min(raw.length(), 256));
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == ',' || c == '"' || Character.isISOControl(c)) {
                continue;
            }
            out.append(c);
        }
        String trimmed = out.toString().trim();
        if (trimmed.length() > MAX_MARKER_LENGTH) {
            trimmed = trimmed.substring(0, MAX_MARKER_LENGTH).trim();
        }
        return trimmed;
    }
}
