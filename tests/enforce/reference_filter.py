#!/usr/bin/env python3
"""A slow, obviously correct reference for `optin filter` over JSON Lines,
with Python's json module: compares optin's output with what the filter
should do. Reads argv: MODE FIELDS ALLOWED INPUT OUTPUT, where FIELDS and
ALLOWED are comma-separated (dotted field paths; allowed subjects), and the
subject is the top-level "subject". Prints "N records agree" or the first
difference, exit 0 or 1.
"""
import json
import sys


def pairs_without_repeats(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("repeated key")
    return dict(pairs)


def remove(obj, path):
    head, rest = path[0], path[1:]
    if head not in obj:
        return
    if not rest or not isinstance(obj[head], dict):
        del obj[head]  # the field, or a parent that is not an object: all of it
    else:
        remove(obj[head], rest)


def expected(mode, fields, allowed, line):
    try:
        record = json.loads(line, object_pairs_hook=pairs_without_repeats)
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
    subject = record.get("subject")
    if not isinstance(subject, str) or not subject:
        return None
    if subject in allowed:
        return line  # byte for byte
    if mode == "drop":
        return None
    for f in fields:
        remove(record, f.split("."))
    return record


def main():
    mode, fields, allowed, inp, outp = sys.argv[1:6]
    fields = [f for f in fields.split(",") if f]
    allowed = set(a for a in allowed.split(",") if a)
    want = [w for w in (expected(mode, fields, allowed, l.rstrip("\n")) for l in open(inp, encoding="utf-8", errors="surrogateescape")) if w is not None]
    got = open(outp, encoding="utf-8").read().split("\n")[:-1]
    if len(want) != len(got):
        print("optin passed %d records, the reference %d" % (len(got), len(want)))
        return 1
    for i, (w, g) in enumerate(zip(want, got)):
        same = (w == g) if isinstance(w, str) else (json.loads(g) == w)
        if not same:
            print("record %d: optin %s, reference %s" % (i + 1, g[:300], (w if isinstance(w, str) else json.dumps(w))[:300]))
            return 1
    print("%d records agree" % len(got))
    return 0


if __name__ == "__main__":
    sys.exit(main())
