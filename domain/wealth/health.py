"""The financial health score: five factors of 20 points each, every one explained.

    savings rate         share of income kept over the last 90 days (30%+ scores full)
    debt to income       overdrawn balances against a month's income (none scores full)
    emergency fund       liquid cash in months of spending (6+ months scores full)
    diversification      how many holdings, and how much rides on the largest
    investment growth    return on money invested (-5% scores nothing, +15% full)

Grades: A+ from 90, A from 80, B from 70, C from 60, D from 50, F below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.money import format_minor


@dataclass(frozen=True, slots=True)
class Finances:
    """What the score is computed from; money in paise, flows over the last 90 days."""

    income_90d: int
    spend_90d: int
    liquid: int  # savings + current + trading cash
    debt: int  # overdrawn balances, as a positive amount
    invested: int  # cost of holdings
    market_value: int
    realised: int
    holdings: tuple[tuple[str, int], ...]  # (symbol, market value)


@dataclass(frozen=True, slots=True)
class Factor:
    key: str
    name: str
    score: float  # 0..20
    explanation: str

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "score": round(self.score, 1),
            "max": 20,
            "explanation": self.explanation,
        }


@dataclass(frozen=True, slots=True)
class HealthReport:
    score: int
    grade: str
    factors: tuple[Factor, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "grade": self.grade,
            "factors": [f.to_json() for f in self.factors],
        }


def _clamp(x: float) -> float:
    return max(0.0, min(1.0, x))


def grade(score: int) -> str:
    for floor, letter in ((90, "A+"), (80, "A"), (70, "B"), (60, "C"), (50, "D")):
        if score >= floor:
            return letter
    return "F"


def _savings(f: Finances) -> Factor:
    if f.income_90d <= 0:
        return Factor("savings_rate", "Savings rate", 10, "No income arrived in the last 90 days.")
    rate = (f.income_90d - f.spend_90d) / f.income_90d
    return Factor(
        "savings_rate",
        "Savings rate",
        20 * _clamp(rate / 0.30),
        f"You kept {rate:.0%} of your income over the last 90 days; 30% or more scores full.",
    )


def _debt(f: Finances) -> Factor:
    if f.debt <= 0:
        return Factor("debt_to_income", "Debt to income", 20, "No debts on record.")
    monthly = f.income_90d / 3
    ratio = f.debt / monthly if monthly else 1.0
    return Factor(
        "debt_to_income",
        "Debt to income",
        20 * _clamp(1 - ratio / 0.5),
        f"You owe {format_minor(f.debt)}, {ratio:.0%} of a month's income; under 10% is healthy.",
    )


def _emergency(f: Finances) -> Factor:
    monthly = f.spend_90d / 3
    if monthly <= 0:
        score = 20.0 if f.liquid > 0 else 0.0
        return Factor("emergency_fund", "Emergency fund", score, "No spending recorded lately.")
    months = f.liquid / monthly
    return Factor(
        "emergency_fund",
        "Emergency fund",
        20 * _clamp(months / 6),
        f"Your cash covers {months:.1f} months of spending; six months scores full.",
    )


def _diversification(f: Finances) -> Factor:
    total = sum(v for _, v in f.holdings)
    if total <= 0:
        return Factor(
            "diversification", "Diversification", 0, "You hold no investments yet to spread."
        )
    symbol, largest = max(f.holdings, key=lambda h: h[1])
    share = largest / total
    count = len([h for h in f.holdings if h[1] > 0])
    score = 10 * min(count, 5) / 5 + 10 * _clamp(1 - max(0.0, share - 0.3) / 0.7)
    return Factor(
        "diversification",
        "Diversification",
        score,
        f"You hold {count} investments; the largest, {symbol}, is {share:.0%} of them. "
        "Five or more with none above 30% scores full.",
    )


def _growth(f: Finances) -> Factor:
    if f.invested <= 0:
        return Factor("investment_growth", "Investment growth", 10, "Nothing invested to grow yet.")
    ret = (f.market_value - f.invested + f.realised) / f.invested
    return Factor(
        "investment_growth",
        "Investment growth",
        20 * _clamp((ret + 0.05) / 0.20),
        f"Your investments have returned {ret:+.1%} on what you put in; +15% scores full.",
    )


def health_score(f: Finances) -> HealthReport:
    factors = (_savings(f), _debt(f), _emergency(f), _diversification(f), _growth(f))
    score = round(sum(x.score for x in factors))
    return HealthReport(score, grade(score), factors)
