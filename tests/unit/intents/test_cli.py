from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

from intents.cli import add_commands, run


def parse_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="swayam")
    add_commands(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(list(argv))


def test_parse_prints_json_with_entities(nlu_data_dir: Path) -> None:
    out = io.StringIO()
    args = parse_args(
        "nlu", "--data-dir", str(nlu_data_dir), "parse", "send 5k to mom",
        "--now", "2024-11-13T10:00:00+05:30", "--json",
    )  # fmt: skip
    assert run(args, stdout=out) == 0
    data = json.loads(out.getvalue())
    assert data["intent"]["name"] == "transfer_funds"
    assert {"type": "payee", "value": "mom", "text": "mom", "start": 11, "end": 14} in data[
        "entities"
    ]


def test_parse_reads_one_utterance_per_stdin_line(nlu_data_dir: Path) -> None:
    out = io.StringIO()
    args = parse_args("nlu", "--data-dir", str(nlu_data_dir), "parse")
    assert run(args, stdin=io.StringIO("hi\nmera balance batao\n"), stdout=out) == 0
    names = [json.loads(line)["intent"]["name"] for line in out.getvalue().splitlines()]
    assert names == ["greeting", "balance_inquiry"]


def test_eval_reports_accuracy(nlu_data_dir: Path) -> None:
    out = io.StringIO()
    test_set = Path(__file__).parents[2] / "data" / "nlu_test.yaml"
    args = parse_args("nlu", "--data-dir", str(nlu_data_dir), "eval", "--data", str(test_set))
    assert run(args, stdout=out) == 0
    assert "intent accuracy" in out.getvalue()
    assert "macro-F1" in out.getvalue()


def test_eval_with_a_missing_file_fails_clearly(nlu_data_dir: Path) -> None:
    args = parse_args("nlu", "--data-dir", str(nlu_data_dir), "eval", "--data", "nope.yaml")
    assert run(args, stdout=io.StringIO()) == 2
