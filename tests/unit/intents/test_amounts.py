from __future__ import annotations

import pytest

from intents.entities.amounts import extract_numbers


def money(text: str) -> list[tuple[str, int]]:
    out = []
    for e in extract_numbers(text, [], [], trading=False):
        if e.type in ("amount", "price") and isinstance(e.value, dict):
            out.append((e.type, int(e.value["minor"])))
    return out


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("5000", 500_000),
        ("₹2,500.50", 250_050),
        ("Rs 750", 75_000),
        ("5k", 500_000),
        ("1.5 lakh", 15_000_000),
        ("2 crore", 2_000_000_000),
        ("five thousand", 500_000),
        ("500 rupees", 50_000),
        ("rs. 1,50,000/-", 15_000_000),
        ("two lakh fifty thousand", 25_000_000),
        ("INR 99.99", 9_999),
    ],
)
def test_reads_money_in_paise(text: str, minor: int) -> None:
    assert money(f"send {text} to mom") == [("amount", minor)]


def test_keeps_offsets_of_the_written_amount() -> None:
    text = "pay ₹2,500.50 to ravi"
    (entity,) = extract_numbers(text, [], [], trading=False)
    assert text[entity.start : entity.end] == "₹2,500.50" == entity.text


def test_price_after_at_beside_a_symbol_and_quantity_before_it() -> None:
    text = "buy 10 INFY at 1500"
    entities = extract_numbers(text, [], symbols=[(7, 11)], trading=True)
    assert [(e.type, e.value) for e in entities] == [
        ("quantity", 10),
        ("price", {"minor": 150_000, "currency": "INR"}),
    ]


def test_transfer_amount_is_an_amount_not_a_price() -> None:
    assert money("transfer 5000") == [("amount", 500_000)]


def test_shares_make_a_quantity() -> None:
    (entity,) = extract_numbers("sell 10 shares", [], [], trading=True)
    assert (entity.type, entity.value) == ("quantity", 10)


def test_transactions_make_a_count() -> None:
    (entity,) = extract_numbers("show my last 5 transactions", [], [], trading=False)
    assert (entity.type, entity.value) == ("count", 5)


def test_percentages() -> None:
    (entity,) = extract_numbers("move 20% to savings", [], [], trading=False)
    assert (entity.type, entity.value) == ("percentage", 20)


def test_number_words_alone_are_not_money() -> None:
    assert extract_numbers("which one should i pick", [], [], trading=False) == []


def test_blocked_spans_are_skipped() -> None:
    assert extract_numbers("since 1 Oct", [(0, 11)], [], trading=False) == []
