"""Payee validation: Indian account numbers with IFSC, or a UPI id, never both."""

from __future__ import annotations

import pytest

from domain.banking.payees import validate_payee
from domain.errors import InvalidInput


def refused(**kwargs: str | None) -> str:
    with pytest.raises(InvalidInput) as info:
        validate_payee(**kwargs)  # type: ignore[arg-type]
    return info.value.code


def test_accepts_an_account_number_with_ifsc_and_normalises_them() -> None:
    details = validate_payee(
        "  Ravi   Kumar ", account_number="1234 5678 9012", ifsc=" hdfc0001234 "
    )
    assert details.name == "Ravi Kumar"
    assert details.account_number == "123456789012"
    assert details.ifsc == "HDFC0001234"
    assert details.upi_id is None


def test_accepts_a_upi_id_in_lower_case() -> None:
    details = validate_payee("Meera", nickname="mom", upi_id=" Meera.S@OKSBI ")
    assert details.upi_id == "meera.s@oksbi"
    assert details.nickname == "mom"
    assert details.account_number is None and details.ifsc is None


@pytest.mark.parametrize(
    "ifsc", ["HDFC1001234", "HDF00001234", "HDFC000123", "HDFC00012345", "HDFC0-01234"]
)
def test_refuses_a_malformed_ifsc(ifsc: str) -> None:
    assert refused(name="Ravi", account_number="123456789", ifsc=ifsc) == "invalid_ifsc"


@pytest.mark.parametrize("number", ["12345678", "1234567890123456789", "12345678A", "-123456789"])
def test_refuses_account_numbers_outside_9_to_18_digits(number: str) -> None:
    assert (
        refused(name="Ravi", account_number=number, ifsc="SBIN0000001") == "invalid_account_number"
    )


@pytest.mark.parametrize("number", ["123456789", "123456789012345678"])
def test_accepts_account_numbers_of_9_and_18_digits(number: str) -> None:
    assert (
        validate_payee("Ravi", account_number=number, ifsc="SBIN0000001").account_number == number
    )


@pytest.mark.parametrize(
    "upi", ["meera", "@oksbi", "meera@", "meera@1bank", "me era@oksbi", "m@oksbi"]
)
def test_refuses_a_malformed_upi_id(upi: str) -> None:
    assert refused(name="Meera", upi_id=upi) == "invalid_upi_id"


def test_refuses_both_a_upi_id_and_an_account() -> None:
    code = refused(
        name="Meera", upi_id="meera@oksbi", account_number="123456789", ifsc="SBIN0000001"
    )
    assert code == "invalid_payee_destination"


def test_refuses_a_upi_id_with_only_an_ifsc() -> None:
    assert (
        refused(name="Meera", upi_id="meera@oksbi", ifsc="SBIN0000001")
        == "invalid_payee_destination"
    )


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"account_number": "123456789"}, {"ifsc": "SBIN0000001"}],
)
def test_refuses_a_payee_with_no_complete_destination(kwargs: dict[str, str]) -> None:
    assert refused(name="Ravi", **kwargs) == "invalid_payee_destination"


@pytest.mark.parametrize("name", ["R", "", "   ", "1Ravi", "Ravi<script>", "x" * 101])
def test_refuses_a_bad_name(name: str) -> None:
    assert refused(name=name, upi_id="ravi@oksbi") == "invalid_payee_name"


def test_refuses_a_bad_nickname() -> None:
    assert refused(name="Ravi", nickname="  ", upi_id="ravi@oksbi") == "invalid_nickname"
