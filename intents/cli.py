"""`swayam nlu ...`: parse, train and evaluate the local NLU from a terminal.

swayam nlu parse "send 5k to mom" --json
echo "mera balance batao" | swayam nlu parse
swayam nlu train
swayam nlu eval --data tests/data/nlu_test.yaml
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from intents.evaluation import evaluate, load_test_set
from intents.model_cache import load_or_train, stderr_progress
from intents.result import ParseResult


def _default_data_dir() -> Path:
    return Path(os.environ.get("SWAYAM_DATA_DIR", "var"))


def _iso(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO date-time: {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``nlu`` command and its sub-commands to a CLI."""
    nlu = subparsers.add_parser("nlu", help="local intent and entity recognition")
    nlu.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="where the trained model is cached (default: $SWAYAM_DATA_DIR or ./var)",
    )
    commands = nlu.add_subparsers(dest="nlu_command", required=True)
    parse = commands.add_parser("parse", help="parse TEXT, or one utterance per stdin line")
    parse.add_argument("text", nargs="?", help="the utterance; omit to read stdin")
    parse.add_argument("--now", type=_iso, default=None, help="reference time (ISO 8601)")
    parse.add_argument("--json", action="store_true", help="print JSON instead of a summary")
    commands.add_parser("train", help="(re)train the model and cache it")
    ev = commands.add_parser("eval", help="score the model on a labelled YAML test set")
    ev.add_argument(
        "--data", type=Path, required=True, help="test set, e.g. tests/data/nlu_test.yaml"
    )
    nlu.set_defaults(handler=run)


def _summary(result: ParseResult) -> str:
    flag = "" if result.is_confident else "  (not confident: ask the user)"
    lines = [f"{result.intent.name} {result.intent.confidence:.2f}{flag}"]
    lines += [f"  also: {s.name} {s.confidence:.2f}" for s in result.ranking[1:3]]
    for e in result.entities:
        lines.append(f"  {e.type}: {e.value} ({e.text!r} @{e.start}-{e.end})")
    return "\n".join(lines)


def run(args: argparse.Namespace, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Execute a parsed ``nlu`` command; returns the process exit code."""
    out = stdout or sys.stdout
    data_dir: Path = args.data_dir or _default_data_dir()
    command = args.nlu_command
    if command == "train":
        load_or_train(data_dir, stderr_progress, retrain=True)
        print(f"model trained and cached under {data_dir / 'nlu'}", file=out)
        return 0
    nlu = load_or_train(data_dir, stderr_progress)
    if command == "eval":
        if not args.data.exists():
            print(f"error: test set not found: {args.data}", file=sys.stderr)
            return 2
        print(evaluate(nlu, load_test_set(args.data)).render(), file=out)
        return 0
    now = args.now or datetime.now(UTC)
    if args.text is not None:
        result = nlu.parse(args.text, now)
        print(result.to_json() if args.json else _summary(result), file=out)
        return 0
    for line in stdin or sys.stdin:  # one JSON object per line, for scripting
        print(nlu.parse(line.rstrip("\n"), now).to_json(), file=out, flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (``python -m intents.cli nlu parse ...``)."""
    parser = argparse.ArgumentParser(prog="swayam")
    add_commands(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
