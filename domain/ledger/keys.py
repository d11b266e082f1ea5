"""The log's signing key and the public keys that verify its checkpoints.

The signing key comes from settings, or from ``<data dir>/ledger/signing.key``,
generated on first run and readable by its owner only (0600). Every public
key the log has ever signed with is kept in ``<data dir>/ledger/verifier.keys``
(one verifier key a line), so a rotation never strands an old checkpoint.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from domain.ledger.checkpoint import InvalidNote, PublicKey, Signer

SIGNING_FILE = "signing.key"
VERIFIERS_FILE = "verifier.keys"


@dataclass(frozen=True, slots=True)
class KeyRing:
    signer: Signer
    # Every key whose checkpoints are still accepted, the current one included.
    public_keys: tuple[PublicKey, ...]

    @property
    def current(self) -> PublicKey:
        return self.signer.public


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _read_verifiers(path: Path) -> list[PublicKey]:
    if not path.exists():
        return []
    return [PublicKey.parse(line) for line in path.read_text().splitlines() if line.strip()]


def _remember(path: Path, key: PublicKey) -> None:
    known = _read_verifiers(path)
    if key not in known:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as f:
            f.write(key.verifier_key() + "\n")


def load(
    key_dir: Path,
    *,
    name: str,
    signing_key: str | None = None,
    extra_verifier_keys: str = "",
) -> KeyRing:
    """The key ring: from settings if given, else from ``key_dir`` (created if new)."""
    verifiers = key_dir / VERIFIERS_FILE
    if signing_key:
        signer = Signer.parse(signing_key)
        known = _read_verifiers(verifiers)
    else:
        path = key_dir / SIGNING_FILE
        if path.exists():
            signer = Signer.parse(path.read_text())
        else:
            signer = Signer.generate(name)
            _write_private(path, signer.private_key())
        _remember(verifiers, signer.public)
        known = _read_verifiers(verifiers)
    extra = [PublicKey.parse(k) for k in extra_verifier_keys.replace(",", " ").split()]
    keys: list[PublicKey] = [signer.public]
    for k in [*known, *extra]:
        if k not in keys:
            keys.append(k)
    return KeyRing(signer, tuple(keys))


def rotate(key_dir: Path, *, name: str) -> KeyRing:
    """Start signing with a new key; the old public key stays trusted."""
    path = key_dir / SIGNING_FILE
    verifiers = key_dir / VERIFIERS_FILE
    if path.exists():
        _remember(verifiers, Signer.parse(path.read_text()).public)
    signer = Signer.generate(name)
    _write_private(path, signer.private_key())
    _remember(verifiers, signer.public)
    return load(key_dir, name=name)


__all__ = ["InvalidNote", "KeyRing", "load", "rotate"]
