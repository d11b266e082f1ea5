"""The audit log as a service: proofs, signed checkpoints, audit queries, verification.

Each process keeps the Merkle tree of stored leaf hashes in memory
(``MerkleTree``: ~64 bytes a leaf) and catches up from the database before
answering, so entries appended by other processes are seen too. Checkpoints
are signed by a background task every ``checkpoint_every`` entries or
``checkpoint_seconds``, whichever comes first, and on demand when someone asks
for a proof of an entry no checkpoint covers yet. Before signing, the service
checks the tree still has the root of the previous checkpoint: if the stored
hashes were changed it refuses to sign over them.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from domain.clock import Clock
from domain.db import Database
from domain.errors import InvalidInput, NotFound
from domain.ledger import merkle, store
from domain.ledger.audit import AuditReport, CheckpointRow, LogAuditor, Problem
from domain.ledger.checkpoint import Checkpoint
from domain.ledger.events import Event
from domain.ledger.keys import KeyRing
from domain.ledger.store import StoredCheckpoint, StoredEntry

log = logging.getLogger(__name__)

MAX_PAGE = 200


class LedgerTampered(RuntimeError):
    """The stored log no longer matches a checkpoint this log signed."""


@dataclass(frozen=True, slots=True)
class EntryProof:
    entry: StoredEntry
    tree_size: int
    root_hash: bytes
    hashes: list[bytes]
    checkpoint: StoredCheckpoint

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.entry.seq,
            "entry": self.entry.entry,
            "leaf_hash": self.entry.leaf_hash.hex(),
            "proof": {
                "leaf_index": self.entry.seq,
                "tree_size": self.tree_size,
                "root_hash": self.root_hash.hex(),
                "hashes": [h.hex() for h in self.hashes],
            },
            "checkpoint": self.checkpoint.note,
        }


def entry_json(e: StoredEntry) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "type": e.event_type,
        "customer_id": e.customer_id,
        "subject_id": e.subject_id,
        "created_at": e.created_at.isoformat(),
        "entry": e.entry,
        "leaf_hash": e.leaf_hash.hex(),
    }


def checkpoint_json(cp: StoredCheckpoint) -> dict[str, Any]:
    return {
        "size": cp.size,
        "root_hash": cp.root_hash.hex(),
        "key_id": cp.key_id,
        "created_at": cp.created_at.isoformat(),
        "note": cp.note,
    }


class LedgerService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        keys: KeyRing,
        *,
        origin: str,
        checkpoint_every: int = 1000,
        checkpoint_seconds: float = 60.0,
    ) -> None:
        self._db = db
        self._clock = clock
        self.keys = keys
        self.origin = origin
        self._every = checkpoint_every
        self._seconds = checkpoint_seconds
        self._tree = merkle.MerkleTree()
        self._lock = asyncio.Lock()

    # -- writing -------------------------------------------------------------------

    async def append(self, events: list[Event]) -> list[int]:
        """Record events in a transaction of their own (most callers use ``store.append``)."""
        async with self._db.writing() as conn:
            return await store.append(conn, events, self._clock.now())

    # -- the tree ------------------------------------------------------------------

    async def sync(self) -> int:
        """Catch the in-memory tree up with the database; returns its size."""
        async with self._lock:
            async with self._db.reading() as conn:
                async for chunk in store.leaf_hashes(conn, self._tree.size):
                    self._tree.extend(chunk)
            return self._tree.size

    @property
    def tree(self) -> merkle.MerkleTree:
        return self._tree

    # -- checkpoints -----------------------------------------------------------------

    async def latest_checkpoint(self) -> StoredCheckpoint | None:
        async with self._db.reading() as conn:
            return await store.latest_checkpoint(conn)

    async def checkpoint(self) -> StoredCheckpoint | None:
        """Sign the tree as it is now, unless the latest checkpoint already covers it."""
        size = await self.sync()
        latest = await self.latest_checkpoint()
        if size == 0 or (latest is not None and latest.size >= size):
            return latest
        if latest is not None and self._tree.root(latest.size) != latest.root_hash:
            log.error("ledger: the stored log no longer matches checkpoint %d", latest.size)
            raise LedgerTampered(
                f"the stored log no longer matches the checkpoint of size {latest.size}"
            )
        root = self._tree.root(size)
        note = Checkpoint(self.origin, size, root).sign(self.keys.signer)
        signed = StoredCheckpoint(size, root, note, self.keys.current.id_hex, self._clock.now())
        try:
            async with self._db.writing(background=True) as conn:
                await store.add_checkpoint(conn, signed)
        except IntegrityError:  # another process signed this size first
            async with self._db.reading() as conn:
                found = await store.checkpoint_at(conn, size)
            assert found is not None
            return found
        return signed

    async def due(self) -> bool:
        size = await self.sync()
        latest = await self.latest_checkpoint()
        done = latest.size if latest else 0
        if size <= done:
            return False
        if size - done >= self._every or latest is None:
            return True
        return self._clock.now() - latest.created_at >= timedelta(seconds=self._seconds)

    async def run_checkpoints(self, poll_s: float = 1.0) -> None:
        """Sign checkpoints as they fall due, forever (a background task)."""
        while True:
            await asyncio.sleep(min(poll_s, self._seconds))
            try:
                if await self.due():
                    cp = await self.checkpoint()
                    if cp is not None:
                        log.info("ledger: signed checkpoint at size %d", cp.size)
            except LedgerTampered:
                pass  # logged; an operator must run `swayam ledger verify`
            except Exception:
                log.exception("ledger checkpoint failed")

    async def covering(self, seq: int) -> StoredCheckpoint:
        """The latest checkpoint, signing one first if none covers entry ``seq``."""
        latest = await self.latest_checkpoint()
        if latest is None or latest.size <= seq:
            latest = await self.checkpoint()
        if latest is None or latest.size <= seq:
            raise NotFound("ledger_entry_not_found", f"There is no log entry {seq}.")
        return latest

    # -- proofs ----------------------------------------------------------------------

    async def entry(self, seq: int, customer_id: str | None = None) -> StoredEntry:
        if seq < 0:
            raise InvalidInput("invalid_seq", "An entry number is 0 or more.")
        async with self._db.reading() as conn:
            found = await store.entry(conn, seq)
        if found is None or (customer_id is not None and found.customer_id != customer_id):
            raise NotFound("ledger_entry_not_found", f"There is no log entry {seq}.")
        return found

    async def proof(self, seq: int, customer_id: str | None = None) -> EntryProof:
        """Entry ``seq`` with its inclusion proof in the latest signed checkpoint."""
        found = await self.entry(seq, customer_id)
        cp = await self.covering(seq)
        await self.sync()
        hashes = self._tree.inclusion_proof(seq, cp.size)
        return EntryProof(found, cp.size, cp.root_hash, hashes, cp)

    async def consistency(self, old: int, new: int) -> dict[str, Any]:
        size = await self.sync()
        if not 0 <= old <= new:
            raise InvalidInput("invalid_range", "Give sizes with 0 ≤ from ≤ to.")
        if new > size:
            raise InvalidInput("invalid_range", f"The log has only {size} entries.")
        async with self._db.reading() as conn:
            at_old = await store.checkpoint_at(conn, old)
            at_new = await store.checkpoint_at(conn, new)
        return {
            "from": old,
            "to": new,
            "from_root": self._tree.root(old).hex(),
            "to_root": self._tree.root(new).hex(),
            "hashes": [h.hex() for h in self._tree.consistency_proof(old, new)],
            "from_checkpoint": at_old.note if at_old else None,
            "to_checkpoint": at_new.note if at_new else None,
        }

    # -- queries ---------------------------------------------------------------------

    async def audit(
        self,
        customer_id: str | None,
        *,
        before: int | None = None,
        limit: int = 50,
        event_type: str | None = None,
    ) -> tuple[list[StoredEntry], int | None]:
        """A page of entries, newest first, and the ``before`` for the next page."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput("invalid_query", f"'limit' must be between 1 and {MAX_PAGE}.")
        async with self._db.reading() as conn:
            found = await store.page(
                conn, customer_id=customer_id, before=before, limit=limit + 1, event_type=event_type
            )
        more = len(found) > limit
        found = found[:limit]
        return found, (found[-1].seq if more and found else None)

    async def find(self, subject_id: str, customer_id: str | None) -> list[StoredEntry]:
        async with self._db.reading() as conn:
            return await store.entries_about(conn, subject_id, customer_id)

    async def latest(self, customer_id: str, event_type: str) -> StoredEntry | None:
        async with self._db.reading() as conn:
            return await store.latest_of_type(conn, customer_id, event_type)

    async def stats(self, *, by_type: bool = False) -> dict[str, Any]:
        size = await self.sync()
        async with self._db.reading() as conn:
            latest = await store.latest_checkpoint(conn)
            counts = await store.counts_by_type(conn) if by_type else None
        result: dict[str, Any] = {
            "origin": self.origin,
            "size": size,
            "root_hash": self._tree.root().hex(),
            "checkpoint": None if latest is None else checkpoint_json(latest),
            "unsigned_entries": size - (latest.size if latest else 0),
            "key_id": self.keys.current.id_hex,
        }
        if counts is not None:
            result["by_type"] = counts
        return result

    def public_keys(self) -> dict[str, Any]:
        current = self.keys.current
        return {
            "origin": self.origin,
            "current_key_id": current.id_hex,
            "keys": [
                {
                    "name": k.name,
                    "key_id": k.id_hex,
                    "algorithm": "ed25519",
                    "public_key": base64.b64encode(k.key).decode(),
                    "verifier_key": k.verifier_key(),
                    "current": k == current,
                }
                for k in self.keys.public_keys
            ],
        }

    # -- full verification -------------------------------------------------------------

    async def verify_all(
        self, progress: Callable[[int, int], None] | None = None, *, chunk: int = 20_000
    ) -> AuditReport:
        """Recompute every leaf and the tree; check every checkpoint and their consistency."""
        auditor = LogAuditor(self.keys.public_keys, self.origin)
        async with self._db.reading() as conn:
            total = await store.size(conn)
            start = 0
            while start < total:
                rows = await store.raw_entries(conn, start, min(start + chunk, total))
                if not auditor.feed(rows) or not rows:
                    break  # a gap: nothing after it can be placed
                start += len(rows)
                if progress is not None:
                    progress(start, total)
            if auditor.tree.size < total and not auditor.report.problems:
                auditor.report.problems.append(
                    Problem(f"entry {auditor.tree.size} is missing", auditor.tree.size)
                )
            checkpoints = [
                CheckpointRow(c.size, c.root_hash, c.note) for c in await store.checkpoints(conn)
            ]
        return auditor.finish(checkpoints)
