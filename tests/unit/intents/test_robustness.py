from __future__ import annotations

import json

import pytest

from intents import NLU
from tests.unit.intents.conftest import REFERENCE

HOSTILE = [
    "",
    "   ",
    "x" * 10_000,
    "send 5000 to mom " * 700,
    "😀🙏🔥",
    "\x00\x01\x1b[31m\x7f",
    "<script>alert('hi')</script>",
    "<b>bold</b><img src=x onerror=alert(1)>",
    "'; DROP TABLE accounts; --",
    "SELECT * FROM users WHERE 1=1",
    "\u202e\u200b\ufeff",
    "💸💸💸 ₹₹₹",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_parses_without_acting(nlu: NLU, text: str) -> None:
    result = nlu.parse(text, REFERENCE)
    json.loads(result.to_json())
    if text.strip() and not text.startswith("send"):
        assert not result.is_confident
    for e in result.entities:
        assert text[e.start : e.end] == e.text


def test_long_messages_still_parse_quickly_enough(nlu: NLU) -> None:
    result = nlu.parse("send 5000 to mom " * 700, REFERENCE)
    assert result.intent.name == "transfer_funds"


def test_output_shape_matches_the_contract(nlu: NLU) -> None:
    data = json.loads(nlu.parse("buy 10 INFY at 1500", REFERENCE).to_json())
    assert set(data) >= {"text", "intent", "ranking", "entities"}
    assert set(data["intent"]) == {"name", "confidence"}
    assert 1 <= len(data["ranking"]) <= 5
    assert {"type", "value", "text", "start", "end"} == set(data["entities"][0])


@pytest.mark.parametrize(
    ("text", "intent"),
    [("mera balance batao", "balance_inquiry"), ("paise bhejo mom ko", "transfer_funds")],
)
def test_a_little_hinglish(nlu: NLU, text: str, intent: str) -> None:
    assert nlu.parse(text, REFERENCE).intent.name == intent


def test_low_confidence_is_flagged(nlu: NLU) -> None:
    result = nlu.parse("purple elephant spreadsheet", REFERENCE)
    assert not result.is_confident
