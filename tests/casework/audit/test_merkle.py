"""RFC 6962 Merkle trees: published known answers, every proof shape, and corruptions refused.

Reference data: the RFC 6962 test leaves, roots, complete-subtree hashes and proofs that
transparency-dev/merkle publishes (testonly/constants.go, proof/verify_test.go).
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.audit import merkle

LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
ROOTS = [
    bytes.fromhex(h)
    for h in [
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
]
NODES = [
    [bytes.fromhex(h) for h in level]
    for level in [
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
            "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
        ],
        [
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        ],
        [
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
        ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
    ]
]
H = {
    h[:8]: bytes.fromhex(h)
    for h in [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    ]
}
# (leaf index, tree size, proof) - transparency-dev numbers leaves from 1; these from 0.
INCLUSION = [
    (0, 8, [H["96a296d2"], H["5f083f0a"], H["6b47aaf2"]]),
    (5, 8, [H["bc1a0643"], H["ca854ea1"], H["d37ee418"]]),
    (2, 3, [H["fac54203"]]),
    (1, 5, [H["6e340b9c"], H["5f083f0a"], H["bc1a0643"]]),
]
CONSISTENCY = [
    (1, 8, [H["96a296d2"], H["5f083f0a"], H["6b47aaf2"]]),
    (6, 8, [H["0ebc5d34"], H["ca854ea1"], H["d37ee418"]]),
    (2, 5, [H["5f083f0a"], H["bc1a0643"]]),
    (6, 7, [H["0ebc5d34"], H["b08693ec"], H["d37ee418"]]),
]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def stored(leaves: list[bytes]) -> merkle.HashFn:
    """A subtree lookup over an in-memory list of leaf hashes (the obvious, slow way)."""

    def subtree(level: int, index: int) -> bytes:
        lo, hi = index << level, (index + 1) << level
        assert hi <= len(leaves), "asked for a subtree outside the tree"
        return reference_root(leaves[lo:hi])

    return subtree


def reference_root(leaves: list[bytes]) -> bytes:
    """MTH straight from the RFC's recursive definition."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = merkle.split(len(leaves))
    return merkle.node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


REF_LEAVES = [merkle.leaf_hash(d) for d in LEAVES]


def test_known_roots_for_every_size() -> None:
    for size in range(9):
        assert merkle.root(size, stored(REF_LEAVES)) == ROOTS[size], size


def test_known_complete_subtree_hashes() -> None:
    lookup = stored(REF_LEAVES)
    for level, nodes in enumerate(NODES):
        for index, expected in enumerate(nodes):
            assert lookup(level, index) == expected


def test_frontier_grows_to_the_known_roots_and_emits_the_known_nodes() -> None:
    frontier = merkle.Frontier()
    emitted: dict[tuple[int, int], bytes] = {}
    for size, leaf in enumerate(REF_LEAVES, start=1):
        emitted.update({(lvl, idx): h for lvl, idx, h in frontier.append(leaf)})
        assert frontier.root() == ROOTS[size]
    assert emitted == {(lvl, i): h for lvl, nodes in enumerate(NODES) for i, h in enumerate(nodes)}


def test_a_frontier_fed_by_add_grows_to_the_known_roots() -> None:
    frontier = merkle.Frontier()
    for size, leaf in enumerate(REF_LEAVES, start=1):
        frontier.add(leaf)
        assert (frontier.size, frontier.root()) == (size, ROOTS[size])


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_known_inclusion_proofs(index: int, size: int, proof: list[bytes]) -> None:
    assert merkle.inclusion_proof(index, size, stored(REF_LEAVES)) == proof
    assert merkle.verify_inclusion(index, size, REF_LEAVES[index], proof, ROOTS[size])


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_known_consistency_proofs(old: int, new: int, proof: list[bytes]) -> None:
    assert merkle.consistency_proof(old, new, stored(REF_LEAVES)) == proof
    assert merkle.verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)


def _flip(proof: list[bytes], i: int) -> list[bytes]:
    changed = list(proof)
    changed[i] = bytes([changed[i][0] ^ 8]) + changed[i][1:]
    return changed


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_every_corrupted_inclusion_proof_is_refused(
    index: int, size: int, proof: list[bytes]
) -> None:
    leaf, root = REF_LEAVES[index], ROOTS[size]
    probes = {
        "index - 1": (index - 1, size, leaf, proof, root),
        "index + 1": (index + 1, size, leaf, proof, root),
        "index ^ 2": (index ^ 2, size, leaf, proof, root),
        "size * 2": (index, size * 2, leaf, proof, root),
        "size // 2": (index, size // 2, leaf, proof, root),
        "wrong leaf": (index, size, merkle.leaf_hash(b"WrongLeaf"), proof, root),
        "empty root": (index, size, leaf, proof, merkle.EMPTY_ROOT),
        "random root": (index, size, leaf, proof, SOME_HASH),
        "trailing root": (index, size, leaf, [*proof, root], root),
        "preceding root": (index, size, leaf, [root, *proof], root),
        "trailing garbage": (index, size, leaf, [*proof, b""], root),
        "removed element": (index, size, leaf, proof[:-1], root),
        "inserted element": (index, size, leaf, [proof[0], SOME_HASH, *proof[1:]], root),
    } | {f"bit flip {i}": (index, size, leaf, _flip(proof, i), root) for i in range(len(proof))}
    accepted = [name for name, args in probes.items() if merkle.verify_inclusion(*args)]
    assert accepted == []


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_every_corrupted_consistency_proof_is_refused(
    old: int, new: int, proof: list[bytes]
) -> None:
    r1, r2 = ROOTS[old], ROOTS[new]
    probes = {
        "old - 1": (old - 1, new, r1, r2, proof),
        "old + 1": (old + 1, new, r1, r2, proof),
        "old ^ 2": (old ^ 2, new, r1, r2, proof),
        "new * 2": (old, new * 2, r1, r2, proof),
        "new // 2": (old, new // 2, r1, r2, proof),
        "wrong old root": (old, new, SOME_HASH, r2, proof),
        "wrong new root": (old, new, r1, SOME_HASH, proof),
        "swapped roots": (old, new, r2, r1, proof),
        "empty proof": (old, new, r1, r2, []),
        "trailing old root": (old, new, r1, r2, [*proof, r1]),
        "trailing new root": (old, new, r1, r2, [*proof, r2]),
        "preceding new root": (old, new, r1, r2, [r2, *proof]),
        "preceding proof[0]": (old, new, r1, r2, [proof[0], *proof]),
        "trailing garbage": (old, new, r1, r2, [*proof, b""]),
        "truncated": (old, new, r1, r2, proof[:-1]),
    } | {f"bit flip {i}": (old, new, r1, r2, _flip(proof, i)) for i in range(len(proof))}
    accepted = [name for name, args in probes.items() if merkle.verify_consistency(*args)]
    assert accepted == []


@pytest.mark.parametrize(
    ("old", "new", "r1", "r2", "proof", "valid"),
    [
        (0, 0, merkle.EMPTY_ROOT, merkle.EMPTY_ROOT, [], True),
        (0, 1, merkle.EMPTY_ROOT, ROOTS[1], [], True),
        (0, 1, SOME_HASH, ROOTS[1], [], False),  # the empty tree has one root only
        (0, 0, SOME_HASH, SOME_HASH, [], False),
        (1, 1, ROOTS[1], ROOTS[1], [], True),
        (1, 1, ROOTS[1], ROOTS[2], [], False),
        (1, 0, ROOTS[1], merkle.EMPTY_ROOT, [], False),
        (2, 1, ROOTS[2], ROOTS[1], [], False),
        (1, 1, ROOTS[1], ROOTS[1], [merkle.EMPTY_ROOT], False),
        (1, 2, ROOTS[1], ROOTS[2], [], False),
    ],
)
def test_edge_sizes(
    old: int, new: int, r1: bytes, r2: bytes, proof: list[bytes], valid: bool
) -> None:
    assert merkle.verify_consistency(old, new, r1, r2, proof) is valid


def test_proofs_for_every_leaf_and_size_pair_up_to_40() -> None:
    leaves = [merkle.leaf_hash(bytes([i, i * 7 % 256])) for i in range(40)]
    lookup = stored(leaves)
    roots = [reference_root(leaves[:n]) for n in range(41)]
    for size in range(1, 41):
        assert merkle.root(size, lookup) == roots[size]
        for index in range(size):
            proof = merkle.inclusion_proof(index, size, lookup)
            assert merkle.verify_inclusion(index, size, leaves[index], proof, roots[size])
            other = leaves[(index + 1) % size] if size > 1 else merkle.leaf_hash(b"other")
            assert not merkle.verify_inclusion(index, size, other, proof, roots[size])
        for old in range(size + 1):
            proof = merkle.consistency_proof(old, size, lookup)
            assert merkle.verify_consistency(old, size, roots[old], roots[size], proof), (old, size)


@given(st.lists(st.binary(max_size=40), max_size=300))
def test_incremental_root_equals_recomputed_root(data: list[bytes]) -> None:
    leaves = [merkle.leaf_hash(d) for d in data]
    frontier, added = merkle.Frontier(), merkle.Frontier()
    for leaf in leaves:
        frontier.append(leaf)
        added.add(leaf)
    assert frontier.root() == added.root() == reference_root(leaves)


@given(st.integers(min_value=0, max_value=200), st.data())
def test_frontier_reloaded_from_storage_continues_the_same_tree(
    size: int, data: st.DataObject
) -> None:
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size + 20)]
    nodes: dict[tuple[int, int], bytes] = {}
    grown = merkle.Frontier()
    for leaf in leaves[:size]:
        nodes.update({(lvl, idx): h for lvl, idx, h in grown.append(leaf)})
    reloaded = merkle.Frontier.load(size, lambda lvl, idx: nodes[(lvl, idx)])
    extra = data.draw(st.integers(min_value=0, max_value=20))
    for leaf in leaves[size : size + extra]:
        reloaded.append(leaf)
    assert reloaded.root() == reference_root(leaves[: size + extra])
