"""Password hashing with argon2id.

Hashing is deliberately slow (tens of milliseconds), so callers in async code
run these functions in a worker thread. A sign-in for an unknown username
still pays for one verification (``dummy_verify``), so response time does not
tell an attacker which usernames exist.
"""

from __future__ import annotations

from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Passwords:
    """Hashes and checks passwords with one argon2id parameter set."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        # argon2-cffi's defaults are the RFC 9106 low-memory profile (argon2id).
        self._hasher = hasher or PasswordHasher()

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """True if ``password`` matches; a corrupt stored hash counts as a mismatch."""
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """True if the hash was made with other parameters than ours (upgrade on login)."""
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    def dummy_verify(self, password: str) -> None:
        """Spend as long as a real verification, for usernames that do not exist."""
        self.verify(self._dummy_hash, password)

    @cached_property
    def _dummy_hash(self) -> str:
        # Made with the live parameters so its cost matches real hashes.
        return self._hasher.hash("swayam-dummy-password")
