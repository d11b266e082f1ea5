"""The demo customer's cash movements as the forecast sees them, built from the demo plan."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from domain.banking.demo import OPENING_COUNTERPARTY, PlannedPosting, plan
from domain.predictions.recurring import Movement

IST = ZoneInfo("Asia/Kolkata")
CASH = {"savings", "current"}


def asha(reference: date) -> tuple[int, list[Movement]]:
    """Asha's savings plus current balance after the plan, and the movements behind it."""
    result = plan(reference)
    now = datetime.combine(reference, time(10, 30), tzinfo=IST).astimezone(UTC)
    moves: list[Movement] = []
    for _n, item in enumerate(result.for_customer("asha")):
        if isinstance(item, PlannedPosting):
            if item.account in CASH and item.counterparty != OPENING_COUNTERPARTY:
                who = item.merchant or item.counterparty
                moves.append(
                    Movement(
                        item.key, item.posted_at, item.direction, item.amount, who, item.category
                    )
                )
        elif item.payee is not None and item.from_account in CASH:
            payee = "Mehta Properties" if item.payee == "Landlord" else item.payee
            moves.append(Movement(item.key, now, "debit", item.amount, payee, item.category))
    balances = result.balances()
    return sum(balances[("asha", a)] for a in CASH), moves
