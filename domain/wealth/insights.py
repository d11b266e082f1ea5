"""Insights: idle cash, concentration, profit booking, loss warnings. Rule based."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.money import format_minor
from domain.trading.portfolio import Position

IDLE_MONTHS = 6
IDLE_FLOOR = 1_00_000_00
CONCENTRATION = 0.40
PROFIT_PCT = 25.0
LOSS_PCT = -10.0


@dataclass(frozen=True, slots=True)
class Insight:
    kind: str  # idle_cash | concentration | profit_booking | loss_warning
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text}


def insights(liquid: int, monthly_spend: int, positions: tuple[Position, ...]) -> list[Insight]:
    out: list[Insight] = []
    idle = liquid - IDLE_MONTHS * monthly_spend
    if idle > IDLE_FLOOR:
        out.append(
            Insight(
                "idle_cash",
                f"About {format_minor(idle)} sits idle beyond six months of spending; "
                "a fixed deposit or an index fund could put it to work.",
            )
        )
    total = sum(p.market_value for p in positions)
    for p in sorted(positions, key=lambda p: -p.market_value):
        if total and len(positions) > 1 and p.market_value / total > CONCENTRATION:
            out.append(
                Insight(
                    "concentration",
                    f"{p.symbol} is {p.market_value / total:.0%} of your portfolio; "
                    "spreading it out would lower the risk.",
                )
            )
        if p.unrealised_pct >= PROFIT_PCT:
            out.append(
                Insight(
                    "profit_booking",
                    f"{p.symbol} is up {p.unrealised_pct:.0f}% on your average cost "
                    f"({format_minor(p.unrealised)}); consider booking some profit.",
                )
            )
        elif p.unrealised_pct <= LOSS_PCT:
            out.append(
                Insight(
                    "loss_warning",
                    f"{p.symbol} is down {-p.unrealised_pct:.0f}% from your average cost; "
                    "review it, or protect it with a stop-loss order.",
                )
            )
    return out
