"""Errors the customer or client can act on.

Every error a use case raises is a ``DomainError``: a stable machine ``code``
(snake_case, part of the API contract) and a ``message`` written to be read
out in chat as it is. The ``kind`` says what sort of failure it is so each
entrypoint can map it (the REST API to an HTTP status, the bot to a reply)::

    DomainError
    ├── InvalidInput        the request itself is malformed or out of range
    ├── NotFound            no such thing, or not yours (never tells which)
    ├── Forbidden           yours to see, not yours to do
    ├── Conflict            clashes with current state (duplicate, reused key)
    ├── Rejected            a business rule said no (funds, limits, holds)
    ├── Unauthenticated     no or bad credentials
    ├── Locked              too many failed logins, retry later
    └── RateLimited         too many requests, retry later
"""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    REJECTED = "rejected"
    UNAUTHENTICATED = "unauthenticated"
    LOCKED = "locked"
    RATE_LIMITED = "rate_limited"


class DomainError(Exception):
    kind: ErrorKind = ErrorKind.INVALID

    def __init__(self, code: str, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


class InvalidInput(DomainError):
    kind = ErrorKind.INVALID


class NotFound(DomainError):
    kind = ErrorKind.NOT_FOUND


class Forbidden(DomainError):
    kind = ErrorKind.FORBIDDEN


class Conflict(DomainError):
    kind = ErrorKind.CONFLICT


class Rejected(DomainError):
    kind = ErrorKind.REJECTED


class Unauthenticated(DomainError):
    kind = ErrorKind.UNAUTHENTICATED


class Locked(DomainError):
    kind = ErrorKind.LOCKED


class RateLimited(DomainError):
    kind = ErrorKind.RATE_LIMITED


_KINDS: dict[ErrorKind, type[DomainError]] = {
    cls.kind: cls
    for cls in (
        InvalidInput,
        NotFound,
        Forbidden,
        Conflict,
        Rejected,
        Unauthenticated,
        Locked,
        RateLimited,
    )
}


def error_from_json(kind: str, code: str, message: str) -> DomainError:
    """Rebuild a stored error (idempotent replays answer with the original one)."""
    return _KINDS[ErrorKind(kind)](code, message)
