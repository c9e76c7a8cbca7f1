package io.flinkrunbooks.sample;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Which version of the job this jar is: set at build time by {@code mvn -Drevision=N}. */
public final class BuildInfo {
    private BuildInfo() {}

    /** The job version baked into the jar (1 when the resource was not filtered). */
    public static int revision() {
        Properties props = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                props.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read build.properties", e);
        }
        String value = props.getProperty("revision", "1").trim();
        try {
            int revision = Integer.parseInt(value);
            if (revision < 1) {
                throw new IllegalStateException("revision must be >= 1, got " + revision);
            }
            return revision;
        } catch (NumberFormatException e) {
            // An unfiltered resource (e.g. an IDE build) still says "${revision}".
            return 1;
        }
    }
}
