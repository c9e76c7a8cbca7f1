package io.flinkrunbooks.sample;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A small text file that an operator edits while the job runs (the fault knob, the probe marker).
 * Its content is cached and re-read at most every {@code refreshMillis}; a missing or unreadable
 * file reads as {@code null}. Not thread-safe: each reader thread owns its instance.
 */
final class ControlFile {
    /** Only the start of the file matters; a huge file must not stall the reader. */
    private static final int MAX_BYTES = 4096;

    private final Path path;
    private final long refreshNanos;
    private String cached;
    private long lastReadNanos;
    private boolean everRead;

    ControlFile(Path path, long refreshMillis) {
        this.path = path;
        this.refreshNanos = refreshMillis * 1_000_000L;
    }

    Path path() {
        return path;
    }

    /** The file's content (possibly cached), or {@code null} when it is absent. */
    String read() {
        long now = System.nanoTime();
        if (!everRead || now - lastReadNanos >= refreshNanos) {
            cached = readNow();
            lastReadNanos = now;
            everRead = true;
        }
        return cached;
    }

    private String readNow() {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] bytes = in.readNBytes(MAX_BYTES);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            // A file being replaced, a directory in its place, ...: treat as absent.
            return null;
        }
    }
}
