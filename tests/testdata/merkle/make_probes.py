#!/usr/bin/env python3
"""Regenerates probes.json: RFC 6962 / RFC 9162 Merkle proof test data.

Standard library only. Run from anywhere:

    python3 tests/testdata/merkle/make_probes.py          # rewrites probes.json
    python3 tests/testdata/merkle/make_probes.py --check  # fails if it would change

What it does, in order:
  1. Builds the 8-leaf reference tree of RFC 6962's test suite and computes, from
     the RFC 9162 definitions (sections 2.1.1, 2.1.3.1 and 2.1.4.1), every root
     MTH(D[n]) for n = 1..8, every inclusion path PATH(m, D[n]) and every
     consistency proof PROOF(m, D[n]) for 1 <= m <= n <= 8.
  2. Cross-checks those against the hashes published in transparency-dev/merkle
     (testonly/constants.go, testonly/reference_test.go, proof/verify_test.go).
  3. Applies to every correct proof the same corruptions ("probes") that
     transparency-dev/merkle applies in its tests, adds that library's fixed
     edge-case probes and some further edge cases, and labels each case valid
     or not.
  4. Checks the labels twice: with an independent verifier written from
     RFC 9162 sections 2.1.3.2 and 2.1.4.2, and with a model of the decision
     order of transparency-dev/merkle's proof/verify.go. Both must agree with
     every label, or nothing is written.

The JSON is written deterministically (fixed order, fixed formatting).
"""
import hashlib
import json
import os
import sys

U64 = 1 << 64  # Go uses uint64 sizes and indices; a "- 1" on 0 wraps.

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "probes.json")

# The leaves of the RFC 6962 reference tree (hex), as listed in
# transparency-dev/merkle testonly/constants.go LeafInputs().
LEAVES_HEX = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
]
LEAVES = [bytes.fromhex(h) for h in LEAVES_HEX]
N = len(LEAVES)


# --------------------------------------------------------------------------
# Hashing (RFC 6962 section 2.1 / RFC 9162 section 2.1.1).
# --------------------------------------------------------------------------
def sha256(data):
    return hashlib.sha256(data).digest()


def leaf_hash(data):
    return sha256(b"\x00" + data)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


EMPTY_ROOT = sha256(b"")  # MTH({}) = HASH()

# Fixed hashes the Go tests use (proof/verify_test.go, cmd/proofgen/main.go).
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
WRONG_LEAF = b"WrongLeaf"  # 9 bytes: deliberately not a SHA-256 hash.
WRONG_ROOT = b"WrongRoot"  # 9 bytes: deliberately not a SHA-256 hash.
GARBAGE = b""  # the Go probes' "garbage" element is an empty byte string.
# The Go "additional" consistency probes use the 12-byte strings "don't care 1"
# and "don't care 2" as arbitrary roots. Here they are replaced by 32-byte
# stand-ins so that every hash in a valid case is a real SHA-256 value.
DONT_CARE_1 = sha256(b"don't care 1")
DONT_CARE_2 = sha256(b"don't care 2")


# --------------------------------------------------------------------------
# RFC 9162 definitions, written straight from the text.
# --------------------------------------------------------------------------
def split_point(n):
    """The largest power of two smaller than n (n >= 2)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d):
    """MTH(D[n]), RFC 9162 section 2.1.1."""
    n = len(d)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hash(d[0])
    k = split_point(n)
    return node_hash(mth(d[:k]), mth(d[k:]))


def path(m, d):
    """PATH(m, D[n]), RFC 9162 section 2.1.3.1 (0 <= m < n)."""
    n = len(d)
    assert 0 <= m < n
    if n == 1:
        return []
    k = split_point(n)
    if m < k:
        return path(m, d[:k]) + [mth(d[k:])]
    return path(m - k, d[k:]) + [mth(d[:k])]


def subproof(m, d, b):
    """SUBPROOF(m, D[n], b), RFC 9162 section 2.1.4.1 (0 < m <= n)."""
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = split_point(n)
    if m <= k:
        return subproof(m, d[:k], b) + [mth(d[k:])]
    return subproof(m - k, d[k:], False) + [mth(d[:k])]


def consistency_proof(m, d):
    """PROOF(m, D[n]) for 0 < m < n; the empty list for m == n (RFC 9162 only
    defines 0 < m < n; an empty proof for equal sizes is transparency-dev/merkle's
    convention)."""
    assert 0 < m <= len(d)
    if m == len(d):
        return []
    return subproof(m, d, True)


# --------------------------------------------------------------------------
# Independent verifiers: RFC 9162 sections 2.1.3.2 and 2.1.4.2.
#
# The raw algorithms work on uint64 values like a C/C++/Go verifier would, so
# that calling them with size 0 shows what happens to "size - 1" (it wraps);
# they still terminate, because every loop either walks the finite proof or
# shifts a value right until it is 0. The public verifiers add the
# preconditions (the RFC's "0 <= index < size" and "0 < first < second", plus
# transparency-dev/merkle's rule for first == second).
# --------------------------------------------------------------------------
def _rfc_inclusion_raw(index, size, leaf, proof, root):
    fn = index % U64
    sn = (size - 1) % U64  # wraps to 2^64 - 1 for size 0
    r = leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def _all_hash_sized(*hashes):
    """RFC 9162 hashes have the hash function's output size: 32 bytes here."""
    return all(len(h) == 32 for h in hashes)


def rfc_verify_inclusion(index, size, leaf, proof, root):
    if not index < size:  # also rejects every index for size 0
        return False
    if not _all_hash_sized(leaf, root, *proof):
        return False
    return _rfc_inclusion_raw(index, size, leaf, proof, root)


def _rfc_consistency_raw(first, second, proof, first_hash, second_hash):
    if not proof:  # step 1
        return False
    proof = list(proof)
    if first & (first - 1) == 0:  # first is an exact power of 2
        proof.insert(0, first_hash)
    fn = (first - 1) % U64
    sn = (second - 1) % U64
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_hash and sr == second_hash


def rfc_verify_consistency(first, second, proof, first_hash, second_hash):
    if first > second:
        return False
    if first == 0:  # no proof from the empty tree (transparency-dev/merkle, PR #236)
        return False
    if not _all_hash_sized(first_hash, second_hash, *proof):
        return False
    if first == second:  # outside RFC 9162; transparency-dev/merkle's rule
        return not proof and first_hash == second_hash
    return _rfc_consistency_raw(first, second, proof, first_hash, second_hash)


# --------------------------------------------------------------------------
# A model of transparency-dev/merkle proof/verify.go's decision order, used to
# (a) cross-check the labels a second way and (b) say in "why" which check of
# that library rejects a case. Returns None when it accepts, else the reason.
# --------------------------------------------------------------------------
def _bitlen(x):
    return x.bit_length()


def _popcount(x):
    return bin(x).count("1")


def _ctz(x):
    return (x & -x).bit_length() - 1


def go_inclusion(index, size, leaf, proof, root):
    if index >= size:
        return "index is beyond size: %d >= %d" % (index, size)
    if len(leaf) != 32:
        return "leafHash has unexpected size %d, want 32" % len(leaf)
    inner = _bitlen(index ^ (size - 1))
    border = _popcount(index >> inner)
    if len(proof) != inner + border:
        return "wrong proof size %d, want %d" % (len(proof), inner + border)
    h = leaf
    for i, p in enumerate(proof[:inner]):
        h = node_hash(h, p) if (index >> i) & 1 == 0 else node_hash(p, h)
    for p in proof[inner:]:
        h = node_hash(p, h)
    if h != root:
        return "calculated root does not match expected root"
    return None


def go_consistency(size1, size2, proof, root1, root2):
    if size2 < size1:
        return "size2 (%d) < size1 (%d)" % (size2, size1)
    if size1 == 0:
        return "consistency proof from empty tree is meaningless"
    if size1 == size2:
        if proof:
            return "size1=size2, but proof is not empty"
        return None if root1 == root2 else "root1 does not match root2 (sizes are equal)"
    if not proof:
        return "empty proof"
    fork = _bitlen((size1 - 1) ^ (size2 - 1))
    border = _popcount((size1 - 1) >> fork)
    shift = _ctz(size1)
    inner = fork - shift
    if size1 == 1 << shift:
        seed, start = root1, 0
    else:
        seed, start = proof[0], 1
    if len(proof) != start + inner + border:
        return "wrong proof size %d, want %d" % (len(proof), start + inner + border)
    rest = proof[start:]
    mask = (size1 - 1) >> shift
    if start == 1:  # root1 is not the seed: rebuild it from the left siblings
        h1 = seed
        for i, p in enumerate(rest[:inner]):
            if (mask >> i) & 1:
                h1 = node_hash(p, h1)
        for p in rest[inner:]:
            h1 = node_hash(p, h1)
        if h1 != root1:
            return "calculated root1 does not match root1"
    h2 = seed
    for i, p in enumerate(rest[:inner]):
        h2 = node_hash(h2, p) if (mask >> i) & 1 == 0 else node_hash(p, h2)
    for p in rest[inner:]:
        h2 = node_hash(p, h2)
    if h2 != root2:
        return "calculated root2 does not match root2"
    return None


# --------------------------------------------------------------------------
# The reference tree and cross-checks against published values.
# --------------------------------------------------------------------------
LH = [leaf_hash(x) for x in LEAVES]
ROOT = {n: mth(LEAVES[:n]) for n in range(0, N + 1)}
INCL = {(i, n): path(i, LEAVES[:n]) for n in range(1, N + 1) for i in range(n)}
CONS = {(m, n): consistency_proof(m, LEAVES[:n]) for n in range(1, N + 1) for m in range(1, n + 1)}

# transparency-dev/merkle testonly/constants.go RootHashes() (index = size).
PUBLISHED_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# transparency-dev/merkle testonly/constants.go NodeHashes(): [level][index].
PUBLISHED_NODES = [
    ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
     "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
     "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
     "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
     "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
     "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
     "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
     "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"],
    ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
     "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
     "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
     "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"],
    ["d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
     "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
]
_A = "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"
_B = "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"
_C = "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"
_D = "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"
_E = "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"
_F = "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"
_G = "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
_H = "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"
_I = "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"
_J = "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"
# proof/verify_test.go inclusionProofs (1-based leaf there, 0-based here) and
# testonly/reference_test.go TestRefInclusionProof.
PUBLISHED_INCLUSION = {
    (0, 1): [],
    (0, 2): [_A],
    (1, 2): [_G],
    (2, 3): [_H],
    (1, 5): [_G, _B, _D],
    (0, 8): [_A, _B, _C],
    (5, 8): [_D, _E, _F],
}
# proof/verify_test.go consistencyProofs and TestRefConsistencyProof.
PUBLISHED_CONSISTENCY = {
    (1, 1): [],
    (1, 8): [_A, _B, _C],
    (6, 8): [_I, _E, _F],
    (2, 5): [_B, _D],
    (6, 7): [_I, _J, _F],
}


def cross_check():
    for n in range(N + 1):
        assert ROOT[n].hex() == PUBLISHED_ROOTS[n], "root of size %d" % n
    for level, row in enumerate(PUBLISHED_NODES):
        w = 1 << level
        for i, h in enumerate(row):
            assert mth(LEAVES[i * w:(i + 1) * w]).hex() == h, "node %d/%d" % (level, i)
    for key, want in PUBLISHED_INCLUSION.items():
        assert [h.hex() for h in INCL[key]] == want, "inclusion %s" % (key,)
    for key, want in PUBLISHED_CONSISTENCY.items():
        assert [h.hex() for h in CONS[key]] == want, "consistency %s" % (key,)


# --------------------------------------------------------------------------
# Cases.
# --------------------------------------------------------------------------
def hx(b):
    return b.hex()


# Short origin tags for "why"; the full citations are in "source" and README.md.
SRC_INCL = "Go probe, corruptInclusionProof (proof/verify_test.go; cmd/proofgen/main.go)"
SRC_CONS = "Go probe, corruptConsistencyProof (proof/verify_test.go; cmd/proofgen/main.go)"
SRC_INCL_STATIC = "Go edge case, TestVerifyInclusion / staticInclusionProbes"
SRC_SINGLE = "Go edge case, TestVerifyInclusionSingleEntry / singleEntryInclusionProbes"
SRC_CONS_STATIC = "Go edge case, TestVerifyConsistency / staticConsistencyProbes"
EXTRA = "Extra edge case (not one of the Go probes)"


def incl_case(name, index, size, leaf, root, proof, valid, why):
    return {"name": name, "leaf_index": index, "tree_size": size, "leaf_hash": hx(leaf), "root": hx(root),
            "proof": [hx(p) for p in proof], "valid": valid, "why": why}


def cons_case(name, size1, size2, root1, root2, proof, valid, why):
    return {"name": name, "size1": size1, "size2": size2, "root1": hx(root1), "root2": hx(root2),
            "proof": [hx(p) for p in proof], "valid": valid, "why": why}


def inclusion_cases():
    out = []
    for n in range(1, N + 1):
        for i in range(n):
            pr, root, leaf = INCL[(i, n)], ROOT[n], LH[i]
            tag = "inclusion %d/%d" % (i, n)
            out.append(incl_case(tag + " happy path", i, n, leaf, root, pr, True,
                                 "Correct PATH(%d, D[%d]) (RFC 9162 2.1.3.1) for the reference tree; "
                                 "its root is MTH(D[%d])." % (i, n, n)))
            probes = [
                ("leaf_index - 1", (i - 1) % U64, n, leaf, root, pr,
                 "leafIndex - 1" + (" (0 - 1 wraps to 2^64-1 as a Go uint64)" if i == 0 else "")),
                ("leaf_index + 1", i + 1, n, leaf, root, pr, "leafIndex + 1"),
                ("leaf_index ^ 2", i ^ 2, n, leaf, root, pr, "leafIndex XOR 2"),
                ("tree_size * 2", i, n * 2, leaf, root, pr, "treeSize * 2"),
                ("tree_size / 2", i, n // 2, leaf, root, pr, "treeSize / 2 (integer division)"),
                ("wrong leaf", i, n, WRONG_LEAF, root, pr,
                 "wrong leaf: the leaf hash is the 9 ASCII bytes 'WrongLeaf', not 32 bytes"),
                ("empty root", i, n, leaf, EMPTY_ROOT, pr, "empty root: root = SHA-256('') (the empty-tree hash)"),
                ("random root", i, n, leaf, SOME_HASH, pr, "random root: root = abacaba0...123456"),
                ("trailing garbage", i, n, leaf, root, pr + [GARBAGE],
                 "trailing garbage: an empty (0-byte) element appended to the proof"),
                ("trailing root", i, n, leaf, root, pr + [root], "trailing root: the root appended to the proof"),
                ("preceding garbage", i, n, leaf, root, [GARBAGE] + pr,
                 "preceding garbage: an empty (0-byte) element prepended to the proof"),
                ("preceding root", i, n, leaf, root, [root] + pr, "preceding root: the root prepended to the proof"),
            ]
            for j in range(len(pr)):
                bad = list(pr)
                bad[j] = bytes([bad[j][0] ^ 8]) + bad[j][1:]
                probes.append(("proof[%d] bit 3 flipped" % j, i, n, leaf, root, bad,
                               "modified proof[%d] bit 3: first byte XOR 0x08" % j))
            if len(pr) > 0:
                probes.append(("removed component", i, n, leaf, root, pr[:-1],
                               "removed component: last proof element dropped"))
            if len(pr) > 1:
                probes.append(("inserted component", i, n, leaf, root, [pr[0], SOME_HASH] + pr[1:],
                               "inserted component: abacaba0...123456 inserted after proof[0]"))
            for pname, pi, ps, pl, pro, pp, desc in probes:
                out.append(incl_case("%s %s" % (tag, pname), pi, ps, pl, pro, pp, False,
                                     "%s: %s." % (SRC_INCL, desc)))
            # Extras.
            if len(pr) > 0:
                out.append(incl_case(tag + " empty proof", i, n, leaf, root, [], False,
                                     EXTRA + ": the proof is empty but PATH(%d, D[%d]) has %d hashes." %
                                     (i, n, len(pr))))
            if len(pr) > 1:
                out.append(incl_case(tag + " reversed proof", i, n, leaf, root, pr[::-1], False,
                                     EXTRA + ": the proof hashes in reverse order (root side first)."))
        # Index at or past the end, for this size.
        last = n - 1
        for pname, pi, desc in [
            ("leaf_index == tree_size", n, "leaf_index == tree_size"),
            ("leaf_index == tree_size + 1", n + 1, "leaf_index > tree_size"),
            ("leaf_index == 2^64-1", U64 - 1, "leaf_index = 2^64-1 (must not overflow)"),
        ]:
            out.append(incl_case("inclusion size %d %s" % (n, pname), pi, n, LH[last], ROOT[n], INCL[(last, n)], False,
                                 EXTRA + ": %s, with the last leaf's hash and proof (PATH(%d, D[%d])) and the "
                                 "correct root." % (desc, last, n)))
    # Tree size 0.
    for pname, pi, root, pr in [
        ("index 0, empty proof, empty-tree root", 0, EMPTY_ROOT, []),
        ("index 0, empty proof, root of size 1", 0, ROOT[1], []),
        ("index 0, one-hash proof", 0, EMPTY_ROOT, [LH[1]]),
        ("index 1, empty proof", 1, EMPTY_ROOT, []),
        ("index 5, empty proof", 5, EMPTY_ROOT, []),
    ]:
        out.append(incl_case("inclusion size 0 " + pname, pi, 0, LH[0], root, pr, False,
                             EXTRA + ": tree size 0 has no leaves, so no index is < size."))
    # The Go static probes (index, size) = (0,0), (0,1), (1,0), (2,1), all with an empty proof.
    for pi, ps in [(0, 0), (0, 1), (1, 0), (2, 1)]:
        for pname, leaf, root, desc in [
            ("random leaf, 0-byte root", SOME_HASH, b"", "leaf = abacaba0...123456, root = 0 bytes"),
            ("0-byte leaf, empty-tree root", b"", EMPTY_ROOT, "leaf = 0 bytes, root = SHA-256('')"),
            ("random leaf, empty-tree root", SOME_HASH, EMPTY_ROOT, "leaf = abacaba0...123456, root = SHA-256('')"),
        ]:
            out.append(incl_case("inclusion static %d/%d %s" % (pi, ps, pname), pi, ps, leaf, root, [], False,
                                 "%s: index %d, size %d, empty proof, %s." % (SRC_INCL_STATIC, pi, ps, desc)))
    # Single-entry tree of the leaf "data".
    h = leaf_hash(b"data")
    for pname, root, leaf, valid, desc in [
        ("matching root and leaf", h, h, True, "root == leaf hash of 'data', empty proof: a 1-leaf tree's root "
                                               "is its leaf hash"),
        ("0-byte leaf", h, b"", False, "leaf hash is 0 bytes"),
        ("0-byte root", b"", h, False, "root is 0 bytes"),
        ("0-byte root and leaf", b"", b"", False, "root and leaf hash are both 0 bytes (wrong hash size)"),
    ]:
        out.append(incl_case("inclusion single-entry " + pname, 0, 1, leaf, root, [], valid,
                             "%s: index 0, size 1, %s." % (SRC_SINGLE, desc)))
    return out


def consistency_cases():
    out = []
    for n in range(1, N + 1):
        for m in range(1, n + 1):
            pr, r1, r2 = CONS[(m, n)], ROOT[m], ROOT[n]
            tag = "consistency %d->%d" % (m, n)
            if m == n:
                out.append(cons_case(tag + " happy path", m, n, r1, r2, [], True,
                                     "Equal sizes, equal roots, empty proof. RFC 9162 defines PROOF only for "
                                     "0 < m < n; transparency-dev/merkle accepts m == n iff the proof is empty "
                                     "and root1 == root2."))
                out.append(cons_case(tag + " non-empty proof", m, n, r1, r2, [r1], False,
                                     EXTRA + ": equal sizes and roots, but the proof holds one hash (the root); "
                                             "it must be empty."))
                other = ROOT[m + 1] if m < N else ROOT[m - 1]
                out.append(cons_case(tag + " different roots", m, n, r1, other, [], False,
                                     EXTRA + ": equal sizes, empty proof, but root2 is the root of size %d." %
                                     (m + 1 if m < N else m - 1)))
                continue
            out.append(cons_case(tag + " happy path", m, n, r1, r2, pr, True,
                                 "Correct PROOF(%d, D[%d]) (RFC 9162 2.1.4.1) for the reference tree." % (m, n)))
            probes = [
                ("size1 - 1", m - 1, n, r1, r2, pr, "size1 - 1"),
                ("size1 + 1", m + 1, n, r1, r2, pr, "size1 + 1"),
                ("size1 ^ 2", m ^ 2, n, r1, r2, pr, "size1 XOR 2"),
                ("size2 * 2", m, n * 2, r1, r2, pr, "size2 * 2"),
                ("size2 / 2", m, n // 2, r1, r2, pr, "size2 / 2 (integer division)"),
                ("wrong root1", m, n, WRONG_ROOT, r2, pr, "wrong root1: the 9 ASCII bytes 'WrongRoot'"),
                ("wrong root2", m, n, r1, WRONG_ROOT, pr, "wrong root2: the 9 ASCII bytes 'WrongRoot'"),
                ("swapped roots", m, n, r2, r1, pr, "swapped roots"),
                ("empty proof", m, n, r1, r2, [], "empty proof"),
                ("trailing garbage", m, n, r1, r2, pr + [GARBAGE],
                 "trailing garbage: an empty (0-byte) element appended"),
                ("trailing root1", m, n, r1, r2, pr + [r1], "trailing root1: root1 appended"),
                ("trailing root2", m, n, r1, r2, pr + [r2], "trailing root2: root2 appended"),
                ("preceding garbage", m, n, r1, r2, [GARBAGE] + pr,
                 "preceding garbage: an empty (0-byte) element prepended"),
                ("preceding root1", m, n, r1, r2, [r1] + pr, "preceding root1: root1 prepended"),
                ("preceding root2", m, n, r1, r2, [r2] + pr, "preceding root2: root2 prepended"),
                ("preceding proof[0]", m, n, r1, r2, [pr[0]] + pr, "preceding proof[0]: proof[0] duplicated"),
                ("truncated proof", m, n, r1, r2, pr[:-1], "truncated proof: last element dropped"),
            ]
            for j in range(len(pr)):
                bad = list(pr)
                bad[j] = bytes([bad[j][0] ^ 16]) + bad[j][1:]
                probes.append(("proof[%d] bit 4 flipped" % j, m, n, r1, r2, bad,
                               "modified proof[%d] bit 4: first byte XOR 0x10" % j))
            for pname, s1, s2, a, b, pp, desc in probes:
                out.append(cons_case("%s %s" % (tag, pname), s1, s2, a, b, pp, False,
                                     "%s: %s." % (SRC_CONS, desc)))
            # Extras.
            out.append(cons_case(tag + " sizes swapped", n, m, r2, r1, pr, False,
                                 EXTRA + ": size1 > size2 (sizes and roots swapped, same proof)."))
            if len(pr) > 1:
                out.append(cons_case(tag + " reversed proof", m, n, r1, r2, pr[::-1], False,
                                     EXTRA + ": the proof hashes in reverse order."))
    # From size 0.
    zero_why = ("transparency-dev/merkle (proof/verify.go RootFromConsistencyProof, since PR #236, 2026) rejects "
                "every size1 == 0 with 'consistency proof from empty tree is meaningless', whatever size2, roots "
                "or proof. RFC 9162 2.1.4 defines proofs only for 0 < first < second.")
    for n in range(1, N + 1):
        out.append(cons_case("consistency 0->%d empty proof" % n, 0, n, EMPTY_ROOT, ROOT[n], [], False,
                             EXTRA + ": size1 = 0, root1 = SHA-256(''), empty proof. " + zero_why +
                             " (Before PR #140, 2024, the library accepted an empty proof from size 0 to any "
                             "size; from PR #140 to PR #236 it rejected 0 -> n for n > 0.)"))
        out.append(cons_case("consistency 0->%d non-empty proof" % n, 0, n, EMPTY_ROOT, ROOT[n], [ROOT[n]], False,
                             EXTRA + ": size1 = 0 with a one-hash proof (root2). " + zero_why +
                             " No version of the library ever accepted a non-empty proof from size 0."))
    out.append(cons_case("consistency 0->0 empty proof, empty-tree roots", 0, 0, EMPTY_ROOT, EMPTY_ROOT, [], False,
                         EXTRA + ": 0 -> 0, both roots SHA-256(''), empty proof. " + zero_why +
                         " (Between PR #140 and PR #236 the size1 == size2 rule came first and this was accepted.)"))
    # The Go static probes ("don't care" roots replaced by 32-byte stand-ins).
    dc = (" The roots 'don't care 1' and 'don't care 2' of the Go test (12-byte strings) are replaced by the "
          "32-byte SHA-256 of those strings.")
    E = EMPTY_ROOT
    statics = [
        ("sizes 0,0 roots differ", 0, 0, DONT_CARE_1, DONT_CARE_2, [], False, "sizes are equal (zero) but roots are not"),
        ("sizes 1,1 roots differ", 1, 1, DONT_CARE_1, DONT_CARE_2, [], False, "sizes are equal (one) but roots are not"),
        ("sizes 0,0 equal roots empty proof", 0, 0, DONT_CARE_1, DONT_CARE_1, [], False,
         "sizes are equal (zero) and proof is empty; rejected because size1 == 0 (since PR #236; accepted before)"),
        ("sizes 0,1 empty proof", 0, 1, DONT_CARE_1, DONT_CARE_2, [], False,
         "size1 is zero and does not equal size2 (accepted before PR #140)"),
        ("sizes 1,1 equal roots empty proof", 1, 1, DONT_CARE_2, DONT_CARE_2, [], True,
         "sizes are equal (one) and proof is empty: accepted, roots are only compared for equality"),
        ("sizes 1,0", 1, 0, DONT_CARE_1, DONT_CARE_2, [], False, "size1 is greater than size2"),
        ("sizes 2,1", 2, 1, DONT_CARE_1, DONT_CARE_2, [], False, "size1 is greater than size2 again"),
        ("sizes 1,2 empty proof", 1, 2, DONT_CARE_1, DONT_CARE_2, [], False, "sizes differ and proof is empty"),
        ("sizes 0,0 empty-tree root1 vs other root2", 0, 0, E, DONT_CARE_2, [], False,
         "roots do not match and sizes are zero"),
        ("sizes 1,1 empty-tree root1 vs other root2", 1, 1, E, DONT_CARE_2, [], False,
         "roots do not match and sizes are one"),
        ("sizes 0,0 equal roots non-empty proof", 0, 0, E, E, [E], False,
         "sizes match but proof is not empty and sizes are zero"),
        ("sizes 1,1 equal roots non-empty proof", 1, 1, E, E, [E], False,
         "sizes match but proof is not empty and sizes are one"),
        ("sizes 0,1 empty-tree root1 empty proof", 0, 1, E, DONT_CARE_2, [], False,
         "size1 is zero and size2 is not zero"),
        ("sizes 0,1 non-empty proof", 0, 1, E, E, [E], False,
         "consistency check on empty tree (size1 is zero) is useless"),
    ]
    for pname, s1, s2, a, b, pp, valid, desc in statics:
        out.append(cons_case("consistency static " + pname, s1, s2, a, b, pp, valid,
                             "%s: %s.%s" % (SRC_CONS_STATIC, desc,
                                            dc if {a, b} & {DONT_CARE_1, DONT_CARE_2} else "")))
    return out


# --------------------------------------------------------------------------
# Self-checks and output.
# --------------------------------------------------------------------------
def unhex_case(c, keys):
    return {k: (bytes.fromhex(c[k]) if isinstance(c[k], str) else [bytes.fromhex(p) for p in c[k]]) for k in keys}


def check(incl, cons):
    names = [c["name"] for c in incl + cons]
    dupes = sorted({x for x in names if names.count(x) > 1})
    assert not dupes, "duplicate names: %s" % dupes
    problems = []
    for c in incl:
        h = unhex_case(c, ["leaf_hash", "root", "proof"])
        rfc = rfc_verify_inclusion(c["leaf_index"], c["tree_size"], h["leaf_hash"], h["proof"], h["root"])
        go = go_inclusion(c["leaf_index"], c["tree_size"], h["leaf_hash"], h["proof"], h["root"])
        if rfc != c["valid"] or (go is None) != c["valid"]:
            problems.append("%s: label %s, RFC verifier %s, Go model %s" % (c["name"], c["valid"], rfc, go))
        if not c["valid"]:
            c["why"] += " Go VerifyInclusion error: " + go + "."
    for c in cons:
        h = unhex_case(c, ["root1", "root2", "proof"])
        rfc = rfc_verify_consistency(c["size1"], c["size2"], h["proof"], h["root1"], h["root2"])
        go = go_consistency(c["size1"], c["size2"], h["proof"], h["root1"], h["root2"])
        if rfc != c["valid"] or (go is None) != c["valid"]:
            problems.append("%s: label %s, RFC verifier %s, Go model %s" % (c["name"], c["valid"], rfc, go))
        if not c["valid"]:
            c["why"] += " Go VerifyConsistency error: " + go + "."
    assert not problems, "\n".join(problems)
    # Every valid case and only those verify; and valid proofs are exactly the
    # RFC 9162 ones computed above.
    for (i, n), pr in INCL.items():
        assert rfc_verify_inclusion(i, n, LH[i], pr, ROOT[n])
    for (m, n), pr in CONS.items():
        assert rfc_verify_consistency(m, n, pr, ROOT[m], ROOT[n])
    # The raw RFC loops terminate and fail on size 0 / size1 0 (uint64 wrap).
    for pr in ([], [LH[0]], [LH[0]] * 70):
        assert not _rfc_inclusion_raw(0, 0, LH[0], pr, EMPTY_ROOT)
        assert not _rfc_inclusion_raw(U64 - 1, 0, LH[0], pr, EMPTY_ROOT)
        assert not _rfc_consistency_raw(0, 0, pr, EMPTY_ROOT, EMPTY_ROOT)
        assert not _rfc_consistency_raw(0, 5, pr, EMPTY_ROOT, ROOT[5])
    # Why the Go probes change sizes by *2 and /2, not by +-1: a correct
    # verifier cannot reject, e.g., the proof of leaf 0 in a tree of 3 claimed
    # for a tree of 4 under root(3): the hash chain is identical.
    assert rfc_verify_inclusion(0, 4, LH[0], INCL[(0, 3)], ROOT[3])


def build():
    cross_check()
    incl = inclusion_cases()
    cons = consistency_cases()
    check(incl, cons)
    doc = {
        "source": SOURCE,
        "leaves": LEAVES_HEX,
        "roots": {str(n): hx(ROOT[n]) for n in range(1, N + 1)},
        "inclusion": incl,
        "consistency": cons,
    }
    return render(doc), incl, cons


def render(doc):
    """Deterministic JSON: one case per line, so diffs stay readable."""
    def one(v):
        return json.dumps(v, ensure_ascii=True, separators=(", ", ": "))
    lines = ["{"]
    for key in ("source", "leaves", "roots"):
        lines.append(" %s: %s," % (one(key), one(doc[key])))
    for key, last in (("inclusion", False), ("consistency", True)):
        lines.append(" %s: [" % one(key))
        cases = doc[key]
        for k, c in enumerate(cases):
            lines.append("  " + one(c) + ("," if k + 1 < len(cases) else ""))
        lines.append(" ]" + ("" if last else ","))
    lines.append("}")
    text = "\n".join(lines) + "\n"
    assert json.loads(text) == doc
    return text


SOURCE = (
    "Leaves and reference hashes: transparency-dev/merkle testonly/constants.go (LeafInputs, NodeHashes, "
    "RootHashes; the RFC 6962 test tree of 8 leaves), cross-checked against testonly/reference_test.go "
    "(TestRefInclusionProof, TestRefConsistencyProof) and the inclusionProofs/consistencyProofs/roots vectors in "
    "proof/verify_test.go; every hash here was recomputed from RFC 9162 sections 2.1.1, 2.1.3.1 and 2.1.4.1 by "
    "make_probes.py and the published ones were used only as a check. "
    "Probes: the corruptions of transparency-dev/merkle proof/verify_test.go (corruptInclusionProof, "
    "corruptConsistencyProof, TestVerifyInclusionSingleEntry, TestVerifyInclusion, TestVerifyConsistency; in "
    "2025 moved to cmd/proofgen/main.go, which writes testdata/inclusion/** and testdata/consistency/** JSON read "
    "by the new proof/verify_test.go), applied here to every correct proof of the 8-leaf tree rather than to the "
    "5 vectors the library uses, plus the library's fixed edge cases and some extra edge cases (marked "
    "'Extra edge case'). "
    "Edge-case semantics: transparency-dev/merkle proof/verify.go (VerifyInclusion/RootFromInclusionProof, "
    "VerifyConsistency/RootFromConsistencyProof) as of PR #236 (2026, size1 == 0 always an error), with history "
    "from PR #140 (2024) and testdata/consistency/additional/*.json. "
    "The 'don't care 1/2' roots of the Go edge cases are replaced by their SHA-256 so that all hashes in valid "
    "cases are 32 bytes; the 9-byte 'WrongLeaf'/'WrongRoot' values and 0-byte 'garbage' elements are kept as in "
    "the Go probes and occur only in valid:false cases."
)


def main():
    text, incl, cons = build()
    if "--check" in sys.argv[1:]:
        with open(OUT, encoding="ascii") as f:
            if f.read() != text:
                print("probes.json is out of date; run make_probes.py")
                return 1
        print("probes.json is up to date")
        return 0
    with open(OUT, "w", encoding="ascii", newline="\n") as f:
        f.write(text)
    print("wrote %s: %d inclusion cases (%d valid), %d consistency cases (%d valid)" % (
        OUT, len(incl), sum(c["valid"] for c in incl), len(cons), sum(c["valid"] for c in cons)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
