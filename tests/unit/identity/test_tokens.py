from __future__ import annotations

import hashlib

import pytest

from domain.identity.tokens import (
    MAX_TOKEN_LENGTH,
    TokenKind,
    TokenPair,
    hash_token,
    kind_of,
    new_token,
)


@pytest.mark.parametrize(
    ("kind", "prefix"),
    [(TokenKind.ACCESS, "swa_"), (TokenKind.REFRESH, "swr_"), (TokenKind.API, "swk_")],
)
def test_each_kind_of_token_carries_its_prefix(kind: TokenKind, prefix: str) -> None:
    token = new_token(kind)
    assert token.startswith(prefix)
    assert kind_of(token) is kind


def test_tokens_carry_256_random_bits() -> None:
    token = new_token(TokenKind.ACCESS)
    assert len(token) == len("swa_") + 43
    assert len({new_token(TokenKind.ACCESS) for _ in range(1000)}) == 1000


def test_tokens_are_url_safe() -> None:
    body = new_token(TokenKind.API)[4:]
    assert all(ch.isalnum() or ch in "-_" for ch in body)


def test_stored_form_is_sha256_hex() -> None:
    token = new_token(TokenKind.REFRESH)
    assert hash_token(token) == hashlib.sha256(token.encode()).hexdigest()
    assert len(hash_token(token)) == 64


@pytest.mark.parametrize(
    "token", ["", "swa_", "Bearer swa_abc", "xyz_abc", "SWA_abc", "swa_" + "a" * MAX_TOKEN_LENGTH]
)
def test_anything_not_shaped_like_our_tokens_has_no_kind(token: str) -> None:
    assert kind_of(token) is None


def test_token_pair_serialises_for_the_api() -> None:
    pair = TokenPair("swa_a", "swr_b", expires_in=900)
    assert pair.to_json() == {
        "access_token": "swa_a",
        "refresh_token": "swr_b",
        "token_type": "Bearer",
        "expires_in": 900,
    }


def test_token_pair_keeps_its_secrets_out_of_repr() -> None:
    text = repr(TokenPair("swa_secret", "swr_secret", expires_in=900))
    assert "secret" not in text
