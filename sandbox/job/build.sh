#!/usr/bin/env bash
# Build the sample job as version 1 (seq,emitted_at_ms,marker) and version 2 (a fourth column
# "v2"): OUT_DIR/sample-pipeline-1.jar and -2.jar, cached (see ../build-job.sh).
#   usage: build.sh [OUT_DIR]      (default: <repo>/.data/jars)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec bash "$here/../build-job.sh" "$here" sample-pipeline "$@"
