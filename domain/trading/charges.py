"""Indian equity delivery (CNC) charges on one fill, in integer paise.

Rates (NSE, delivery):

- brokerage: configurable, default zero; ``rate`` of turnover capped at ``cap``
- STT: 0.1% of the trade value, on buys and sells
- exchange transaction charge: 0.00297% of turnover
- SEBI turnover fee: ₹10 per crore (0.0001%)
- stamp duty: 0.015% of the value, buys only
- GST: 18% of (brokerage + exchange charge + SEBI fee)

Rounding, documented because it decides paise: every rate is an exact
fraction, each charge is rounded half up to the paisa on its own, except
STT, which is rounded half up to the whole rupee as the exchanges' contract
notes do. GST is computed on the rounded components it taxes. The total is
the sum of the rounded lines, so the itemised note always adds up.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

STT = Fraction(1, 1000)
EXCHANGE = Fraction(297, 10_000_000)
SEBI = Fraction(1, 1_000_000)
STAMP = Fraction(15, 100_000)
GST = Fraction(18, 100)


# The same rates as whole-number ratios, read once (Fraction's properties are slow).
_STT_N, _STT_D = STT.numerator, STT.denominator * 100  # rounded to the rupee
_EXCHANGE_N, _EXCHANGE_D = EXCHANGE.numerator, EXCHANGE.denominator
_SEBI_N, _SEBI_D = SEBI.numerator, SEBI.denominator
_STAMP_N, _STAMP_D = STAMP.numerator, STAMP.denominator
_GST_N, _GST_D = GST.numerator, GST.denominator


@dataclass(frozen=True, slots=True)
class ChargeRates:
    brokerage_rate: Fraction = Fraction(0)
    brokerage_cap_minor: int = 2000  # ₹20 a fill, when a rate is set


def _half_up(value: Fraction) -> int:
    return int((value * 2 + 1) // 2)


def _ratio_half_up(x: int, num: int, den: int) -> int:
    """``_half_up(Fraction(x * num, den))`` for x, num >= 0, den > 0, in integers."""
    return (2 * x * num + den) // (2 * den)


@dataclass(frozen=True, slots=True)
class Charges:
    brokerage: int
    stt: int
    exchange: int
    sebi: int
    stamp: int
    gst: int

    @property
    def total(self) -> int:
        return self.brokerage + self.stt + self.exchange + self.sebi + self.stamp + self.gst

    def __add__(self, other: Charges) -> Charges:
        return Charges(
            self.brokerage + other.brokerage,
            self.stt + other.stt,
            self.exchange + other.exchange,
            self.sebi + other.sebi,
            self.stamp + other.stamp,
            self.gst + other.gst,
        )

    def lines(self) -> tuple[tuple[str, int], ...]:
        return (
            ("Brokerage", self.brokerage),
            ("STT", self.stt),
            ("Exchange transaction charge", self.exchange),
            ("SEBI fee", self.sebi),
            ("Stamp duty", self.stamp),
            ("GST", self.gst),
        )

    def to_json(self) -> dict[str, Any]:
        def m(minor: int) -> dict[str, Any]:
            return {"minor": minor, "currency": "INR"}

        return {
            "brokerage": m(self.brokerage),
            "stt": m(self.stt),
            "exchange_charge": m(self.exchange),
            "sebi_fee": m(self.sebi),
            "stamp_duty": m(self.stamp),
            "gst": m(self.gst),
            "total": m(self.total),
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Charges:
        return cls(
            doc["brokerage"]["minor"],
            doc["stt"]["minor"],
            doc["exchange_charge"]["minor"],
            doc["sebi_fee"]["minor"],
            doc["stamp_duty"]["minor"],
            doc["gst"]["minor"],
        )


NONE = Charges(0, 0, 0, 0, 0, 0)


def delivery_charges(side: str, value_minor: int, rates: ChargeRates | None = None) -> Charges:
    """Charges on a delivery fill of ``value_minor`` paise; ``side`` is buy or sell."""
    if value_minor < 0:
        raise ValueError("trade value cannot be negative")
    rates = rates or ChargeRates()
    # Whole-number arithmetic, equal to rounding the exact fractions (and much cheaper).
    value = value_minor
    rate = rates.brokerage_rate
    brokerage = (
        min(_ratio_half_up(value, rate.numerator, rate.denominator), rates.brokerage_cap_minor)
        if rate
        else 0
    )
    stt = _ratio_half_up(value, _STT_N, _STT_D) * 100
    exchange = _ratio_half_up(value, _EXCHANGE_N, _EXCHANGE_D)
    sebi = _ratio_half_up(value, _SEBI_N, _SEBI_D)
    stamp = _ratio_half_up(value, _STAMP_N, _STAMP_D) if side == "buy" else 0
    gst = _ratio_half_up(brokerage + exchange + sebi, _GST_N, _GST_D)
    return Charges(brokerage, stt, exchange, sebi, stamp, gst)
