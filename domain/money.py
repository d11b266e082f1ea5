"""Money: an integer number of minor units (paise for INR) and a currency.

Never a float. JSON form everywhere: ``{"minor": 500000, "currency": "INR"}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.errors import InvalidInput

# Currencies an amount may name. Accounts are opened in INR; the others exist
# so that a foreign amount is refused as a mismatch rather than as gibberish.
CURRENCIES = frozenset({"INR", "USD", "EUR", "GBP", "AED", "SGD", "JPY"})
DEFAULT_CURRENCY = "INR"
# Far beyond any real balance, and inside a signed 64-bit column with room
# for sums of many postings.
MAX_MINOR = 10**15


@dataclass(frozen=True, slots=True)
class Money:
    minor: int
    currency: str = DEFAULT_CURRENCY

    def __post_init__(self) -> None:
        if type(self.minor) is not int:
            raise InvalidInput("invalid_amount", "Amounts are whole numbers of paise.")
        if self.currency not in CURRENCIES:
            raise InvalidInput("invalid_currency", f"Unknown currency {self.currency!r}.")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise InvalidInput(
                "currency_mismatch",
                f"Cannot combine {self.currency} with {other.currency}.",
            )

    def to_json(self) -> dict[str, Any]:
        return {"minor": self.minor, "currency": self.currency}

    @classmethod
    def from_json(cls, value: object, *, field: str = "amount") -> Money:
        """Parse a JSON money object, refusing anything but a positive whole amount."""
        if not isinstance(value, dict):
            raise InvalidInput(
                "invalid_amount",
                f'\'{field}\' must be an object like {{"minor": 50000, "currency": "INR"}}.',
            )
        unknown = set(value) - {"minor", "currency"}
        if unknown:
            raise InvalidInput(
                "invalid_amount", f"'{field}' has unknown fields: {', '.join(sorted(unknown))}."
            )
        minor = value.get("minor")
        currency = value.get("currency", DEFAULT_CURRENCY)
        if isinstance(minor, bool) or minor is None:
            raise InvalidInput(
                "invalid_amount", f"'{field}.minor' must be a whole number of paise."
            )
        if isinstance(minor, float):
            raise InvalidInput(
                "invalid_amount",
                f"'{field}.minor' must be a whole number of paise, not a fraction ({minor}).",
            )
        if not isinstance(minor, int):
            raise InvalidInput(
                "invalid_amount", f"'{field}.minor' must be a whole number of paise."
            )
        if minor <= 0:
            raise InvalidInput("invalid_amount", f"'{field}' must be more than zero.")
        if minor > MAX_MINOR:
            raise InvalidInput("invalid_amount", f"'{field}' is too large.")
        if not isinstance(currency, str) or currency not in CURRENCIES:
            raise InvalidInput(
                "invalid_currency", f"'{field}.currency' must be a currency code such as INR."
            )
        return cls(minor, currency)

    def format(self) -> str:
        """Indian grouping with the rupee sign: 24500000 INR -> '₹2,45,000.00'."""
        return format_minor(self.minor, self.currency)


_SYMBOLS = {"INR": "₹", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def group_indian(whole: int) -> str:
    """12345678 -> '1,23,45,678': the last three digits, then pairs."""
    digits = str(whole)
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    pairs: list[str] = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    if head:
        pairs.insert(0, head)
    return ",".join([*pairs, tail])


def format_minor(minor: int, currency: str = DEFAULT_CURRENCY) -> str:
    sign = "-" if minor < 0 else ""
    whole, paise = divmod(abs(minor), 100)
    symbol = _SYMBOLS.get(currency, currency + " ")
    return f"{sign}{symbol}{group_indian(whole)}.{paise:02d}"
