"""RFC 6962 Merkle trees: hashing, proofs, and the RFC 9162 verification algorithms.

Leaves are hashed ``SHA-256(0x00 || entry)`` and interior nodes
``SHA-256(0x01 || left || right)``, so a leaf can never pass for a node. The
tree over n leaves splits at the largest power of two below n (RFC 6962
section 2.1). Standard library only.

``MerkleTree`` keeps the hash of every *complete* subtree (aligned, power-of-two
sized) level by level in flat byte arrays: about 2 x 32 bytes per leaf. Every
subtree an RFC 6962 proof asks for is either one of those, found by index, or
lies on the right edge and costs O(log n) hashes; so a proof at a million
leaves takes microseconds, and appending is amortised one node hash per leaf.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256


class InvalidProof(ValueError):
    """A proof that does not prove what it claims; the message says why."""


def leaf_hash(entry: bytes) -> bytes:
    return _sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly below n (n >= 2)."""
    if n < 2:
        raise ValueError("a tree of fewer than two leaves has no split")
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of already-hashed leaves, without recursion."""
    if not leaves:
        return EMPTY_ROOT
    # Fold complete subtrees on a stack, then join the right edge right to left.
    stack: list[tuple[int, bytes]] = []
    for h in leaves:
        size, node = 1, h
        while stack and stack[-1][0] == size:
            _, left = stack.pop()
            size, node = size * 2, node_hash(left, node)
        stack.append((size, node))
    node = stack.pop()[1]
    while stack:
        node = node_hash(stack.pop()[1], node)
    return node


# -- proof generation (RFC 6962 sections 2.1.1 and 2.1.2) ----------------------

Subtree = Callable[[int, int], bytes]


def inclusion_path(index: int, size: int, subtree: Subtree) -> list[bytes]:
    """PATH(index, D[size]), leaf-side first; ``subtree(a, b)`` is MTH(D[a:b])."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index - start < k:
            path.append(subtree(start + k, end))
            end = start + k
        else:
            path.append(subtree(start, start + k))
            start += k
    path.reverse()
    return path


def consistency_path(old: int, new: int, subtree: Subtree) -> list[bytes]:
    """PROOF(old, D[new]): that the tree of ``old`` leaves is a prefix of ``new``."""
    if not 0 <= old <= new:
        raise ValueError(f"no consistency proof from size {old} to size {new}")
    if old == 0 or old == new:
        return []
    path: list[bytes] = []
    start, end, complete = 0, new, True
    m = old
    while m != end - start:
        k = split_point(end - start)
        if m <= k:
            path.append(subtree(start + k, end))
            end = start + k
        else:
            path.append(subtree(start, start + k))
            start += k
            m -= k
            complete = False
    if not complete:
        path.append(subtree(start, end))
    path.reverse()
    return path


# -- verification (RFC 9162 sections 2.1.3.2 and 2.1.4.2) ------------------------


def _check_hash(h: bytes, what: str) -> None:
    if len(h) != HASH_SIZE:
        raise InvalidProof(f"{what} is {len(h)} bytes, not {HASH_SIZE}")


def root_from_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes]) -> bytes:
    """The root that an inclusion path leads to; raises ``InvalidProof`` if it leads nowhere."""
    _check_hash(leaf, "the leaf hash")
    if index < 0 or size < 1 or index >= size:
        raise InvalidProof(f"leaf index {index} is outside a tree of size {size}")
    fn, sn, r = index, size - 1, leaf
    for i, p in enumerate(path):
        _check_hash(p, f"proof hash {i}")
        if sn == 0:
            raise InvalidProof("the proof is longer than the tree is deep")
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
    if sn != 0:
        raise InvalidProof("the proof is shorter than the tree is deep")
    return r


def verify_inclusion(
    leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf`` is leaf ``index`` of the tree of ``size`` with ``root``."""
    _check_hash(root, "the root hash")
    if root_from_inclusion(leaf, index, size, path) != root:
        raise InvalidProof("the proof does not lead to the root hash")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, path: Sequence[bytes]
) -> None:
    """Check that the tree (old_size, old_root) is a prefix of (new_size, new_root)."""
    _check_hash(old_root, "the old root hash")
    _check_hash(new_root, "the new root hash")
    for i, c in enumerate(path):
        _check_hash(c, f"proof hash {i}")
    if old_size < 0 or new_size < old_size:
        raise InvalidProof(f"size {new_size} cannot extend size {old_size}")
    if old_size == new_size:
        if path:
            raise InvalidProof("a proof between equal sizes must be empty")
        if old_root != new_root:
            raise InvalidProof("two trees of the same size have different roots")
        return
    if old_size == 0:
        if path:
            raise InvalidProof("a proof from the empty tree must be empty")
        if old_root != EMPTY_ROOT:
            raise InvalidProof("the empty tree has a different root")
        return
    if not path:
        raise InvalidProof("the consistency proof is empty")
    hashes = list(path)
    if old_size & (old_size - 1) == 0:
        hashes.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = hashes[0]
    for c in hashes[1:]:
        if sn == 0:
            raise InvalidProof("the proof is longer than the tree is deep")
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
    if sn != 0:
        raise InvalidProof("the proof is shorter than the tree is deep")
    if fr != old_root:
        raise InvalidProof("the proof does not lead to the old root hash")
    if sr != new_root:
        raise InvalidProof("the proof does not lead to the new root hash")


# -- the tree with its complete subtrees kept -------------------------------------


class MerkleTree:
    """An append-only tree of leaf hashes, with every complete subtree's hash kept."""

    def __init__(self, leaves: Iterable[bytes] = ()) -> None:
        # levels[j] holds the hashes of the complete subtrees of 2**j leaves, in order.
        self._levels: list[bytearray] = [bytearray()]
        self._size = 0
        self.extend(leaves)

    @property
    def size(self) -> int:
        return self._size

    def append(self, leaf: bytes) -> None:
        if len(leaf) != HASH_SIZE:
            raise ValueError("a leaf hash is 32 bytes")
        levels = self._levels
        levels[0] += leaf
        i, j, node = self._size, 0, leaf
        while i & 1:
            level = levels[j]
            node = _sha256(b"\x01" + level[-64:-32] + node).digest()
            j += 1
            if j == len(levels):
                levels.append(bytearray())
            levels[j] += node
            i >>= 1
        self._size += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        for leaf in leaves:
            self.append(leaf)

    def leaf(self, index: int) -> bytes:
        if not 0 <= index < self._size:
            raise IndexError(index)
        return bytes(self._levels[0][index * 32 : index * 32 + 32])

    def subtree(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for 0 <= start <= end <= size."""
        if not 0 <= start <= end <= self._size:
            raise ValueError(f"[{start}, {end}) is not within a tree of size {self._size}")
        n = end - start
        if n == 0:
            return EMPTY_ROOT
        if n & (n - 1) == 0 and start % n == 0:
            j = n.bit_length() - 1
            at = (start >> j) * 32
            return bytes(self._levels[j][at : at + 32])
        k = split_point(n)
        return node_hash(self.subtree(start, start + k), self.subtree(start + k, end))

    def root(self, size: int | None = None) -> bytes:
        return self.subtree(0, self._size if size is None else size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        n = self._size if size is None else size
        if n > self._size:
            raise ValueError(f"the tree has only {self._size} leaves")
        return inclusion_path(index, n, self.subtree)

    def consistency_proof(self, old: int, new: int | None = None) -> list[bytes]:
        n = self._size if new is None else new
        if n > self._size:
            raise ValueError(f"the tree has only {self._size} leaves")
        return consistency_path(old, n, self.subtree)
