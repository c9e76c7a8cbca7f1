#!/usr/bin/env bash
# Prints the path of a Chromium for the browser tests: Debian's package, installed when missing.
# (No browser is ever downloaded by a test tool; playwright-core drives this one.)
set -euo pipefail
for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; exit 0; fi
done
echo "installing Debian's chromium" >&2
apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
echo /usr/bin/chromium
