#!/usr/bin/env bash
# The consent stream filter against jq on the same job (DESIGN §10: ≥ 1 GB/s
# per core, ≥ 10x jq): optin::Enforcer (bench/filter_bench.cc) on 1M ~300-byte
# JSON records of 1M subjects, then the `optin filter` command on the same
# records and consents (file in, /dev/null out), then jq keeping the records
# of the allowed subjects (given as an object of them), one run each; prints
# the ratios. The data lives on /dev/shm when there is one.
#
# Usage: bench/filter_bench.sh BUILD_DIR   (a build with -DOPTIN_BUILD_BENCH=ON)
set -euo pipefail
build=${1:?usage: bench/filter_bench.sh BUILD_DIR}
tmp=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && tmp=/dev/shm
dir=$(mktemp -d "$tmp/optin-filter-XXXXXX")
trap 'rm -rf "$dir"' EXIT
echo "date:   $(date -u)"
echo "cpu:    $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg)"
optin_json=$(OPTIN_FILTER_DATA=$dir "$build/bench/filter_bench" --benchmark_format=json 2>/dev/null)
bytes=$(stat -c %s "$dir/records.jsonl")
cli() {  # seconds `optin filter --mode $1` takes on the records
  local start end
  start=$(date +%s.%N)
  "$build/optin" --db "$dir/optin.db" filter --purpose ads --mode "$1" "$dir/records.jsonl" > /dev/null 2> "$dir/cli.err"
  end=$(date +%s.%N)
  python3 -c "print($end - $start)"
}
cli_drop=$(cli drop)
cli_redact=$(cli redact)
# What opening the store costs each command (replaying its events): a check.
start=$(date +%s.%N)
"$build/optin" --db "$dir/optin.db" check customer-0 ads > /dev/null || true
end=$(date +%s.%N)
cli_open=$(python3 -c "print($end - $start)")
start=$(date +%s.%N)
jq -c --slurpfile a "$dir/allowed.json" 'select($a[0][.subject])' "$dir/records.jsonl" > "$dir/jq.out"
end=$(date +%s.%N)
python3 - "$optin_json" "$bytes" "$start" "$end" "$(wc -l < "$dir/jq.out")" "$cli_drop" "$cli_redact" "$cli_open" <<'PY'
import json, sys
optin = {b["name"].split("/")[1]: b for b in json.loads(sys.argv[1])["benchmarks"]}
size, start, end, jq_lines = int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
cli = {"drop": float(sys.argv[6]), "redact": float(sys.argv[7])}
cli_open = float(sys.argv[8])
jq = size / (end - start)
print("input:  %.0f MB, %d records kept by jq; opening the store takes the command %.2f s"
      % (size / 1e6, jq_lines, cli_open))
print("%-8s %14s %14s %12s %16s %16s" % ("", "Enforcer MB/s", "command MB/s", "jq MB/s", "Enforcer / jq", "command / jq"))
for mode in ("drop", "redact"):
    b = optin[mode]
    rate = b["bytes_per_second"]
    command = size / cli[mode]
    print("%-8s %14.0f %14.0f %12.0f %15.1fx %15.1fx   (passed %d records)"
          % (mode, rate / 1e6, command / 1e6, jq / 1e6, rate / jq, command / jq, b["passed"]))
PY
