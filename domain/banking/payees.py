"""Payee details and their validation (Indian bank accounts and UPI ids)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.errors import InvalidInput

_IFSC = re.compile(r"^[A-Z]{4}0[A-Z0-9]{6}$")
_ACCOUNT = re.compile(r"^[0-9]{9,18}$")
_UPI = re.compile(r"^[a-z0-9][a-z0-9._-]{1,255}@[a-z][a-z0-9]{1,63}$")
_NAME = re.compile(r"^[^\W\d_][\w .'&()-]*$")


@dataclass(frozen=True, slots=True)
class PayeeDetails:
    name: str
    nickname: str | None
    account_number: str | None
    ifsc: str | None
    upi_id: str | None


def validate_payee(
    name: str,
    nickname: str | None = None,
    account_number: str | None = None,
    ifsc: str | None = None,
    upi_id: str | None = None,
) -> PayeeDetails:
    """Normalise and check a payee; every problem gets its own message."""
    name = " ".join(name.split())
    if not 2 <= len(name) <= 100 or not _NAME.match(name):
        raise InvalidInput(
            "invalid_payee_name", "The payee's name must be 2-100 letters, spaces or . ' - & ( )."
        )
    if nickname is not None:
        nickname = " ".join(nickname.split())
        if not 1 <= len(nickname) <= 50 or not _NAME.match(nickname):
            raise InvalidInput("invalid_nickname", "A nickname is 1-50 letters and spaces.")
    if upi_id is not None:
        if account_number is not None or ifsc is not None:
            raise InvalidInput(
                "invalid_payee_destination",
                "Give either a UPI id or an account number with IFSC, not both.",
            )
        upi_id = upi_id.strip().lower()
        if not _UPI.match(upi_id):
            raise InvalidInput("invalid_upi_id", f"'{upi_id}' is not a UPI id like name@bank.")
        return PayeeDetails(name, nickname, None, None, upi_id)
    if account_number is None or ifsc is None:
        raise InvalidInput(
            "invalid_payee_destination",
            "Give a UPI id, or both an account number and an IFSC code.",
        )
    account_number = account_number.replace(" ", "")
    if not _ACCOUNT.match(account_number):
        raise InvalidInput("invalid_account_number", "An account number is 9 to 18 digits.")
    ifsc = ifsc.strip().upper()
    if not _IFSC.match(ifsc):
        raise InvalidInput(
            "invalid_ifsc",
            f"'{ifsc}' is not an IFSC code (4 letters, 0, then 6 letters or digits).",
        )
    return PayeeDetails(name, nickname, account_number, ifsc, None)
