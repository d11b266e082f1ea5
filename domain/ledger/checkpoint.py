"""Checkpoints as C2SP tlog-checkpoint bodies inside C2SP signed notes.

A checkpoint body is three lines: the log's origin, the tree size in decimal,
and the base64 root hash. A signed note is that body, a blank line, and one
line per signature::

    swayam.local/ledger
    1234
    q2Vr...=

    — swayam.local/ledger Ab3dEf...==

Each signature line is an em dash, the key name, and base64 of the 4-byte key
id followed by the 64-byte Ed25519 signature of the body. The key id is the
first 4 bytes of SHA-256(key name || 0x0A || 0x01 || public key), so a reader
picks the right public key without trying them all. Public keys travel as
verifier keys, ``<name>+<key id hex>+<base64(0x01 || public key)>``, and
private keys as ``PRIVATE+KEY+<name>+<key id hex>+<base64(0x01 || seed)>``,
the forms Go's ``golang.org/x/mod/sumdb/note`` reads.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

ED25519 = 0x01
_DASH = "\u2014 "
_NAME = re.compile(r"[^\s+]+")
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")


class InvalidNote(ValueError):
    """A checkpoint or key that is malformed, unsigned, or signed by nobody we know."""


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public_key).digest()[:4]


def _check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise InvalidNote(f"a key name needs no spaces or '+': {name!r}")
    return name


def _b64decode(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidNote(f"{what} is not base64") from exc
    # Strict: unused low bits must be zero, so each value has one spelling.
    if base64.b64encode(raw).decode() != text:
        raise InvalidNote(f"{what} is not canonical base64")
    return raw


@dataclass(frozen=True, slots=True)
class PublicKey:
    name: str
    key: bytes  # 32-byte Ed25519 public key

    @property
    def id(self) -> bytes:
        return key_id(self.name, self.key)

    @property
    def id_hex(self) -> str:
        return self.id.hex()

    def verifier_key(self) -> str:
        encoded = base64.b64encode(bytes([ED25519]) + self.key).decode()
        return f"{self.name}+{self.id_hex}+{encoded}"

    @classmethod
    def parse(cls, text: str) -> PublicKey:
        parts = text.strip().split("+", 2)
        if len(parts) != 3:
            raise InvalidNote("a verifier key reads <name>+<key id>+<base64 key>")
        name, hex_id, encoded = parts
        raw = _b64decode(encoded, "the verifier key")
        if len(raw) != 33 or raw[0] != ED25519:
            raise InvalidNote("the verifier key is not an Ed25519 key")
        key = cls(_check_name(name), raw[1:])
        if key.id_hex != hex_id.lower():
            raise InvalidNote("the verifier key's id does not match its key")
        return key

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            VerifyKey(self.key).verify(message, signature)
        except BadSignatureError:
            return False
        return True


@dataclass(frozen=True, slots=True)
class Signer:
    name: str
    seed: bytes  # 32-byte Ed25519 seed

    @classmethod
    def generate(cls, name: str) -> Signer:
        return cls(_check_name(name), bytes(SigningKey.generate()))

    @property
    def public(self) -> PublicKey:
        return PublicKey(self.name, bytes(SigningKey(self.seed).verify_key))

    def sign(self, message: bytes) -> bytes:
        return SigningKey(self.seed).sign(message).signature

    def private_key(self) -> str:
        encoded = base64.b64encode(bytes([ED25519]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.public.id_hex}+{encoded}"

    @classmethod
    def parse(cls, text: str) -> Signer:
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise InvalidNote("a signing key reads PRIVATE+KEY+<name>+<key id>+<base64 seed>")
        raw = _b64decode(parts[4], "the signing key")
        if len(raw) != 33 or raw[0] != ED25519:
            raise InvalidNote("the signing key is not an Ed25519 key")
        signer = cls(_check_name(parts[2]), raw[1:])
        if signer.public.id_hex != parts[3].lower():
            raise InvalidNote("the signing key's id does not match its key")
        return signer


@dataclass(frozen=True, slots=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    def sign(self, signer: Signer) -> str:
        """The signed note: this body, a blank line, and the signature line."""
        text = self.body()
        blob = signer.public.id + signer.sign(text.encode())
        return f"{text}\n{_DASH}{signer.name} {base64.b64encode(blob).decode()}\n"

    @classmethod
    def parse_body(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise InvalidNote("a checkpoint has an origin, a size and a root hash, one a line")
        origin, size, root = lines[0], lines[1], lines[2]
        if not origin or origin != origin.strip():
            raise InvalidNote("the checkpoint's origin line is empty or padded")
        if not _DECIMAL.fullmatch(size):
            raise InvalidNote("the checkpoint's size is not a decimal number")
        digest = _b64decode(root, "the checkpoint's root hash")
        if len(digest) != 32:
            raise InvalidNote("the checkpoint's root hash is not 32 bytes")
        return cls(origin, int(size), digest)


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    checkpoint: Checkpoint
    key_id: bytes
    note: str


def split_note(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    """A signed note's text and its (key name, key id || signature) lines."""
    if not note.endswith("\n"):
        raise InvalidNote("a signed note ends with a newline")
    # As in Go's note.Open: the signatures follow the last blank line.
    text, sep, sigs = note.rpartition("\n\n")
    if not sep:
        raise InvalidNote("the note has no blank line before its signatures")
    text += "\n"
    signatures = []
    for line in sigs.split("\n")[:-1]:
        if not line.startswith(_DASH):
            raise InvalidNote("a signature line starts with an em dash and a space")
        name, _, encoded = line[len(_DASH) :].rpartition(" ")
        blob = _b64decode(encoded, "a signature")
        if not name or len(blob) < 5:
            raise InvalidNote("a signature line names its key and carries id and signature")
        signatures.append((name, blob))
    if not signatures:
        raise InvalidNote("the note carries no signature")
    return text, signatures


def open_checkpoint(
    note: str, keys: list[PublicKey], *, origin: str | None = None
) -> SignedCheckpoint:
    """Parse a signed checkpoint and check it is signed by one of ``keys``."""
    text, signatures = split_note(note)
    checkpoint = Checkpoint.parse_body(text)
    if origin is not None and checkpoint.origin != origin:
        raise InvalidNote(f"the checkpoint is for {checkpoint.origin!r}, not {origin!r}")
    by_id = {(k.name, k.id): k for k in keys}
    known = False
    for name, blob in signatures:
        key = by_id.get((name, blob[:4]))
        if key is None:
            continue
        known = True
        if len(blob) == 68 and key.verify(text.encode(), blob[4:]):
            return SignedCheckpoint(checkpoint, key.id, note)
    if known:
        raise InvalidNote("the checkpoint's signature does not verify")
    raise InvalidNote("the checkpoint is not signed by any known key")
