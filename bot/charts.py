"""Charts as PNG files (matplotlib, Agg): asset allocation and the net-worth trend.

Each chart is saved under an unguessable name in the charts folder, beside a
note of the customer it belongs to; the web server serves it only to them
and the Telegram channel sends it as a photo. Replies carry ``/charts/NAME``.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

PREFIX = "/charts/"
_COLOURS = ("#2f6f9f", "#e0a030", "#4c9a5b", "#b5525c", "#7a6fb0")


class Charts:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def owner(self, name: str) -> str | None:
        """Who may see the chart called ``name`` (``abc.png``), or None if there is none."""
        if not name.endswith(".png") or "/" in name or name.startswith("."):
            return None
        note = self.folder / f"{name[:-4]}.owner"
        return note.read_text().strip() if note.is_file() else None

    def path(self, name: str) -> Path:
        return self.folder / name

    def _save(self, customer_id: str, figure: Figure) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(16)
        figure.savefig(self.folder / f"{token}.png", dpi=100, bbox_inches="tight")
        plt.close(figure)
        (self.folder / f"{token}.owner").write_text(customer_id)
        return f"{PREFIX}{token}.png"

    def _allocation(self, customer_id: str, parts: list[tuple[str, int, float]]) -> str:
        figure, ax = plt.subplots(figsize=(5, 4))
        ax.pie(
            [v for _, v, _ in parts],
            labels=[f"{n} {p:.0f}%" for n, _, p in parts],
            colors=_COLOURS[: len(parts)],
            startangle=90,
            wedgeprops={"width": 0.45},
        )
        ax.set_title("Asset allocation")
        return self._save(customer_id, figure)

    def _trend(self, customer_id: str, points: list[tuple[date, int]]) -> str:
        figure, ax = plt.subplots(figsize=(6, 3.2))
        ax.plot(
            [d for d, _ in points],  # type: ignore[arg-type]
            [v / 100_00_000 for _, v in points],
            color=_COLOURS[0],
        )
        ax.set_ylabel("₹ lakh")
        ax.set_title("Net worth")
        ax.grid(alpha=0.3)
        figure.autofmt_xdate()
        return self._save(customer_id, figure)

    async def allocation(self, customer_id: str, parts: list[tuple[str, int, float]]) -> str:
        """A donut of asset classes; returns the chart's URL path."""
        return await asyncio.to_thread(self._allocation, customer_id, parts)

    async def trend(self, customer_id: str, points: list[tuple[date, int]]) -> str:
        return await asyncio.to_thread(self._trend, customer_id, points)


# -- the cash-flow forecast ----------------------------------------------------


def _forecast(
    charts: Charts, customer_id: str, points: list[tuple[date, int, int, int]], minimum: int
) -> str:
    figure, ax = plt.subplots(figsize=(6, 3.2))
    days = [d for d, *_ in points]
    ax.fill_between(
        days,  # type: ignore[arg-type]
        [lo / 100_000 for _, _, lo, _ in points],
        [hi / 100_000 for *_, hi in points],
        color=_COLOURS[0],
        alpha=0.2,
        label="80% range",
    )
    ax.plot(
        days,  # type: ignore[arg-type]
        [e / 100_000 for _, e, _, _ in points],
        color=_COLOURS[0],
        label="Expected",
    )
    ax.axhline(minimum / 100_000, color=_COLOURS[3], linestyle="--", linewidth=1, label="Minimum")
    ax.set_ylabel("₹ thousand")
    ax.set_title("Expected balance")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    figure.autofmt_xdate()
    return charts._save(customer_id, figure)


async def forecast_chart(
    charts: Charts, customer_id: str, points: list[tuple[date, int, int, int]], minimum: int
) -> str:
    """The expected balance per day (date, expected, low, high) with its band and the minimum."""
    return await asyncio.to_thread(_forecast, charts, customer_id, points, minimum)
