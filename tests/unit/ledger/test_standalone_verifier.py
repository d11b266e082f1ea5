"""The offline verifier needs only a public key, a checkpoint and a proof."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from domain.ledger import merkle
from domain.ledger.checkpoint import Checkpoint, Signer
from domain.ledger.events import Event
from domain.ledger.verify import Unverified, main, verify_entry

ORIGIN = "test/log"
SIGNER = Signer(ORIGIN, bytes(range(32)))
WHEN = datetime(2026, 11, 16, 5, 0, tzinfo=UTC)
ENTRIES = [
    Event("transfer", "usr_1", f"trf_{i}", {"transfer_id": f"trf_{i}"}).entry(i, WHEN)
    for i in range(20)
]
TREE = merkle.MerkleTree(merkle.leaf_hash(e) for e in ENTRIES)


def _proof(seq: int, size: int) -> dict[str, Any]:
    return {
        "seq": seq,
        "entry": ENTRIES[seq].decode(),
        "leaf_hash": TREE.leaf(seq).hex(),
        "proof": {
            "leaf_index": seq,
            "tree_size": size,
            "root_hash": TREE.root(size).hex(),
            "hashes": [h.hex() for h in TREE.inclusion_proof(seq, size)],
        },
    }


def _note(size: int) -> str:
    return Checkpoint(ORIGIN, size, TREE.root(size)).sign(SIGNER)


def test_an_entry_in_the_signed_tree_verifies() -> None:
    result = verify_entry([SIGNER.public], _note(20), _proof(7, 20))
    assert result.seq == 7
    assert "entry 7 (transfer trf_7)" in result.describe()


def test_a_proof_for_an_older_tree_verifies_with_a_consistency_proof() -> None:
    consistency = {
        "from": 9,
        "to": 20,
        "hashes": [h.hex() for h in TREE.consistency_proof(9, 20)],
    }
    verify_entry([SIGNER.public], _note(20), _proof(3, 9), consistency)
    with pytest.raises(Unverified, match="give --consistency"):
        verify_entry([SIGNER.public], _note(20), _proof(3, 9))


def test_a_changed_entry_text_is_not_verified() -> None:
    proof = _proof(7, 20)
    proof["entry"] = proof["entry"].replace("trf_7", "trf_8")
    proof.pop("leaf_hash")
    with pytest.raises(Unverified, match="does not lead to the checkpoint"):
        verify_entry([SIGNER.public], _note(20), proof)


def test_a_checkpoint_from_another_key_is_not_verified() -> None:
    other = Checkpoint(ORIGIN, 20, TREE.root(20)).sign(Signer.generate(ORIGIN))
    with pytest.raises(Unverified, match="not signed by any known key"):
        verify_entry([SIGNER.public], other, _proof(7, 20))


def test_the_command_line_reads_three_files_and_exits_zero_or_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "key.txt"
    key.write_text(SIGNER.public.verifier_key() + "\n")
    note = tmp_path / "checkpoint.txt"
    note.write_text(_note(20))
    proof = tmp_path / "proof.json"
    proof.write_text(json.dumps(_proof(11, 20)))
    args = ["--public-key", str(key), "--checkpoint", str(note), "--proof", str(proof)]
    assert main(args) == 0
    assert capsys.readouterr().out.startswith("OK: entry 11")
    doc = _proof(11, 20)
    doc["proof"]["hashes"].reverse()
    proof.write_text(json.dumps(doc))
    assert main(args) == 1
    assert capsys.readouterr().out.startswith("FAILED:")
