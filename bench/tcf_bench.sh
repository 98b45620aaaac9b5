#!/usr/bin/env bash
# TC string decode and encode per second: optin (bench/tcf_bench.cc) and the
# IAB reference implementation @iabtcf/core (bench/node/tcf_peer.cjs, under
# node) on the same realistic string, in one run; prints the ratios.
#
# Usage: bench/tcf_bench.sh BUILD_DIR   (a build with -DOPTIN_BUILD_BENCH=ON)
set -euo pipefail
build=${1:?usage: bench/tcf_bench.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
[ -d "$here/node/node_modules/@iabtcf/core" ] ||
  npm ci --prefix "$here/node" --no-audit --no-fund --loglevel=error >/dev/null

# A realistic string: 400 vendors with consent scattered up to id 1000 (a
# bitfield), legitimate interest in a few runs (ranges), two restrictions.
model=$(python3 - <<'PY'
import json, random
random.seed(7)
print(json.dumps({
  "version": 2, "created": "2026-11-29T08:00:00Z", "last_updated": "2026-11-29T08:00:00Z",
  "cmp_id": 300, "cmp_version": 2, "consent_screen": 1, "consent_language": "EN",
  "vendor_list_version": 150, "policy_version": 5, "is_service_specific": True,
  "use_non_standard_texts": False, "purpose_one_treatment": False, "publisher_cc": "DE",
  "special_feature_opt_ins": [1], "purpose_consents": [1, 2, 3, 4, 7, 9, 10],
  "purpose_legitimate_interests": [2, 7, 9, 10],
  "vendor_consents": sorted(random.sample(range(1, 1001), 400)),
  "vendor_legitimate_interests": list(range(1, 51)) + list(range(100, 161)) + list(range(500, 521)),
  "publisher_restrictions": [{"purpose": 2, "type": 1, "vendors": [7, 8, 9]},
                             {"purpose": 7, "type": 0, "vendors": list(range(40, 60))}],
}))
PY
)
tc=$(echo "$model" | "$build/optin" tcf encode)
echo "date:   $(date -u)"
echo "cpu:    $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "string: ${#tc} characters"
optin_json=$(OPTIN_TC_STRING=$tc "$build/bench/tcf_bench" --benchmark_min_time=1 --benchmark_format=json 2>/dev/null)
peer_json=$(node "$here/node/tcf_peer.cjs" "$tc" 3)
python3 - "$optin_json" "$peer_json" <<'PY'
import json, sys
optin = {b["name"]: b["items_per_second"] for b in json.loads(sys.argv[1])["benchmarks"]}
peer = json.loads(sys.argv[2])
d, e = optin["BM_TcfDecode"], optin["BM_TcfEncode"]
print(f"{'':10} {'optin/s':>14} {'@iabtcf/core/s':>16} {'ratio':>8}")
print(f"{'decode':10} {d:14.0f} {peer['decodes_per_s']:16.0f} {d / peer['decodes_per_s']:8.0f}x")
print(f"{'encode':10} {e:14.0f} {peer['encodes_per_s']:16.0f} {e / peer['encodes_per_s']:8.0f}x")
PY
