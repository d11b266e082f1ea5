"""Canonical JSON: one text per value, and nothing that could print two ways."""

from __future__ import annotations

import pytest

from domain.ledger import canonical
from domain.ledger.canonical import NotCanonical


def test_keys_are_sorted_and_separators_compact() -> None:
    assert canonical.dumps({"b": 1, "a": [True, None, "x"]}) == b'{"a":[true,null,"x"],"b":1}'


def test_text_is_utf8_without_escapes() -> None:
    assert canonical.dumps({"name": "₹ Priyā"}) == '{"name":"₹ Priyā"}'.encode()


@pytest.mark.parametrize("value", [1.5, {"amount": 0.1}, [1, 2.0], float("nan")])
def test_floats_are_refused(value: object) -> None:
    with pytest.raises(NotCanonical, match="float"):
        canonical.dumps(value)


@pytest.mark.parametrize("value", [{1: "a"}, {"when": object()}, {b"k": 1}, {"s": {1, 2}}])
def test_values_json_cannot_hold_are_refused(value: object) -> None:
    with pytest.raises(NotCanonical):
        canonical.dumps(value)


def test_loads_accepts_canonical_text_and_refuses_any_other_spelling() -> None:
    assert canonical.loads(b'{"a":1,"b":[2]}') == {"a": 1, "b": [2]}
    for text in (b'{"b":1,"a":2}', b'{"a": 1}', b'{"a":1.0}', b'{"a":1,"a":1}', b"nope"):
        with pytest.raises(NotCanonical):
            canonical.loads(text)


def test_subclasses_of_allowed_types_are_written_as_their_base_values() -> None:
    from enum import IntEnum, StrEnum

    class Kind(StrEnum):
        TRADE = "trade"

    class Level(IntEnum):
        HIGH = 3

    assert canonical.dumps({"k": Kind.TRADE, "n": [Level.HIGH]}) == b'{"k":"trade","n":[3]}'


def test_a_refusal_says_where_the_bad_value_is() -> None:
    with pytest.raises(NotCanonical, match=r"the value\.a\[1\]\.b is a float"):
        canonical.dumps({"a": [1, {"b": 0.5}]})
