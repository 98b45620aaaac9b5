#!/usr/bin/env bash
# HTTP throughput and latency of `optin serve` (DESIGN §10): POST /v1/check
# with one check per request, and /v1/check/batch with 100 checks per
# request. The server is pinned to core 0 and wrk to core 1, on loopback.
#
# Usage: bench/http_bench.sh OPTIN_BINARY [SECONDS]
# $OPTIN_SERVE_FLAGS, when set, is added to `optin serve` (such as
# --no-usage; bench/usage_bench.sh).
set -euo pipefail
optin=${1:?usage: bench/http_bench.sh OPTIN_BINARY [SECONDS]}
seconds=${2:-10}
command -v wrk >/dev/null || { echo "http_bench: wrk is missing (scripts/install-deps installs it)" >&2; exit 1; }

dir=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
db=$dir/optin.db
"$optin" --db "$db" init --demo >/dev/null
key=$("$optin" --db "$db" key create --scope check --name bench 2>/dev/null)
# Some subjects with a grant, so that answers differ.
for i in $(seq 0 99); do echo "grant-$i"; done | while read -r s; do "$optin" --db "$db" grant "$s" ad_targeting >/dev/null; done

# shellcheck disable=SC2086
taskset -c 0 "$optin" --db "$db" serve --listen 127.0.0.1:0 --threads 1 ${OPTIN_SERVE_FLAGS:-} > "$dir/out" 2>&1 &
server=$!
for _ in $(seq 100); do grep -q serving "$dir/out" && break; sleep 0.05; done
url=$(sed -n 's/.*\(http:[^ ]*\).*/\1/p' "$dir/out")

cat > "$dir/single.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $key"
wrk.headers["Content-Type"] = "application/json"
request = function()
  local s = math.random(0, 199)
  local who = s < 100 and ("grant-" .. s) or ("user-" .. s)
  return wrk.format(nil, "/v1/check", nil, '{"subject":"' .. who .. '","purpose":"ad_targeting"}')
end
LUA
batch='{"checks":['
for i in $(seq 0 99); do
  [ "$i" -gt 0 ] && batch+=','
  batch+="{\"subject\":\"grant-$i\",\"purpose\":\"ad_targeting\"}"
done
batch+=']}'
cat > "$dir/batch.lua" <<LUA
wrk.method = "POST"
wrk.path = "/v1/check/batch"
wrk.headers["Authorization"] = "Bearer $key"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '$batch'
LUA

echo "date:    $(date -u)"
echo "cpu:     $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; server on core 0, wrk on core 1"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg)"
echo
for mode in single batch; do
  echo "== POST $( [ "$mode" = single ] && echo /v1/check || echo '/v1/check/batch (100 checks per request)' ), 64 connections, ${seconds}s =="
  taskset -c 1 wrk -t1 -c64 -d"${seconds}s" --latency -s "$dir/$mode.lua" "$url" | grep -E 'Requests/sec|50%|99%|Non-2xx|Socket errors|requests in'
  echo
done
echo "(decisions per second through the batch endpoint = requests/sec x 100)"
