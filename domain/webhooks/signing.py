"""Standard Webhooks signatures: ``v1,`` + base64 HMAC-SHA256 of ``id.timestamp.body``.

Secrets are ``whsec_`` + base64 of the key bytes. During a rotation several
signatures are sent, space-separated, and any one valid signature passes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as _random
from collections.abc import Mapping, Sequence

from domain.errors import Unauthenticated

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(_random.token_bytes(24)).decode()


def rotated(new: str, old: str, old_until: int) -> str:
    """How an endpoint stores its secrets mid-rotation: the new one, then the old one's expiry."""
    return f"{new} {old}~{old_until}"


def active_secrets(stored: str, now: int) -> list[str]:
    """The secrets that sign now, newest first (the old one only until its expiry)."""
    out: list[str] = []
    for item in stored.split():
        secret, _, until = item.partition("~")
        if not until or (until.isdigit() and now < int(until)):
            out.append(secret)
    return out


def _key(secret: str) -> bytes:
    raw = secret[len(PREFIX) :] if secret.startswith(PREFIX) else secret
    return base64.b64decode(raw)


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(_key(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def headers(secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return Signer(secrets).headers(msg_id, timestamp, body)


class Signer:
    """Signs many messages with the same secrets.

    Each secret is decoded and keyed into HMAC-SHA256 once; every message
    then starts from a copy of that keyed state, so a round of deliveries to
    one endpoint pays for the key schedule once, not once per delivery.
    """

    __slots__ = ("_macs",)

    def __init__(self, secrets: Sequence[str]) -> None:
        self._macs = [hmac.new(_key(s), digestmod=hashlib.sha256) for s in secrets]

    def signature(self, msg_id: str, timestamp: int, body: bytes) -> str:
        """The ``webhook-signature`` value: one ``v1,`` signature per secret."""
        prefix = f"{msg_id}.{timestamp}.".encode()
        out = []
        for keyed in self._macs:
            mac = keyed.copy()
            mac.update(prefix)
            mac.update(body)
            out.append("v1," + base64.b64encode(mac.digest()).decode())
        return " ".join(out)

    def headers(self, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
        return {
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": self.signature(msg_id, timestamp, body),
            "content-type": "application/json",
        }


def verify(
    secrets: Sequence[str],
    given: Mapping[str, str],
    body: bytes,
    now: int,
    tolerance_s: int = 300,
) -> tuple[str, int]:
    """Check the headers against any of the secrets; returns (message id, timestamp)."""
    msg_id = given.get("webhook-id", "")
    stamp = given.get("webhook-timestamp", "")
    sigs = given.get("webhook-signature", "").split()
    if not msg_id or not stamp.isdigit() or not sigs:
        raise Unauthenticated("signature_missing", "webhook-id, -timestamp and -signature needed.")
    timestamp = int(stamp)
    if abs(now - timestamp) > tolerance_s:
        raise Unauthenticated("timestamp_out_of_tolerance", "The webhook timestamp is too old.")
    for secret in secrets:
        expected = signature(secret, msg_id, timestamp, body)
        if any(hmac.compare_digest(expected, s) for s in sigs):
            return msg_id, timestamp
    raise Unauthenticated("bad_signature", "The webhook signature does not match.")
