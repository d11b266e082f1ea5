"""The cue-word shortcuts skip work, never entities."""

from __future__ import annotations

import re

import pytest

from intents import NLU, load_training_data
from intents.entities.amounts import find_numbers
from intents.entities.payees import extract_payees

TRICKY = [
    "I cannot pay 5k to mom",
    "buy 10 infosys at 1500",
    "sell m&m and l&t",
    "send two lakh to ravi tomorrow",
    "Cannot see my HDFCbank stmt for last 3 days",
    "lemme buy wipro",
    "infosis price?",
    "ADD Ravi as payee",
    "twenty-five thousand for rent",
]


def letter_runs(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


@pytest.fixture(scope="module")
def utterances() -> list[str]:
    return [*TRICKY, *load_training_data().texts]


def test_lookups_with_and_without_the_shortcut_agree(nlu: NLU, utterances: list[str]) -> None:
    extractor = nlu.extractor
    for text in utterances:
        assert extractor._lookups(text, letter_runs(text)) == extractor._lookups(text), text


def test_numbers_and_payees_with_and_without_hints_agree(utterances: list[str]) -> None:
    for text in utterances:
        runs = letter_runs(text)
        assert find_numbers(text, [], runs) == find_numbers(text, []), text
        assert extract_payees(text, [], set(), runs) == extract_payees(text, [], set()), text
