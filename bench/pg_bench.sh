#!/usr/bin/env bash
# optin on PostgreSQL (DESIGN §10, the scale-out issue): starts a PostgreSQL 15
# in a temporary directory on 127.0.0.1, then
#  1. durable appends per second with 1, 8 and 32 concurrent writers
#     (append_bench's Append/postgres);
#  2. time to effect: two `optin serve` nodes on one database; a customer's
#     grant and withdrawal go to node A, node B is polled until it decides the
#     same; 1,000 withdrawals, p50 / p99 / max.
#
# Usage: bench/pg_bench.sh BUILD_DIR   (a build with -DOPTIN_BUILD_BENCH=ON)
set -euo pipefail
build=$(cd "${1:?usage: bench/pg_bench.sh BUILD_DIR}" && pwd)
trials=${OPTIN_BENCH_TRIALS:-1000}
pgbin=/usr/lib/postgresql/15/bin
dir=$(mktemp -d /tmp/optin-pgbench-XXXXXX)
chmod 0777 "$dir"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  as_pg "$pgbin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
as_pg "$pgbin/initdb" -D "$dir/data" -U optin -A trust --no-sync -E UTF8 >/dev/null
as_pg "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c max_connections=200" start >/dev/null
server=postgresql://optin@127.0.0.1:$port

echo "date:    $(date -u)"
echo "cpu:     $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "server:  $(psql -At "$server/postgres" -c 'show server_version'), fsync on, synchronous_commit on"
echo
echo "== durable appends on PostgreSQL =="
OPTIN_BENCH_PG=$server "$build/bench/append_bench" --benchmark_filter='Append/postgres' --benchmark_min_time=2 \
  2>&1 | grep -E '^(Append|Benchmark|-)'
echo

echo "== time to effect: withdraw on node A, node B denies =="
psql -q "$server/postgres" -c 'CREATE DATABASE nodes'
db=$server/nodes
"$build/optin" --db "$db" init --demo >/dev/null
key=$("$build/optin" --db "$db" key create --scope admin --name bench 2>/dev/null)
start_node() {
  "$build/optin" --db "$db" serve --listen 127.0.0.1:0 >"$dir/node$1.out" 2>"$dir/node$1.err" &
  pids+=($!)
  for _ in $(seq 100); do grep -q serving "$dir/node$1.out" 2>/dev/null && break; sleep 0.05; done
  grep -o 'http://[0-9.:]*' "$dir/node$1.out"
}
a=$(start_node 1)
b=$(start_node 2)
python3 - "$a" "$b" "$key" "$trials" <<'PY'
import http.client, json, sys, time
a, b, key, trials = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def conn(url):
    host, port = url.split("//")[1].split(":")
    return http.client.HTTPConnection(host, int(port))
ca, cb = conn(a), conn(b)
h = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
def call(c, method, path, body=None):
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
    r = c.getresponse()
    return r.status, json.loads(r.read() or b"null")
_, purposes = call(ca, "GET", "/v1/purposes")
notice = next(p["notice"] for p in purposes["purposes"] if p["id"] == "ad_targeting")
times = []
for i in range(trials):
    subject = "ttl-%d" % i
    assert call(ca, "PUT", "/v1/subjects/%s/consents/ad_targeting" % subject, {"notice": notice})[0] == 200
    while not call(cb, "POST", "/v1/check", {"subject": subject, "purpose": "ad_targeting"})[1]["allowed"]:
        pass
    t0 = time.perf_counter()
    assert call(ca, "DELETE", "/v1/subjects/%s/consents/ad_targeting" % subject)[0] == 200
    while call(cb, "POST", "/v1/check", {"subject": subject, "purpose": "ad_targeting"})[1]["allowed"]:
        pass
    times.append((time.perf_counter() - t0) * 1000)
times.sort()
pct = lambda p: times[min(len(times) - 1, int(p / 100 * len(times)))]
print("trials %d: p50 %.1f ms, p99 %.1f ms, max %.1f ms (from sending the withdrawal to node A until node B denies)" %
      (len(times), pct(50), pct(99), times[-1]))
PY
