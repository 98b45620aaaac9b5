#!/usr/bin/env python3
"""An independent check of optin's Merkle proofs (RFC 9162 §2.1), sharing no
code with src/proof/: it rebuilds every tree from its definition and
verifies each proof by the RFC's algorithms.

Reads, on stdin, lines from tests/proof/merkle_test.cc:
  root N HEX                        the root optin computed for the first N leaves
  inclusion M N HEX,HEX,...         optin's audit path of leaf M in a tree of N
  consistency M N HEX,HEX,...       optin's proof that tree M is a prefix of tree N
Leaf i (0-based) is the event bytes b"event i". Prints the number of checks
and exits 0 when all hold; otherwise names the first failure and exits 1.
"""
import hashlib
import sys


def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(leaves):
    """MTH(D[n]) exactly as RFC 9162 §2.1.1 defines it."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaf_hash(leaves[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def verify_inclusion(index, size, leaf, path, root):
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, path, first_root, second_root):
    """RFC 9162 §2.1.4.2."""
    if first == second:
        return not path and first_root == second_root
    if first & (first - 1) == 0:
        path = [first_root] + path
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    if not path:
        return False
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


def main():
    lines = sys.stdin.read().splitlines()
    max_size = max(int(l.split()[2 if l.startswith(("inclusion", "consistency")) else 1]) for l in lines)
    leaves = [b"event %d" % i for i in range(max_size)]
    roots = {n: mth(leaves[:n]) for n in range(1, max_size + 1)}
    checks = 0
    for number, line in enumerate(lines, 1):
        kind, *rest = line.split(" ")
        if kind == "root":
            ok = roots[int(rest[0])] == bytes.fromhex(rest[1])
        else:
            a, b = int(rest[0]), int(rest[1])
            path = [bytes.fromhex(h) for h in rest[2].split(",") if h] if len(rest) > 2 else []
            if kind == "inclusion":
                ok = verify_inclusion(a, b, leaf_hash(leaves[a]), path, roots[b])
            else:
                ok = verify_consistency(a, b, path, roots[a], roots[b])
        if not ok:
            print("line %d does not verify: %s" % (number, line[:200]))
            return 1
        checks += 1
    print("%d checks hold" % checks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
