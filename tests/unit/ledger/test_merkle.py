"""RFC 6962 hashing and proofs, checked against a small independent reference."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest

from domain.ledger import merkle
from domain.ledger.merkle import InvalidProof, MerkleTree

# -- an independent reference: the RFC's recursive definitions, word for word ----


def ref_leaf(data: bytes) -> bytes:
    return hashlib.sha256(bytes([0]) + data).digest()


def ref_mth(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return hashlib.sha256().digest()
    if n == 1:
        return ref_leaf(leaves[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(bytes([1]) + ref_mth(leaves[:k]) + ref_mth(leaves[k:])).digest()


def ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*ref_path(m, leaves[:k]), ref_mth(leaves[k:])]
    return [*ref_path(m - k, leaves[k:]), ref_mth(leaves[:k])]


def ref_subproof(m: int, leaves: list[bytes], b: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if b else [ref_mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*ref_subproof(m, leaves[:k], b), ref_mth(leaves[k:])]
    return [*ref_subproof(m - k, leaves[k:], False), ref_mth(leaves[:k])]


DATA = [f"entry {i}".encode() for i in range(64)]
TREE = MerkleTree(merkle.leaf_hash(d) for d in DATA)


# -- known answers -------------------------------------------------------------------


def test_the_empty_tree_hash_is_sha256_of_the_empty_string() -> None:
    assert merkle.EMPTY_ROOT.hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert MerkleTree().root() == merkle.EMPTY_ROOT
    assert merkle.root_of([]) == merkle.EMPTY_ROOT


def test_a_leaf_is_hashed_with_a_zero_byte_prefix() -> None:
    # SHA-256 of the single byte 0x00: the leaf hash of the empty entry.
    assert merkle.leaf_hash(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    assert merkle.leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()


def test_a_node_is_hashed_with_a_one_byte_prefix() -> None:
    left, right = b"\x11" * 32, b"\x22" * 32
    assert merkle.node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert merkle.node_hash(left, right) != merkle.node_hash(right, left)


def test_a_leaf_cannot_pass_for_a_node_with_the_same_bytes() -> None:
    left, right = merkle.leaf_hash(b"a"), merkle.leaf_hash(b"b")
    assert merkle.leaf_hash(left + right) != merkle.node_hash(left, right)


def test_the_tree_splits_at_the_largest_power_of_two_below_n() -> None:
    assert [merkle.split_point(n) for n in (2, 3, 4, 5, 7, 8, 9, 1000)] == [
        1,
        2,
        2,
        4,
        4,
        4,
        8,
        512,
    ]


def test_the_root_of_seven_leaves_is_built_as_rfc_6962_draws_it() -> None:
    h = [merkle.leaf_hash(d) for d in DATA[:7]]
    n = merkle.node_hash
    expected = n(n(n(h[0], h[1]), n(h[2], h[3])), n(n(h[4], h[5]), h[6]))
    assert MerkleTree(h).root() == expected == merkle.root_of(h)


@pytest.mark.parametrize("size", range(0, 65))
def test_every_root_matches_the_recursive_definition(size: int) -> None:
    expected = ref_mth(DATA[:size])
    assert TREE.root(size) == expected
    assert merkle.root_of([merkle.leaf_hash(d) for d in DATA[:size]]) == expected


# -- proofs for every size and index -----------------------------------------------


@pytest.mark.parametrize("size", range(1, 65))
def test_inclusion_proofs_match_the_reference_and_verify_for_every_index(size: int) -> None:
    root = TREE.root(size)
    for index in range(size):
        proof = TREE.inclusion_proof(index, size)
        assert proof == ref_path(index, DATA[:size])
        merkle.verify_inclusion(merkle.leaf_hash(DATA[index]), index, size, proof, root)


@pytest.mark.parametrize("new", range(1, 65))
def test_consistency_proofs_match_the_reference_and_verify_for_every_pair(new: int) -> None:
    new_root = TREE.root(new)
    for old in range(1, new + 1):
        proof = TREE.consistency_proof(old, new)
        assert proof == ref_subproof(old, DATA[:new], True)
        merkle.verify_consistency(old, new, TREE.root(old), new_root, proof)


def test_any_tree_is_consistent_with_the_empty_tree() -> None:
    assert TREE.consistency_proof(0, 10) == []
    merkle.verify_consistency(0, 10, merkle.EMPTY_ROOT, TREE.root(10), [])


def test_proofs_are_refused_for_leaves_and_sizes_the_tree_does_not_have() -> None:
    with pytest.raises(ValueError):
        TREE.inclusion_proof(64, 64)
    with pytest.raises(ValueError):
        TREE.inclusion_proof(0, 65)
    with pytest.raises(ValueError):
        TREE.consistency_proof(10, 9)


# -- hostile proofs -------------------------------------------------------------------

SIZE, INDEX = 45, 17
LEAF = merkle.leaf_hash(DATA[INDEX])
ROOT = TREE.root(SIZE)
PATH = TREE.inclusion_proof(INDEX, SIZE)

Mutation = Callable[[list[bytes]], list[bytes]]


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda p: p[:-1], id="one hash short"),
        pytest.param(lambda p: [*p, p[0]], id="one hash too many"),
        pytest.param(lambda p: [], id="empty"),
        pytest.param(lambda p: [p[1], p[0], *p[2:]], id="two hashes swapped"),
        pytest.param(lambda p: list(reversed(p)), id="reversed"),
        pytest.param(lambda p: [p[0][:31], *p[1:]], id="a truncated hash"),
        pytest.param(lambda p: [p[0] + b"\x00", *p[1:]], id="a padded hash"),
    ],
)
def test_a_reshaped_inclusion_proof_is_rejected(mutate: Mutation) -> None:
    with pytest.raises(InvalidProof):
        merkle.verify_inclusion(LEAF, INDEX, SIZE, mutate(PATH), ROOT)


def test_an_inclusion_proof_with_any_bit_flipped_is_rejected() -> None:
    for i, h in enumerate(PATH):
        for bit in range(256):
            flipped = bytearray(h)
            flipped[bit // 8] ^= 1 << (bit % 8)
            bad = [*PATH[:i], bytes(flipped), *PATH[i + 1 :]]
            with pytest.raises(InvalidProof):
                merkle.verify_inclusion(LEAF, INDEX, SIZE, bad, ROOT)


@pytest.mark.parametrize(
    ("index", "size"),
    # A size only decides the proof's shape (the signed checkpoint binds size to
    # root), so these are sizes whose trees put leaf 17 at another depth.
    [(INDEX + 1, SIZE), (INDEX - 1, SIZE), (INDEX, 32), (INDEX, 18)],
)
def test_an_inclusion_proof_for_another_position_or_size_is_rejected(index: int, size: int) -> None:
    with pytest.raises(InvalidProof):
        merkle.verify_inclusion(LEAF, index, size, PATH, ROOT)


@pytest.mark.parametrize(("index", "size"), [(45, 45), (100, 45), (-1, 45), (0, 0)])
def test_an_index_outside_the_tree_is_rejected(index: int, size: int) -> None:
    with pytest.raises(InvalidProof, match="outside"):
        merkle.verify_inclusion(LEAF, index, size, PATH, ROOT)


def test_another_leaf_or_root_is_rejected() -> None:
    with pytest.raises(InvalidProof):
        merkle.verify_inclusion(merkle.leaf_hash(b"forged"), INDEX, SIZE, PATH, ROOT)
    with pytest.raises(InvalidProof):
        merkle.verify_inclusion(LEAF, INDEX, SIZE, PATH, TREE.root(SIZE + 1))


OLD, NEW = 13, 50
CPATH = TREE.consistency_proof(OLD, NEW)


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda p: p[:-1], id="one hash short"),
        pytest.param(lambda p: [*p, p[0]], id="one hash too many"),
        pytest.param(lambda p: [], id="empty"),
        pytest.param(lambda p: [p[1], p[0], *p[2:]], id="two hashes swapped"),
        pytest.param(lambda p: [p[0][:31], *p[1:]], id="a truncated hash"),
    ],
)
def test_a_reshaped_consistency_proof_is_rejected(mutate: Mutation) -> None:
    with pytest.raises(InvalidProof):
        merkle.verify_consistency(OLD, NEW, TREE.root(OLD), TREE.root(NEW), mutate(CPATH))


def test_a_consistency_proof_with_any_bit_flipped_is_rejected() -> None:
    for i, h in enumerate(CPATH):
        for bit in range(0, 256, 7):
            flipped = bytearray(h)
            flipped[bit // 8] ^= 1 << (bit % 8)
            bad = [*CPATH[:i], bytes(flipped), *CPATH[i + 1 :]]
            with pytest.raises(InvalidProof):
                merkle.verify_consistency(OLD, NEW, TREE.root(OLD), TREE.root(NEW), bad)


@pytest.mark.parametrize(
    # As with inclusion, only sizes that change the proof's shape can be told apart.
    ("old", "new"),
    [(OLD + 1, NEW), (OLD, 16), (OLD - 1, NEW), (NEW, OLD)],
)
def test_a_consistency_proof_for_other_sizes_is_rejected(old: int, new: int) -> None:
    with pytest.raises(InvalidProof):
        merkle.verify_consistency(old, new, TREE.root(OLD), TREE.root(NEW), CPATH)


def test_a_rewritten_history_is_not_consistent() -> None:
    forged = MerkleTree(merkle.leaf_hash(d) for d in [b"rewritten", *DATA[1:NEW]])
    with pytest.raises(InvalidProof):
        merkle.verify_consistency(OLD, NEW, TREE.root(OLD), forged.root(NEW), CPATH)
    with pytest.raises(InvalidProof):
        merkle.verify_consistency(
            OLD, NEW, TREE.root(OLD), forged.root(NEW), forged.consistency_proof(OLD, NEW)
        )


def test_equal_sizes_need_an_empty_proof_and_equal_roots() -> None:
    merkle.verify_consistency(20, 20, TREE.root(20), TREE.root(20), [])
    with pytest.raises(InvalidProof):
        merkle.verify_consistency(20, 20, TREE.root(20), TREE.root(21), [])
    with pytest.raises(InvalidProof):
        merkle.verify_consistency(20, 20, TREE.root(20), TREE.root(20), [TREE.root(20)])


def test_growing_a_tree_leaf_by_leaf_keeps_every_earlier_root() -> None:
    tree = MerkleTree()
    roots = []
    for d in DATA[:33]:
        tree.append(merkle.leaf_hash(d))
        roots.append(tree.root())
    assert [tree.root(n + 1) for n in range(33)] == roots
