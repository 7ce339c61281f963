"""RFC 6962 (RFC 9162 section 2.1) Merkle tree hashing, proofs and proof verification.

Pure functions. Leaves are hashed ``SHA-256(0x00 || data)``, interior nodes
``SHA-256(0x01 || left || right)``; a tree of n leaves splits at the largest power of two
below n. Trees are read through ``subtree``: a function giving the hash of the complete,
aligned subtree ``(level, index)`` (leaves are level 0), which storage answers from its
stored nodes, so proofs cost O(log n) lookups.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HashFn = Callable[[int, int], bytes]  # (level, index) -> hash of that complete subtree
EMPTY_ROOT = hashlib.sha256(b"").digest()
_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """Hash of a leaf's data."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash of an interior node."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2): where RFC 6962 splits a tree."""
    return 1 << ((n - 1).bit_length() - 1)


def range_hash(lo: int, hi: int, subtree: HashFn) -> bytes:
    """MTH of leaves [lo, hi), from complete aligned subtrees (lo is aligned by construction)."""
    n = hi - lo
    if n & (n - 1) == 0:  # a power of two: one stored subtree
        level = n.bit_length() - 1
        return subtree(level, lo >> level)
    k = split(n)
    return node_hash(range_hash(lo, lo + k, subtree), range_hash(lo + k, hi, subtree))


def root(size: int, subtree: HashFn) -> bytes:
    """Root hash of the first ``size`` leaves."""
    return EMPTY_ROOT if size == 0 else range_hash(0, size, subtree)


def inclusion_proof(index: int, size: int, subtree: HashFn) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 6962."""
    if not 0 <= index < size:
        raise ValueError("index outside the tree")
    proof: list[bytes] = []
    lo, hi, m = 0, size, index
    while hi - lo > 1:
        k = split(hi - lo)
        if m < k:
            proof.append(range_hash(lo + k, hi, subtree))
            hi = lo + k
        else:
            proof.append(range_hash(lo, lo + k, subtree))
            lo, m = lo + k, m - k
    proof.reverse()  # the recursion appends from the root down; the path runs leaf up
    return proof


def consistency_proof(old: int, new: int, subtree: HashFn) -> list[bytes]:
    """PROOF(old, D[0:new]) of RFC 6962."""
    if not 0 <= old <= new:
        raise ValueError("sizes out of order")
    if old in (0, new):
        return []
    proof: list[bytes] = []
    lo, hi, m, complete = 0, new, old, True
    while True:
        n = hi - lo
        if m == n:
            if not complete:
                proof.append(range_hash(lo, hi, subtree))
            break
        k = split(n)
        if m <= k:
            proof.append(range_hash(lo + k, hi, subtree))
            hi = lo + k
        else:
            proof.append(range_hash(lo, lo + k, subtree))
            lo, m, complete = lo + k, m - k, False
    proof.reverse()
    return proof


def _strip_zero_lsbs(fn: int, sn: int) -> tuple[int, int]:
    while fn and not fn & 1:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root_hash: bytes
) -> bool:
    """RFC 9162 2.1.3.2: is ``leaf`` at ``index`` in the tree of ``size`` with ``root_hash``?"""
    if not 0 <= index < size or len(leaf) != 32 or any(len(p) != 32 for p in proof):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                fn, sn = _strip_zero_lsbs(fn, sn)
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root_hash


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2: does the tree (``new``, ``new_root``) extend (``old``, ``old_root``)?"""
    if old < 0 or old > new or any(len(p) != 32 for p in proof):
        return False
    if old == new:
        same = not proof and old_root == new_root
        return same and (old > 0 or old_root == EMPTY_ROOT)
    if old == 0:  # everything extends the empty tree, whose root is fixed
        return not proof and old_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if old & (old - 1) == 0:  # old is a power of two: its root is the first node
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                fn, sn = _strip_zero_lsbs(fn, sn)
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == old_root and sr == new_root and sn == 0


class Frontier:
    """An append-only tree kept as its right edge: the roots of its perfect subtrees.

    Appending returns every complete subtree it finishes (level, index, hash), which is
    what storage keeps so proofs never need more than O(log n) reads.
    """

    def __init__(self, size: int = 0, nodes: Sequence[bytes] = ()) -> None:
        if len(nodes) != size.bit_count():
            raise ValueError("a frontier has one node per set bit of its size")
        self.size = size
        self._nodes = list(nodes)  # largest subtree first

    @classmethod
    def load(cls, size: int, subtree: HashFn) -> Frontier:
        """The frontier of a stored tree of ``size`` leaves (one lookup per set bit)."""
        nodes, offset = [], 0
        for level in reversed(range(size.bit_length())):
            if size >> level & 1:
                nodes.append(subtree(level, offset >> level))
                offset += 1 << level
        return cls(size, nodes)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; returns the complete subtrees this finished, leaf included."""
        index = self.size
        created = [(0, index, leaf)]
        node, level = leaf, 0
        while index >> level & 1:  # merge with equal-sized subtrees on the right edge
            node = node_hash(self._nodes.pop(), node)
            level += 1
            created.append((level, index >> level, node))
        self._nodes.append(node)
        self.size += 1
        return created

    def add(self, leaf: bytes) -> None:
        """Add a leaf hash like ``append``, without listing what it finished: verification
        adds every leaf of the log and keeps none of the subtrees."""
        nodes, index, node = self._nodes, self.size, leaf
        while index & 1:
            node = _sha256(b"\x01" + nodes.pop() + node).digest()  # node_hash, inlined
            index >>= 1
        nodes.append(node)
        self.size += 1

    def root(self) -> bytes:
        """Root of the current tree."""
        if not self._nodes:
            return EMPTY_ROOT
        r = self._nodes[-1]
        for node in reversed(self._nodes[:-1]):
            r = node_hash(node, r)
        return r
