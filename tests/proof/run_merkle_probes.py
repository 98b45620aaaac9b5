#!/usr/bin/env python3
"""Runs the documented verifier's verify_inclusion and verify_consistency
over tests/testdata/merkle/probes.json: run_merkle_probes.py VERIFY.py PROBES.json.
Prints one line per kind when every case agrees; otherwise names each case
that does not (a verifier that runs longer than a second on one case, as one
that loops forever, disagrees) and exits 1."""
import importlib.util, json, signal, sys

spec = importlib.util.spec_from_file_location("verify", sys.argv[1])
verify = importlib.util.module_from_spec(spec)
spec.loader.exec_module(verify)
probes = json.load(open(sys.argv[2]))

class Stuck(Exception):
    pass

def on_alarm(*_):
    raise Stuck()

signal.signal(signal.SIGALRM, on_alarm)

def run(fn, *args):
    signal.alarm(1)
    try:
        return bool(fn(*args)), ""
    except Stuck:
        return None, "did not finish within a second"
    except Exception as e:  # a verifier that throws has not accepted
        return False, "raised %r" % e
    finally:
        signal.alarm(0)

failed = False
for kind, cases in (("inclusion", probes["inclusion"]), ("consistency", probes["consistency"])):
    bad = 0
    for c in cases:
        h = bytes.fromhex
        if kind == "inclusion":
            got, note = run(verify.verify_inclusion, c["leaf_index"], c["tree_size"], h(c["leaf_hash"]),
                            [h(p) for p in c["proof"]], h(c["root"]))
        else:
            got, note = run(verify.verify_consistency, c["size1"], c["size2"], [h(p) for p in c["proof"]],
                            h(c["root1"]), h(c["root2"]))
        if got != c["valid"]:
            bad += 1
            print("%s: expected %s, got %s %s (%s)" % (c["name"], c["valid"], got, note, c["why"]), file=sys.stderr)
    if bad:
        failed = True
        print("%s: %d of %d cases disagree" % (kind, bad, len(cases)))
    else:
        print("%s: %d cases agree" % (kind, len(cases)))
sys.exit(1 if failed else 0)
