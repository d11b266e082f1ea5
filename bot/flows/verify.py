"""Verify a transfer in the audit log: "verify my last transfer", "is trf_... recorded?".

    message --> find the entry (the id given, else the latest transfer)
            --> fetch its inclusion proof and the latest signed checkpoint
            --> check the checkpoint's signature and the proof here, not on trust
            --> say what was checked, with the entry number and checkpoint size

The check is the one an outside auditor would run (``domain.ledger.verify``),
so "verified" means the proof holds, not that the server said so.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

from bot.context import Turn
from bot.replies import Button, Card, Reply
from bot.understanding import Understanding
from domain.errors import NotFound
from domain.ledger import merkle
from domain.ledger.checkpoint import InvalidNote, open_checkpoint
from domain.ledger.service import LedgerService
from domain.ledger.store import StoredEntry
from domain.money import format_minor

INTENT = "verify_transaction"
_REFERENCE = re.compile(r"\b((?:trf|hld)_[0-9a-z]{26})\b", re.IGNORECASE)
# "verify my last transfer", "is my payment recorded in the audit log?"
_ASKS_PROOF = re.compile(
    r"\b(verif\w*|recorded|audit\s*log|ledger|proof|prove|tamper\w*)\b", re.IGNORECASE
)
_ABOUT_MONEY = re.compile(r"\b(transfers?|payments?|transactions?|txn\w*|entry|trf_\w+)\b", re.I)
# "I didn't make this payment": a dispute, for a person rather than a proof.
_DISPUTE = re.compile(
    r"\b(fraud\w*|didn'?t make|did not make|don'?t recogni[sz]e|not mine|someone used|stolen|"
    r"legit|kisne)\b",
    re.IGNORECASE,
)


def recognise(u: Understanding) -> Understanding:
    """Asking to verify a transfer in the audit log is unmistakable; the NLU may miss it."""
    if u.payload is not None or (u.intent == INTENT and u.confident):
        return u
    if _REFERENCE.search(u.text) or (_ASKS_PROOF.search(u.text) and _ABOUT_MONEY.search(u.text)):
        return replace(u, intent=INTENT, confidence=1.0, confident=True)
    return u


async def answer(turn: Turn, text: str) -> list[Reply]:
    """Find the transfer meant, check its proof, and say what that shows."""
    ledger = turn.services.ledger
    if ledger is None:
        return [Reply("Verifying transactions isn't available here.")]
    customer = turn.customer.id
    match = _REFERENCE.search(text)
    if not match and _DISPUTE.search(text) and not _ASKS_PROOF.search(text):
        return [
            Reply(
                "If a payment isn't yours, a person from our team should look at it now. "
                "I can also show you the audit-log proof of your last transfer.",
                buttons=(Button("Talk to a person", "/intent:human_handoff"),),
                quick_replies=("Verify my last transfer",),
            )
        ]
    entry: StoredEntry | None
    if match:
        prefix, _, suffix = match.group(1).partition("_")
        reference = f"{prefix.lower()}_{suffix.upper()}"
        found = await ledger.find(reference, customer)
        entry = found[-1] if found else None
        if entry is None:
            return [Reply(f"I can't find {reference} in the audit log of your account.")]
    else:
        entry = await ledger.latest(customer, "transfer")
        if entry is None:
            return [Reply("You haven't made any transfers yet, so there's nothing to verify.")]
    return await _check(ledger, entry, customer)


async def _check(ledger: LedgerService, entry: StoredEntry, customer: str) -> list[Reply]:
    try:
        proof = await ledger.proof(entry.seq, customer)
        signed = open_checkpoint(
            proof.checkpoint.note, list(ledger.keys.public_keys), origin=ledger.origin
        )
        cp = signed.checkpoint
        if cp.size != proof.tree_size:
            raise merkle.InvalidProof("the proof and the checkpoint are for different sizes")
        leaf = merkle.leaf_hash(proof.entry.entry.encode("utf-8"))
        merkle.verify_inclusion(leaf, entry.seq, cp.size, proof.hashes, cp.root)
    except (NotFound, InvalidNote, merkle.InvalidProof) as exc:
        return [
            Reply(
                f"I could not verify entry {entry.seq} of the audit log ({exc}). "
                "Please talk to a person from our team about it."
            )
        ]
    what = _describe(entry)
    return [
        Reply(
            f"Verified: {what} is entry {entry.seq} in the bank's audit log. "
            f"I checked its proof against the latest signed checkpoint ({cp.size} entries, "
            f"key {signed.key_id.hex()}): it is included, and it can't be changed or removed "
            "without that showing.",
            cards=(
                Card(
                    "Audit log proof",
                    (
                        ("Entry", str(entry.seq)),
                        ("Checkpoint size", str(cp.size)),
                        ("Proof hashes", str(len(proof.hashes))),
                        ("Root hash", cp.root.hex()[:16] + "…"),
                    ),
                ),
            ),
        )
    ]


def _describe(entry: StoredEntry) -> str:
    data = json.loads(entry.entry)
    if entry.event_type == "transfer":
        amount = format_minor(int(data["amount"]), str(data["currency"]))
        return f"your transfer of {amount} ({data['transfer_id']})"
    return f"your {entry.event_type.replace('_', ' ')} ({entry.subject_id})"
