#!/usr/bin/env bash
# What keeping usage costs the check path (docs/usage.md): bench/http_bench.sh
# with usage recorded (the default) and with `optin serve --no-usage`,
# alternated ROUNDS times in one session so that both see the same machine,
# then the ratio of the medians of POST /v1/check and /v1/check/batch.
#
# Usage: bench/usage_bench.sh OPTIN_BINARY [SECONDS] [ROUNDS]
set -euo pipefail
optin=${1:?usage: bench/usage_bench.sh OPTIN_BINARY [SECONDS] [ROUNDS]}
seconds=${2:-5}
rounds=${3:-3}
here=$(dirname "$0")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

for round in $(seq "$rounds"); do
  for mode in on off; do
    flags=""
    [ "$mode" = off ] && flags="--no-usage"
    OPTIN_SERVE_FLAGS=$flags "$here/http_bench.sh" "$optin" "$seconds" > "$dir/$mode.$round"
    # Requests/sec of the single check, then of the batch; p99 of each.
    grep 'Requests/sec' "$dir/$mode.$round" | awk '{print $2}' | paste -sd' ' >> "$dir/$mode.rps"
    grep ' 99%' "$dir/$mode.$round" | awk '{print $2}' | paste -sd' ' >> "$dir/$mode.p99"
    echo "round $round, usage $mode: req/s $(tail -1 "$dir/$mode.rps"), p99 $(tail -1 "$dir/$mode.p99")"
  done
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
echo "date:    $(date -u)"
echo "cpu:     $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
for col in 1 2; do
  name=$( [ "$col" = 1 ] && echo "POST /v1/check" || echo "POST /v1/check/batch (100 checks)" )
  on=$(cut -d' ' -f"$col" "$dir/on.rps" | median)
  off=$(cut -d' ' -f"$col" "$dir/off.rps" | median)
  echo "$name: median req/s with usage $on, without $off, ratio $(awk -v a="$on" -v b="$off" 'BEGIN {printf "%.3f", a / b}')"
done
