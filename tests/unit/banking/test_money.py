"""Money: parsing JSON amounts and formatting them the Indian way."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from domain.money import MAX_MINOR, Money, format_minor, group_indian


def refusal(value: object) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        Money.from_json(value)
    return info.value


def test_parses_a_whole_positive_amount_in_paise() -> None:
    assert Money.from_json({"minor": 50000, "currency": "INR"}) == Money(50000, "INR")


def test_currency_defaults_to_rupees() -> None:
    assert Money.from_json({"minor": 1}) == Money(1, "INR")


def test_accepts_the_largest_allowed_amount() -> None:
    assert Money.from_json({"minor": MAX_MINOR}).minor == MAX_MINOR


@pytest.mark.parametrize("minor", [-1, -50000, 0])
def test_refuses_amounts_that_are_not_more_than_zero(minor: int) -> None:
    err = refusal({"minor": minor})
    assert err.code == "invalid_amount"
    assert "more than zero" in err.message


def test_refuses_a_fractional_amount_and_says_so() -> None:
    err = refusal({"minor": 10.5})
    assert err.code == "invalid_amount"
    assert "fraction" in err.message and "10.5" in err.message


def test_refuses_a_float_even_when_it_is_whole() -> None:
    assert refusal({"minor": 100.0}).code == "invalid_amount"


@pytest.mark.parametrize("minor", [True, False])
def test_refuses_booleans_although_python_counts_them_as_ints(minor: bool) -> None:
    assert refusal({"minor": minor}).code == "invalid_amount"


@pytest.mark.parametrize("minor", ["500", "5e2", None, [500], {"v": 500}])
def test_refuses_anything_but_an_integer_minor(minor: object) -> None:
    assert refusal({"minor": minor}).code == "invalid_amount"


def test_refuses_a_missing_minor() -> None:
    assert refusal({"currency": "INR"}).code == "invalid_amount"


@pytest.mark.parametrize("value", [500, "500", None, [500], "₹500"])
def test_refuses_a_bare_number_or_string_instead_of_an_object(value: object) -> None:
    err = refusal(value)
    assert err.code == "invalid_amount"
    assert '"minor"' in err.message


def test_refuses_unknown_fields_and_names_them() -> None:
    err = refusal({"minor": 100, "currency": "INR", "major": 1, "fx": 2})
    assert err.code == "invalid_amount"
    assert "fx, major" in err.message


@pytest.mark.parametrize("currency", ["XYZ", "inr", "", 356, None])
def test_refuses_an_unknown_currency(currency: object) -> None:
    assert refusal({"minor": 100, "currency": currency}).code == "invalid_currency"


def test_refuses_an_amount_above_the_maximum() -> None:
    err = refusal({"minor": MAX_MINOR + 1})
    assert err.code == "invalid_amount"
    assert "too large" in err.message


def test_errors_name_the_field_they_are_about() -> None:
    with pytest.raises(InvalidInput) as info:
        Money.from_json({"minor": 0}, field="limit")
    assert "'limit'" in info.value.message


def test_constructor_refuses_a_float_minor() -> None:
    with pytest.raises(InvalidInput):
        Money(10.5, "INR")  # type: ignore[arg-type]


def test_adding_different_currencies_is_refused() -> None:
    with pytest.raises(InvalidInput) as info:
        _ = Money(1, "INR") + Money(1, "USD")
    assert info.value.code == "currency_mismatch"


def test_arithmetic_keeps_the_currency() -> None:
    assert Money(500, "INR") - Money(700, "INR") == Money(-200, "INR")
    assert -Money(5, "USD") == Money(-5, "USD")


def test_round_trips_through_json() -> None:
    money = Money(123456, "USD")
    assert Money.from_json(money.to_json()) == money


@pytest.mark.parametrize(
    ("whole", "grouped"),
    [
        (0, "0"),
        (999, "999"),
        (1000, "1,000"),
        (99999, "99,999"),
        (100000, "1,00,000"),
        (1234567, "12,34,567"),
        (12345678, "1,23,45,678"),
        (1000000000, "1,00,00,00,000"),
    ],
)
def test_groups_digits_in_lakhs_and_crores(whole: int, grouped: str) -> None:
    assert group_indian(whole) == grouped


@pytest.mark.parametrize(
    ("minor", "text"),
    [
        (0, "₹0.00"),
        (5, "₹0.05"),
        (50000, "₹500.00"),
        (24500000, "₹2,45,000.00"),
        (1_00_00_000_00, "₹1,00,00,000.00"),  # one crore
        (12_34_56_789_01, "₹12,34,56,789.01"),
        (-5, "-₹0.05"),
        (-24500050, "-₹2,45,000.50"),
        (-1_00_00_000_00, "-₹1,00,00,000.00"),
    ],
)
def test_formats_rupees_with_indian_grouping(minor: int, text: str) -> None:
    assert format_minor(minor) == text
    assert Money(minor).format() == text


def test_formats_other_currencies_with_their_symbol_or_code() -> None:
    assert format_minor(123456, "USD") == "$1,234.56"
    assert format_minor(100, "AED") == "AED 1.00"
