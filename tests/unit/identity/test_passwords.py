from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from domain.identity.passwords import Passwords


@pytest.fixture(scope="module")
def passwords() -> Passwords:
    return Passwords()


def test_hashes_with_argon2id(passwords: Passwords) -> None:
    assert passwords.hash("correct horse").startswith("$argon2id$")


def test_same_password_hashes_differently_each_time(passwords: Passwords) -> None:
    assert passwords.hash("correct horse") != passwords.hash("correct horse")


def test_verifies_the_right_password(passwords: Passwords) -> None:
    stored = passwords.hash("correct horse")
    assert passwords.verify(stored, "correct horse")


def test_rejects_a_wrong_password(passwords: Passwords) -> None:
    stored = passwords.hash("correct horse")
    assert not passwords.verify(stored, "correct horsf")


def test_a_corrupt_stored_hash_is_a_mismatch_not_a_crash(passwords: Passwords) -> None:
    assert not passwords.verify("not-a-hash", "correct horse")


def test_a_hash_made_with_our_parameters_needs_no_rehash(passwords: Passwords) -> None:
    assert not passwords.needs_rehash(passwords.hash("correct horse"))


def test_a_hash_made_with_weaker_parameters_needs_rehash(passwords: Passwords) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("correct horse")
    assert passwords.needs_rehash(weak)
    assert passwords.verify(weak, "correct horse")


def test_a_corrupt_stored_hash_needs_rehash(passwords: Passwords) -> None:
    assert passwords.needs_rehash("not-a-hash")


def test_dummy_verify_accepts_any_password_without_raising(passwords: Passwords) -> None:
    passwords.dummy_verify("anything at all")
    passwords.dummy_verify("")


def test_dummy_verify_costs_as_much_as_a_real_verification(passwords: Passwords) -> None:
    # The dummy hash carries the live parameters, so its work factor matches.
    stored = passwords.hash("correct horse")
    assert passwords._dummy_hash.split("$")[3] == stored.split("$")[3]
