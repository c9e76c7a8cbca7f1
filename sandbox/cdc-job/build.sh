#!/usr/bin/env bash
# Build the CDC job as version 1 and version 2 (every row ends in "v2"): OUT_DIR/cdc-pipeline-1.jar
# and -2.jar, cached (see ../build-job.sh).
#   usage: build.sh [OUT_DIR]      (default: <repo>/.data/jars)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec bash "$here/../build-job.sh" "$here" cdc-pipeline "$@"
