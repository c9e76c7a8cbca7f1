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
# The sdist's name is normalised from 2.x on (apache_flink_libraries-2.3.0.tar.gz, same top folder).
sdist() { ls apache-flink-libraries-"$version".tar.gz apache_flink_libraries-"$version".tar.gz 2>/dev/null | head -1 || true; }
[ -n "$(sdist)" ] ||
  pip download -q --no-deps --no-binary :all: "apache-flink-libraries==$version" -d . >&2
libraries=$(sdist)
[ -n "$libraries" ] || { echo "fetch-flink.sh: no apache-flink-libraries $version sdist downloaded" >&2; exit 1; }
ls apache_flink-"$version"-*.whl >/dev/null 2>&1 ||
  pip download -q --no-deps --only-binary :all: --python-version 3.11 \
    --platform manylinux2014_x86_64 "apache-flink==$version" -d . >&2

rm -rf "$dist.tmp" && mkdir -p "$dist.tmp"
tar -xzf "$libraries" -C "$dist.tmp" --strip-components=2 "${libraries%.tar.gz}/deps"
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
