"""Check a whole log: every leaf from its entry, the tree, every checkpoint.

``LogAuditor`` is fed the stored rows in order and the stored checkpoints,
and finds:

- an entry whose text no longer hashes to its stored leaf hash, or whose
  text does not carry its own sequence number, or a gap in the numbers
  (reported with the first bad ``seq``);
- a checkpoint that is malformed, not signed by a known key, or whose root
  is not the root of the entries it covers (someone rewrote both an entry and
  its stored hash: the bad entry lies between the previous good checkpoint
  and this one);
- two consecutive checkpoints that are not consistent (RFC 9162 proof).

No I/O: the caller streams rows from wherever they are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from domain.ledger import merkle
from domain.ledger.checkpoint import InvalidNote, PublicKey, open_checkpoint


@dataclass(frozen=True, slots=True)
class Problem:
    message: str
    seq: int | None = None


@dataclass
class AuditReport:
    entries: int = 0
    checkpoints: int = 0
    problems: list[Problem] = field(default_factory=list)
    root: bytes = merkle.EMPTY_ROOT
    # Entries after the last checkpoint: checked against their stored hashes only.
    unsigned: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad_seq(self) -> int | None:
        seqs = [p.seq for p in self.problems if p.seq is not None]
        return min(seqs) if seqs else None


@dataclass(frozen=True, slots=True)
class CheckpointRow:
    size: int
    root_hash: bytes
    note: str


class LogAuditor:
    def __init__(self, keys: Iterable[PublicKey], origin: str) -> None:
        self._keys = list(keys)
        self._origin = origin
        self.tree = merkle.MerkleTree()
        self.report = AuditReport()

    def feed(self, rows: Iterable[tuple[int, str, bytes]]) -> bool:
        """Check the next rows (seq, entry, stored leaf hash), in order.

        Returns False at a gap in the numbers: nothing after it can be placed.
        """
        tree, report = self.tree, self.report
        sha256 = hashlib.sha256
        for seq, entry, stored in rows:
            expected = tree.size
            if seq != expected:
                report.problems.append(
                    Problem(f"entry {expected} is missing (the next stored is {seq})", expected)
                )
                report.entries = tree.size
                return False
            data = entry.encode("utf-8")
            leaf = sha256(b"\x00" + data).digest()
            if leaf != stored:
                report.problems.append(
                    Problem(f"entry {seq} does not match its stored leaf hash", seq)
                )
            elif b'"seq":%d,' % seq not in data:
                report.problems.append(Problem(f"entry {seq} does not carry its number", seq))
            tree.append(leaf)
        report.entries = tree.size
        return True

    def finish(self, checkpoints: Iterable[CheckpointRow]) -> AuditReport:
        """Check the checkpoints against the tree built from the entries fed."""
        tree, report = self.tree, self.report
        report.root = tree.root()
        previous: tuple[int, bytes] | None = None
        last_size = 0
        for row in checkpoints:
            report.checkpoints += 1
            try:
                signed = open_checkpoint(row.note, self._keys, origin=self._origin)
            except InvalidNote as exc:
                report.problems.append(Problem(f"checkpoint of size {row.size}: {exc}"))
                continue
            cp = signed.checkpoint
            if (cp.size, cp.root) != (row.size, row.root_hash):
                report.problems.append(
                    Problem(f"checkpoint of size {row.size}: its columns differ from its note")
                )
                continue
            if cp.size > tree.size:
                report.problems.append(
                    Problem(f"checkpoint of size {cp.size} covers entries that are missing")
                )
                continue
            if tree.root(cp.size) != cp.root:
                start = previous[0] if previous else 0
                report.problems.append(
                    Problem(
                        f"entries {start} to {cp.size - 1} do not match the checkpoint signed"
                        f" at size {cp.size}",
                        None if report.first_bad_seq is not None else start,
                    )
                )
                continue
            if previous is not None:
                try:
                    merkle.verify_consistency(
                        previous[0],
                        cp.size,
                        previous[1],
                        cp.root,
                        tree.consistency_proof(previous[0], cp.size),
                    )
                except merkle.InvalidProof as exc:
                    report.problems.append(
                        Problem(f"checkpoints {previous[0]} and {cp.size} disagree: {exc}")
                    )
            previous = (cp.size, cp.root)
            last_size = max(last_size, cp.size)
        report.unsigned = tree.size - last_size
        return report
