"""Whole-log verification finds the first changed entry, and bad checkpoints."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.ledger import merkle
from domain.ledger.audit import CheckpointRow, LogAuditor
from domain.ledger.checkpoint import Checkpoint, Signer
from domain.ledger.events import Event

ORIGIN = "test/log"
SIGNER = Signer(ORIGIN, bytes(32))
WHEN = datetime(2026, 11, 16, 5, 0, tzinfo=UTC)


def _rows(n: int) -> list[tuple[int, str, bytes]]:
    rows = []
    for seq in range(n):
        entry = Event("transfer", "usr_1", f"trf_{seq}", {"amount": seq * 100}).entry(seq, WHEN)
        rows.append((seq, entry.decode(), merkle.leaf_hash(entry)))
    return rows


def _checkpoint(rows: list[tuple[int, str, bytes]], size: int) -> CheckpointRow:
    root = merkle.root_of([h for _, _, h in rows[:size]])
    return CheckpointRow(size, root, Checkpoint(ORIGIN, size, root).sign(SIGNER))


ROWS = _rows(12)
CHECKPOINTS = [_checkpoint(ROWS, 5), _checkpoint(ROWS, 12)]


def _audit(
    rows: list[tuple[int, str, bytes]], checkpoints: list[CheckpointRow] = CHECKPOINTS
) -> LogAuditor:
    auditor = LogAuditor([SIGNER.public], ORIGIN)
    auditor.feed(rows)
    auditor.finish(checkpoints)
    return auditor


def test_an_untouched_log_verifies() -> None:
    report = _audit(ROWS).report
    assert report.ok, report.problems
    assert (report.entries, report.checkpoints, report.unsigned) == (12, 2, 0)


def test_changing_any_single_byte_of_any_entry_is_found_at_its_seq() -> None:
    for seq, entry, leaf in ROWS:
        data = entry.encode()
        for i in range(len(data)):
            changed = bytearray(data)
            changed[i] ^= 0x20
            rows = list(ROWS)
            rows[seq] = (seq, changed.decode("utf-8", "replace"), leaf)
            report = _audit(rows).report
            assert not report.ok
            assert report.first_bad_seq == seq


def test_rewriting_an_entry_and_its_stored_hash_breaks_the_signed_checkpoint() -> None:
    forged = Event("transfer", "usr_1", "trf_3", {"amount": 999_999}).entry(3, WHEN)
    rows = list(ROWS)
    rows[3] = (3, forged.decode(), merkle.leaf_hash(forged))
    report = _audit(rows).report
    assert [p.message for p in report.problems] == [
        "entries 0 to 4 do not match the checkpoint signed at size 5",
        "entries 0 to 11 do not match the checkpoint signed at size 12",
    ]
    assert report.first_bad_seq == 0


def test_swapping_two_entries_with_their_hashes_is_found() -> None:
    rows = list(ROWS)
    rows[7], rows[8] = (7, *rows[8][1:]), (8, *rows[7][1:])
    assert _audit(rows).report.first_bad_seq == 7


def test_a_missing_entry_is_reported_with_its_seq() -> None:
    report = _audit([*ROWS[:6], *ROWS[7:]]).report
    assert report.first_bad_seq == 6
    assert "entry 6 is missing" in report.problems[0].message


def test_a_forged_or_foreign_checkpoint_is_reported() -> None:
    other = Signer(ORIGIN, bytes([7]) * 32)
    root = merkle.root_of([h for _, _, h in ROWS])
    foreign = CheckpointRow(12, root, Checkpoint(ORIGIN, 12, root).sign(other))
    report = _audit(ROWS, [CHECKPOINTS[0], foreign]).report
    assert [p.message for p in report.problems] == [
        "checkpoint of size 12: the checkpoint is not signed by any known key"
    ]


def test_entries_after_the_last_checkpoint_are_counted_as_unsigned() -> None:
    report = _audit(ROWS, CHECKPOINTS[:1]).report
    assert report.ok
    assert report.unsigned == 7
