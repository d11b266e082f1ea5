"""``swayam models``: train the predictive models, list their cards.

    swayam models train [--customers N] [--seed S] [--quiet]
        draw a synthetic population into <data dir>/models/training.db, train
        on it and save a new version; then train on the live bank as well
        when it holds enough labelled history (docs/PREDICTIONS.md)
    swayam models list      every version with its headline metrics

A running server picks up a new version on its next prediction request.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from typing import Any, TextIO

from bot.cli import CommandError, load_settings


class StageBar:
    """A one-line bar per stage on stderr, redrawn at most every 0.2 s."""

    def __init__(self, stream: TextIO = sys.stderr, width: int = 30) -> None:
        self._stream = stream
        self._width = width
        self._stage = ""
        self._last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage != self._stage:
            if self._stage:
                self._stream.write("\n")
            self._stage = stage
        elif now - self._last < 0.2 and done < total:
            return
        self._last = now
        pct = 100 if total == 0 else done * 100 // total
        filled = self._width * pct // 100
        bar = "#" * filled + "." * (self._width - filled)
        self._stream.write(f"\r{stage:<32} [{bar}] {pct:3d}%")
        self._stream.flush()

    def close(self) -> None:
        if self._stage:
            self._stream.write("\n")
            self._stream.flush()


def _headline(card: dict[str, Any]) -> str:
    metrics = card.get("metrics", {})
    churn, ltv = metrics.get("churn", {}), metrics.get("ltv", {})
    return (
        f"churn ROC-AUC {churn.get('roc_auc')} (base rate 0.5), PR-AUC {churn.get('pr_auc')},"
        f" Brier {churn.get('brier')} (base rate {churn.get('baseline', {}).get('brier')});"
        f" value R² {ltv.get('r2')}, MAE ₹{ltv.get('mae')}"
        f" (median baseline ₹{ltv.get('baseline', {}).get('mae')})"
    )


def cmd_train(args: argparse.Namespace) -> int:
    """Train on a synthetic population, then on the live bank if it has the history."""
    from bot.bootstrap import build
    from bot.migrate import upgrade
    from domain.predictions import artifacts, pipeline

    settings = load_settings()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if args.customers < 100:
        raise CommandError("--customers must be at least 100 (a quarter is held out)", code=2)
    upgrade(settings.database_url)
    bar = None if args.quiet else StageBar()

    async def run() -> list[str]:
        container = build(settings)
        lines = []
        try:
            trained = await pipeline.train_synthetic(
                settings.data_dir,
                customers=args.customers,
                seed=args.seed,
                end=container.clock.now(),
                progress=bar,
            )
            lines.append(_report("synthetic", trained))
            live = await pipeline.train_live(
                container.db, settings.data_dir, now=container.clock.now(), progress=bar
            )
            lines.append(live if isinstance(live, str) else _report("live", live))
        finally:
            if bar is not None:
                bar.close()
            await container.close()
        return lines

    def _report(source: str, trained: pipeline.Trained) -> str:
        card = artifacts.read_card(trained.path)
        gates = (
            "beats the baselines"
            if not trained.gate_failures
            else ("FAILS the gates: " + "; ".join(trained.gate_failures))
        )
        return (
            f"Model version {trained.version} ({source}, {trained.customers:,} customers)"
            f" saved to {trained.path}\n  {_headline(card)}\n  {gates}"
        )

    for line in asyncio.run(run()):
        print(line)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """Print every version's card headline, newest first."""
    from domain.predictions import artifacts

    settings = load_settings()
    registry = artifacts.Registry(artifacts.models_dir(settings.data_dir))
    registry.reload()
    cards = registry.cards()
    if not cards:
        print("No models yet: run `swayam models train`.")
    for card in cards:
        mark = "*" if card["served"] else " "
        if "error" in card:
            print(f"{mark} v{card['version']:04d}  not loadable: {card['error']}")
            continue
        print(
            f"{mark} v{card['version']:04d}  {card.get('source')}  trained {card.get('trained_at')}"
            f"  data {str(card.get('data_hash'))[:12]}\n         {_headline(card)}"
        )
    return 0


def add_commands(commands: Any) -> None:
    models = commands.add_parser("models", help="the predictive models (churn, value, actions)")
    actions = models.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    train = actions.add_parser("train", help="train on a synthetic population (and live history)")
    train.add_argument(
        "--customers", type=int, default=5000, help="synthetic customers (default: 5000)"
    )
    train.add_argument("--seed", type=int, default=7, help="the population's seed (default: 7)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.set_defaults(handler=cmd_train)
    listing = actions.add_parser("list", help="every model version with its metrics")
    listing.set_defaults(handler=cmd_list)
