#!/usr/bin/env bash
# The website embed beside cookieconsent v3 and Klaro (npm packages under
# bench/node, served to Chromium by the script itself): bytes on the wire
# and time to the first consented tag on a return visit, with the ratios.
#
# Usage: bench/embed_bench.sh OPTIN_BINARY [ROUNDS]
set -euo pipefail
optin=${1:?usage: bench/embed_bench.sh OPTIN_BINARY [ROUNDS]}
here=$(cd "$(dirname "$0")" && pwd)
[ -d "$here/node/node_modules/klaro" ] && [ -d "$here/node/node_modules/vanilla-cookieconsent" ] ||
  npm ci --prefix "$here/node" --no-audit --no-fund --loglevel=error >/dev/null
[ -d "$here/../tests/browser/node_modules/playwright-core" ] || "$here/../scripts/install-deps"
echo "date:    $(date -u)"
echo "cpu:     $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
echo "browser: $(/usr/bin/chromium --version 2>/dev/null)"
node "$here/embed_bench.mjs" "$(realpath "$optin")" "${2:-15}"
