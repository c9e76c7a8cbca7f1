package io.flinkrunbooks.cdc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Which version of the job this jar is: set at build time by {@code mvn -Drevision=N}. */
final class BuildInfo {
    private BuildInfo() {}

    static int revision() {
        Properties props = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                props.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read build.properties", e);
        }
        try {
            return Integer.parseInt(props.getProperty("revision", "1").trim());
        } catch (NumberFormatException e) {
            return 1; // an unfiltered resource (an IDE build) still says "${revision}"
        }
    }
}
