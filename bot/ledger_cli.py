"""``swayam ledger``: check the whole audit log, sign a checkpoint, rotate the key.

    swayam ledger verify        recompute every leaf and the tree, check every checkpoint
    swayam ledger checkpoint    sign a checkpoint of the log as it is now
    swayam ledger rotate-key    sign with a new key from now on (the old one stays trusted)

``verify`` exits 1 and names the first bad entry's sequence number when the
log has been changed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from domain.ledger.audit import AuditReport


class ProgressBar:
    """A one-line bar on stderr, redrawn at most every 1% or 0.2 s."""

    def __init__(self, label: str, stream: TextIO = sys.stderr, width: int = 30) -> None:
        self._label = label
        self._stream = stream
        self._width = width
        self._last = (-1, 0.0)

    def __call__(self, done: int, total: int) -> None:
        pct = 100 if total == 0 else done * 100 // total
        now = time.monotonic()
        if pct == self._last[0] or (now - self._last[1] < 0.2 and done < total):
            return
        self._last = (pct, now)
        filled = self._width * pct // 100
        bar = "#" * filled + "." * (self._width - filled)
        self._stream.write(f"\r{self._label} [{bar}] {pct:3d}% {done:,}/{total:,} entries")
        if done >= total:
            self._stream.write("\n")
        self._stream.flush()


def describe(report: AuditReport) -> str:
    if report.ok:
        lines = [
            f"The log is intact: {report.entries:,} entries and {report.checkpoints:,} signed"
            " checkpoints verified.",
            f"Root hash: {report.root.hex()}",
        ]
        if report.unsigned:
            many = report.unsigned != 1
            lines.append(
                f"The newest {report.unsigned:,} entr{'ies are' if many else 'y is'} not yet under"
                " a signed checkpoint; checked against stored hashes only."
            )
        return "\n".join(lines)
    lines = [f"The log FAILED verification ({len(report.problems)} problem(s)):"]
    lines += [f"  - {p.message}" for p in report.problems[:20]]
    if report.first_bad_seq is not None:
        lines.append(f"First bad entry: seq {report.first_bad_seq}")
    return "\n".join(lines)


def _run(fn: Any) -> Any:
    from bot.bootstrap import build
    from bot.cli import load_settings
    from bot.migrate import upgrade

    settings = load_settings()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    upgrade(settings.database_url)

    async def run() -> Any:
        container = build(settings)
        try:
            return await fn(container)
        finally:
            await container.close()

    return asyncio.run(run())


def cmd_verify(args: argparse.Namespace) -> int:
    """Recompute every leaf and the tree; check every checkpoint and their consistency."""

    async def verify(container: Any) -> AuditReport:
        bar = ProgressBar("verifying") if not args.quiet else None
        report: AuditReport = await container.ledger.verify_all(bar)
        return report

    report = _run(verify)
    print(describe(report))
    return 0 if report.ok else 1


def cmd_checkpoint(args: argparse.Namespace) -> int:
    """Sign a checkpoint of the log as it is now and print it."""

    async def sign(container: Any) -> str:
        cp = await container.ledger.checkpoint()
        return "The log is empty; there is nothing to sign." if cp is None else str(cp.note)

    print(_run(sign), end="")
    return 0


def cmd_rotate_key(args: argparse.Namespace) -> int:
    """Sign with a new key from now on; the old public key stays trusted."""
    from bot.cli import CommandError, load_settings
    from domain.ledger import keys

    settings = load_settings()
    if settings.ledger_signing_key is not None:
        raise CommandError(
            "the signing key comes from SWAYAM_LEDGER_SIGNING_KEY; rotate it there and add the"
            " old verifier key to SWAYAM_LEDGER_VERIFIER_KEYS"
        )
    ring = keys.rotate(settings.data_dir / "ledger", name=settings.ledger_origin)
    print(f"Now signing with {ring.current.verifier_key()}")
    print(f"{len(ring.public_keys)} public key(s) trusted; restart the servers to use the new key.")
    return 0


def add_commands(commands: Any) -> None:
    ledger = commands.add_parser("ledger", help="the tamper-evident audit log")
    actions = ledger.add_subparsers(dest="ledger_command", required=True, metavar="ACTION")
    verify = actions.add_parser("verify", help="check every entry, the tree and every checkpoint")
    verify.add_argument("--quiet", action="store_true", help="no progress bar")
    verify.set_defaults(handler=cmd_verify)
    checkpoint = actions.add_parser("checkpoint", help="sign a checkpoint now and print it")
    checkpoint.set_defaults(handler=cmd_checkpoint)
    rotate = actions.add_parser("rotate-key", help="start signing with a new key")
    rotate.set_defaults(handler=cmd_rotate_key)
