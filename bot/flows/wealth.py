"""Wealth in chat: net worth with charts, the health score, and rule-based advice.

With Claude configured the assistant asks it open questions first (see
``Assistant._advise``); these answers are what everyone gets without a key.
"""

from __future__ import annotations

from bot.context import Turn
from bot.formatting import rupees
from bot.replies import Card, Reply
from domain.wealth.service import WealthService

INTENTS = {"net_worth", "financial_health", "investment_advice"}


def _wealth(turn: Turn) -> WealthService:
    assert turn.services.wealth is not None, "wealth is not wired"
    return turn.services.wealth


async def answer(turn: Turn, intent: str) -> list[Reply]:
    if intent == "net_worth":
        return await net_worth(turn)
    if intent == "financial_health":
        return await health(turn)
    return await advice(turn)


async def net_worth(turn: Turn) -> list[Reply]:
    wealth = _wealth(turn)
    worth = await wealth.snapshot(turn.customer.id)
    performance = await wealth.performance(turn.customer.id, worth.total)
    rows = tuple((name, f"{rupees(v)} ({pct:.1f}%)") for name, v, pct in worth.allocation())
    if worth.debt:
        rows += (("Owed", rupees(-worth.debt)),)
    changes = tuple(
        (f"{c.days} days", f"{rupees(c.change)} ({c.percent:+.2f}%)") for c in performance
    )
    cards = [Card("Allocation", rows)]
    if changes:
        cards.append(Card("Change", changes))
    image = None
    charts = turn.services.charts
    if charts is not None and worth.allocation():
        image = await charts.allocation(turn.customer.id, worth.allocation())
    replies = [
        Reply(f"Your net worth is {rupees(worth.total)}.", cards=tuple(cards), image_url=image)
    ]
    trend = await wealth.trend(turn.customer.id, 90)
    if charts is not None and len(trend) >= 2:
        replies.append(
            Reply(
                "Your net worth over 90 days:",
                image_url=await charts.trend(turn.customer.id, trend),
            )
        )
    return replies


async def health(turn: Turn) -> list[Reply]:
    report, insights, _ = await _wealth(turn).health(turn.customer.id)
    rows = tuple((f.name, f"{f.score:.0f}/20 · {f.explanation}") for f in report.factors)
    replies = [
        Reply(
            f"Your financial health score is {report.score}/100 (grade {report.grade}).",
            cards=(Card("Factors", rows),),
        )
    ]
    if insights:
        replies.append(Reply("\n".join(f"• {i.text}" for i in insights)))
    return replies


async def advice(turn: Turn) -> list[Reply]:
    report, insights, worth = await _wealth(turn).health(turn.customer.id)
    weakest = min(report.factors, key=lambda f: f.score)
    lines = [i.text for i in insights]
    lines.append(f"Your weakest area is {weakest.name.lower()}: {weakest.explanation}")
    if not worth.portfolio.positions:
        lines.append("A low-cost index ETF such as NIFTYBEES is a simple way to start investing.")
    return [
        Reply(
            "Here's what I'd look at (general guidance, not personal financial advice):\n"
            + "\n".join(f"• {line}" for line in lines),
            quick_replies=("My net worth", "My financial health"),
        )
    ]
