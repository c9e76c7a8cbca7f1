#!/usr/bin/env bash
# Assemble the Flink binary distribution (the /opt/flink layout of the official image) from PyPI:
# apache-flink-libraries (sdist) carries lib/, opt/, plugins/ and bash-java-utils.jar; the
# apache-flink wheel carries the bin/ scripts and conf/. Prints the assembled directory.
set -euo pipefail
version="${FLINK_VERSION:-1.20.3}"
cache="${FLINK_RUNBOOKS_CACHE:-$HOME/.cache/flink-runbooks}/flink"
dist="$cache/flink-$version"
if [ -f "$dist/.complete" ]; then echo "$dist"; exit 0; fi

mkdir -p "$cache/download"
cd "$cache/download"
[ -f "apache-flink-libraries-$version.tar.gz" ] ||
  pip download -q --no-deps --no-binary :all: "apache-flink-libraries==$version" -d . >&2
ls apache_flink-"$version"-*.whl >/dev/null 2>&1 ||
  pip download -q --no-deps --only-binary :all: --python-version 3.11 \
    --platform manylinux2014_x86_64 "apache-flink==$version" -d . >&2

rm -rf "$dist.tmp" && mkdir -p "$dist.tmp"
tar -xzf "apache-flink-libraries-$version.tar.gz" -C "$dist.tmp" --strip-components=2 \
  "apache-flink-libraries-$version/deps"
rm -rf "$dist.tmp/licenses"
python3 - "$dist.tmp/wheel" apache_flink-"$version"-*.whl <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[2]) as wheel:
    wheel.extractall(sys.argv[1], [n for n in wheel.namelist() if n.startswith(('pyflink/bin/', 'pyflink/conf/'))])
PY
cp -a "$dist.tmp/wheel/pyflink/bin/." "$dist.tmp/bin/"
mkdir -p "$dist.tmp/conf" "$dist.tmp/log"
cp -a "$dist.tmp/wheel/pyflink/conf/." "$dist.tmp/conf/"
rm -rf "$dist.tmp/wheel" "$dist.tmp/bin/"*.bat "$dist.tmp/bin/pyflink-"*
chmod +x "$dist.tmp/bin/"*.sh "$dist.tmp/bin/flink"
touch "$dist.tmp/.complete"
rm -rf "$dist" && mv "$dist.tmp" "$dist"
echo "$dist"
