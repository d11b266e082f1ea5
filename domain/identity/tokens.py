"""Opaque bearer tokens.

A token is a kind prefix plus 256 random bits (``swa_`` access, ``swr_``
refresh, ``swk_`` API key). The prefix lets us reject a token of the wrong
kind without a database query, and lets secret scanners recognise leaked
ones. Only the SHA-256 of a token is stored: the randomness is high enough
that a slow hash adds nothing, and a database leak yields no usable tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class TokenKind(StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"
    API = "api"


PREFIXES: dict[TokenKind, str] = {
    TokenKind.ACCESS: "swa_",
    TokenKind.REFRESH: "swr_",
    TokenKind.API: "swk_",
}

# token_urlsafe(32) gives 43 characters; anything much longer is not ours.
MAX_TOKEN_LENGTH = 128


def new_token(kind: TokenKind) -> str:
    return PREFIXES[kind] + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The stored form of a token: SHA-256 as 64 hex digits."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def kind_of(token: str) -> TokenKind | None:
    """The kind a token's prefix claims, or None if it cannot be one of ours."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    for kind, prefix in PREFIXES.items():
        if token.startswith(prefix) and len(token) > len(prefix):
            return kind
    return None


@dataclass(frozen=True, slots=True)
class TokenPair:
    """What a sign-in or refresh hands back to the client."""

    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"

    def to_json(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
        }

    def __repr__(self) -> str:
        # Tokens are secrets: keep them out of logs and test failure output.
        return f"TokenPair(token_type={self.token_type!r}, expires_in={self.expires_in})"
