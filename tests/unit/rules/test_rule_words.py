"""Sentences to rule documents: the issue's four examples and their neighbours."""

from __future__ import annotations

from typing import Any

import pytest

from bot.flows.rule_words import amounts, parse
from domain.rules.model import RuleSpec


@pytest.mark.parametrize(
    ("text", "symbol", "trigger", "action"),
    [
        (
            "every time my salary comes in, invest 20% in NIFTYBEES",
            "NIFTYBEES",
            {"kind": "transaction", "direction": "credit", "category": "salary"},
            {
                "kind": "invest",
                "symbol": "NIFTYBEES",
                "from_account_id": "savings",
                "percent": 20.0,
            },
        ),
        (
            "if my savings drop below 10k, top up from current",
            None,
            {
                "kind": "balance",
                "account_id": "savings",
                "crosses": "below",
                "threshold": 10_000_00,
            },
            {
                "kind": "transfer",
                "from_account_id": "current",
                "to_account_id": "savings",
                "top_up_to": 10_000_00,
            },
        ),
        (
            "sell INFY if it falls 5%",
            "INFY",
            {"kind": "market_condition", "symbol": "INFY", "change_pct": -5.0},
            {"kind": "close_position", "symbol": "INFY", "percent": 100},
        ),
        (
            "on the 1st of every month move 5000 to my FD",
            None,
            {"kind": "time_based", "schedule": {"every": "month", "day": 1, "at": "09:00"}},
            {
                "kind": "transfer",
                "from_account_id": "savings",
                "to_account_id": "fixed_deposit",
                "amount": 5_000_00,
            },
        ),
        (
            "every friday at 6 pm move 500 to savings",
            None,
            {"kind": "time_based", "schedule": {"every": "week", "weekday": "fri", "at": "18:00"}},
            {
                "kind": "transfer",
                "from_account_id": "current",
                "to_account_id": "savings",
                "amount": 500_00,
            },
        ),
        (
            "when current goes above 50000 sweep it into savings",
            None,
            {
                "kind": "balance",
                "account_id": "current",
                "crosses": "above",
                "threshold": 50_000_00,
            },
            {
                "kind": "transfer",
                "from_account_id": "current",
                "to_account_id": "savings",
                "sweep_above": 50_000_00,
            },
        ),
    ],
)
def test_a_sentence_becomes_a_valid_rule(
    text: str, symbol: str | None, trigger: dict[str, Any], action: dict[str, Any]
) -> None:
    parsed = parse(text, symbol)
    assert parsed.missing is None
    assert parsed.trigger == trigger
    assert parsed.actions == [action]
    RuleSpec.from_json(parsed.doc())


def test_what_is_missing_is_named() -> None:
    assert parse("every friday", None).missing == "action"
    assert parse("move 500 to savings", None).missing == "trigger"


def test_ordinals_percentages_and_times_are_not_amounts() -> None:
    assert amounts("on the 1st at 9 am move 5,000 and 20% and 1.5 lakh") == [5_000_00, 1_50_000_00]
