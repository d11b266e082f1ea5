"""Hide personal data the model does not need: account numbers and UPI ids."""

from __future__ import annotations

import re

_UPI = re.compile(r"\b([a-z0-9][a-z0-9._-]{0,255})@([a-z][a-z0-9]{1,63})\b", re.IGNORECASE)
_ACCOUNT = re.compile(r"(?<!\d)\d{9,18}(?!\d)")
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


def account_number(number: str | None) -> str:
    return "XXXX" + number[-4:] if number else "unknown"


def upi_id(value: str) -> str:
    """'ravi.kumar@okaxis' -> 'r***@okaxis': enough to tell payees apart, not to pay them."""
    local, _, bank = value.partition("@")
    return f"{local[:1]}***@{bank}"


def text(value: str) -> str:
    """Mask account, card and UPI numbers inside free text."""
    value = _UPI.sub(lambda m: upi_id(m.group(0)), value)
    value = _CARD.sub(lambda m: account_number(re.sub(r"\D", "", m.group(0))), value)
    return _ACCOUNT.sub(lambda m: account_number(m.group(0)), value)
