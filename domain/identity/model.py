"""Who is asking, and what they may do. Standard library only."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Scope(StrEnum):
    CUSTOMER = "customer"
    OPERATOR = "operator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def allows(self, needed: Scope) -> bool:
        return self.rank >= needed.rank


_RANK = {Scope.CUSTOMER: 0, Scope.OPERATOR: 1, Scope.ADMIN: 2}


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: a user acting through one token with one scope."""

    user_id: str
    username: str
    full_name: str
    role: Scope
    scope: Scope
    timezone: str
    token_id: str
    family_id: str | None = None

    @property
    def is_customer(self) -> bool:
        return self.scope is Scope.CUSTOMER


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A user as other areas see one: no password hash, no lockout state."""

    id: str
    username: str
    full_name: str
    role: Scope
    timezone: str
