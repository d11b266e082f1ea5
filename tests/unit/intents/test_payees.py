from __future__ import annotations

from dataclasses import dataclass

from intents import NLU, resolve_payee
from tests.unit.intents.conftest import REFERENCE


@dataclass(frozen=True)
class Payee:
    name: str
    nicknames: tuple[str, ...] = ()


RAVI = Payee("Ravi Kumar")
MOM = Payee("Sunita Sharma", ("mom", "maa"))
AMIT = Payee("Amit Shah")
PAYEES = [RAVI, MOM, AMIT]


def test_nickname_resolves_to_the_payee() -> None:
    assert resolve_payee("mom", PAYEES).match == MOM


def test_prefix_of_a_first_name_resolves() -> None:
    assert resolve_payee("rav", PAYEES).match == RAVI


def test_typo_in_a_name_resolves() -> None:
    assert resolve_payee("amitt", PAYEES).match == AMIT


def test_ambiguous_words_return_candidates_not_a_guess() -> None:
    ravinder = Payee("Ravinder Singh")
    result = resolve_payee("rav", [RAVI, ravinder, MOM])
    assert result.match is None
    assert set(result.candidates[:2]) == {RAVI, ravinder}


def test_unknown_words_match_nothing() -> None:
    result = resolve_payee("zebra", PAYEES)
    assert (result.match, result.candidates) == (None, ())


def test_payee_words_come_out_of_the_parse(nlu: NLU) -> None:
    for text, words in [
        ("send 5000 to mom", "mom"),
        ("paise bhejo mom ko", "mom"),
        ("pay Ravi Kumar 2000", "Ravi Kumar"),
    ]:
        assert [e.value for e in nlu.parse(text, REFERENCE).entities_of("payee")] == [words]


def test_an_account_is_not_a_payee(nlu: NLU) -> None:
    result = nlu.parse("move 10k to my savings account", REFERENCE)
    assert result.entities_of("payee") == []
    assert [e.value for e in result.entities_of("account")] == ["savings"]
