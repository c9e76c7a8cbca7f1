#!/usr/bin/env bash
# Prints the path of a launcher for Temporal's time-skipping test server (the Java SDK's
# io.temporal.testserver.TestServer), fetching its jars from Maven Central into the cache the
# first time. The SDK's own download of a native build needs GitHub; Maven Central is reachable
# wherever the rest of the toolchain is. Needs Java 17+ and Maven.
# The launcher takes the arguments the SDK passes: `<port> --enable-time-skipping`.
set -euo pipefail
version="${TEMPORAL_TEST_SERVER_VERSION:-1.38.0}"
dir="${FLINK_RUNBOOKS_CACHE:-$HOME/.cache/flink-runbooks}/temporal-test-server/$version"
launcher="$dir/temporal-test-server"

if [ -x "$launcher" ] && [ -f "$dir/complete" ]; then
  echo "$launcher"; exit 0
fi
command -v java >/dev/null 2>&1 || { echo "the Temporal test server needs Java 17+ (apt-get install openjdk-17-jre-headless)" >&2; exit 1; }
command -v mvn >/dev/null 2>&1 || { echo "fetching the Temporal test server needs Maven (apt-get install maven)" >&2; exit 1; }

echo "fetching the Temporal test server $version from Maven Central (once per machine)" >&2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat >"$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>flink-runbooks</groupId>
  <artifactId>temporal-test-server-fetch</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>$version</version>
    </dependency>
  </dependencies>
</project>
POM
rm -rf "$dir"
mkdir -p "$dir/lib"
mvn -q -B -f "$work/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dir/lib" >&2
cat >"$launcher" <<'LAUNCHER'
#!/usr/bin/env bash
# Temporal's time-skipping test server: `temporal-test-server <port> --enable-time-skipping`.
here="$(cd "$(dirname "$0")" && pwd)"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
exec "$java_bin" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss1m -cp "$here/lib/*" io.temporal.testserver.TestServer "$@"
LAUNCHER
chmod +x "$launcher"
touch "$dir/complete"
echo "$launcher"
