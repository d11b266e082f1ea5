"""Check one audit-log entry offline, with no server and no database.

    python -m domain.ledger.verify --public-key KEY --checkpoint NOTE --proof PROOF
        [--consistency CONSISTENCY] [--origin ORIGIN]

KEY is the JSON from ``GET /api/v1/ledger/public-key`` or verifier keys, one
a line (``<name>+<key id>+<base64>``). NOTE is a signed checkpoint (``GET
/api/v1/ledger/checkpoint``). PROOF is the JSON from ``GET
/api/v1/ledger/entries/{seq}``. If the proof is for an older tree than the
checkpoint, CONSISTENCY (``GET /api/v1/ledger/consistency?from=&to=``) links
the two.

The entry text is hashed here (the leaf hash in the proof file is only
compared), the inclusion path is followed to a root with the RFC 9162
algorithm, and that root must be the one the checkpoint's key signed.
Exit status 0 when all of that holds, 1 when it does not, 2 for unreadable
files.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from domain.ledger import merkle
from domain.ledger.checkpoint import InvalidNote, PublicKey, SignedCheckpoint, open_checkpoint


class Unverified(Exception):
    """The entry is not shown to be in the signed log; the message says why."""


@dataclass(frozen=True, slots=True)
class Verified:
    seq: int
    entry: dict[str, Any]
    checkpoint: SignedCheckpoint
    key: PublicKey

    def describe(self) -> str:
        cp = self.checkpoint.checkpoint
        what = self.entry.get("type", "entry")
        subject = next(
            (
                self.entry[k]
                for k in ("transfer_id", "hold_id", "payee_id", "token_id")
                if self.entry.get(k)
            ),
            None,
        )
        about = f" ({what} {subject})" if subject else f" ({what})"
        return (
            f"OK: entry {self.seq}{about} is in the log {cp.origin} of {cp.size} entries;"
            f" the checkpoint is signed by {self.key.name} (key {self.key.id_hex})."
        )


def parse_public_keys(text: str) -> list[PublicKey]:
    stripped = text.strip()
    if stripped.startswith("{"):
        doc = json.loads(stripped)
        return [PublicKey.parse(k["verifier_key"]) for k in doc.get("keys", [])]
    return [PublicKey.parse(line) for line in stripped.splitlines() if line.strip()]


def _hex(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise Unverified(f"{what} is not a hex string")
    try:
        return bytes.fromhex(value)
    except ValueError as exc:
        raise Unverified(f"{what} is not hex") from exc


def _int(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise Unverified(f"{what} is not a whole number")
    return value


def verify_entry(
    keys: Sequence[PublicKey],
    note: str,
    proof_doc: dict[str, Any],
    consistency_doc: dict[str, Any] | None = None,
    *,
    origin: str | None = None,
) -> Verified:
    """Check that the proof's entry is in the log the signed checkpoint describes."""
    try:
        signed = open_checkpoint(note, list(keys), origin=origin)
    except InvalidNote as exc:
        raise Unverified(f"checkpoint: {exc}") from exc
    cp = signed.checkpoint
    entry_text = proof_doc.get("entry")
    if not isinstance(entry_text, str):
        raise Unverified("the proof file has no entry text")
    seq = _int(proof_doc.get("seq"), "seq")
    proof = proof_doc.get("proof")
    if not isinstance(proof, dict):
        raise Unverified("the proof file has no proof")
    index = _int(proof.get("leaf_index"), "leaf_index")
    size = _int(proof.get("tree_size"), "tree_size")
    if index != seq:
        raise Unverified(f"the proof is for leaf {index}, not entry {seq}")
    hashes_raw = proof.get("hashes")
    if not isinstance(hashes_raw, list):
        raise Unverified("the proof's hashes are not a list")
    hashes = [_hex(h, f"proof hash {i}") for i, h in enumerate(hashes_raw)]
    try:
        entry = json.loads(entry_text)
    except json.JSONDecodeError as exc:
        raise Unverified("the entry is not JSON") from exc
    if not isinstance(entry, dict) or entry.get("seq") != seq:
        raise Unverified(f"the entry does not say it is entry {seq}")
    leaf = merkle.leaf_hash(entry_text.encode("utf-8"))
    if "leaf_hash" in proof_doc and _hex(proof_doc["leaf_hash"], "leaf_hash") != leaf:
        raise Unverified("the entry text does not hash to the leaf hash given")
    try:
        root = merkle.root_from_inclusion(leaf, index, size, hashes)
    except merkle.InvalidProof as exc:
        raise Unverified(f"inclusion proof: {exc}") from exc
    if size == cp.size:
        if root != cp.root:
            raise Unverified("the inclusion proof does not lead to the checkpoint's root")
    elif size < cp.size:
        if consistency_doc is None:
            raise Unverified(
                f"the proof is for a tree of {size} entries and the checkpoint for {cp.size};"
                " give --consistency from the first to the second"
            )
        if (consistency_doc.get("from"), consistency_doc.get("to")) != (size, cp.size):
            raise Unverified(f"the consistency proof is not from {size} to {cp.size}")
        raw = consistency_doc.get("hashes")
        if not isinstance(raw, list):
            raise Unverified("the consistency proof's hashes are not a list")
        path = [_hex(h, f"consistency hash {i}") for i, h in enumerate(raw)]
        try:
            merkle.verify_consistency(size, cp.size, root, cp.root, path)
        except merkle.InvalidProof as exc:
            raise Unverified(f"consistency proof: {exc}") from exc
    else:
        raise Unverified(
            f"the proof is for a tree of {size} entries, newer than the checkpoint ({cp.size})"
        )
    key = next(k for k in keys if k.id == signed.key_id)
    return Verified(seq, entry, signed, key)


def _read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m domain.ledger.verify",
        description="Check an audit-log entry against a signed checkpoint, offline.",
    )
    parser.add_argument("--public-key", required=True, help="public key JSON or verifier keys")
    parser.add_argument("--checkpoint", required=True, help="a signed checkpoint note")
    parser.add_argument("--proof", required=True, help="an entry with its inclusion proof (JSON)")
    parser.add_argument("--consistency", help="a consistency proof to the checkpoint's size")
    parser.add_argument("--origin", help="the log's origin line, if you want it checked")
    args = parser.parse_args(argv)
    try:
        keys = parse_public_keys(_read(args.public_key))
        note = _read(args.checkpoint)
        proof_doc = json.loads(_read(args.proof))
        consistency = json.loads(_read(args.consistency)) if args.consistency else None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"verify: cannot read the inputs: {exc}", file=sys.stderr)
        return 2
    if not keys:
        print("verify: no public keys given", file=sys.stderr)
        return 2
    if not isinstance(proof_doc, dict):
        print("verify: the proof file is not a JSON object", file=sys.stderr)
        return 2
    try:
        result = verify_entry(keys, note, proof_doc, consistency, origin=args.origin)
    except Unverified as exc:
        print(f"FAILED: {exc}")
        return 1
    print(result.describe())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
