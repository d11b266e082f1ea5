"""Rule documents: what parses, what is refused and why, and loops refused at creation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from domain.errors import InvalidInput
from domain.rules.cron import next_slot, parse_cron
from domain.rules.describe import describe
from domain.rules.loops import find_loop, refuse_loops
from domain.rules.model import RuleSpec, Schedule
from domain.rules.templates import TEMPLATES


def _transfer(to: str = "acc_sav", src: str = "acc_cur", **how: Any) -> dict[str, Any]:
    return {
        "kind": "transfer",
        "from_account_id": src,
        "to_account_id": to,
        **(how or {"amount": 500000}),
    }


def _spec(trigger: dict[str, Any], *actions: dict[str, Any], **extra: Any) -> RuleSpec:
    return RuleSpec.from_json({"name": "r", "trigger": trigger, "actions": list(actions), **extra})


SALARY = {"kind": "transaction", "direction": "credit", "counterparty": "Acme Corp"}


def test_a_salary_rule_parses_and_round_trips() -> None:
    spec = _spec(SALARY, {"kind": "invest", "symbol": "niftybees", "percent": 20})
    assert spec.actions[0].symbol == "NIFTYBEES"
    assert RuleSpec.from_json(spec.to_json()) == spec


@pytest.mark.parametrize(
    ("doc", "code"),
    [
        ({"trigger": SALARY, "actions": []}, "invalid_rule"),
        ({"trigger": {"kind": "weather"}, "actions": [_transfer()]}, "invalid_trigger"),
        ({"trigger": SALARY, "actions": [{"kind": "launder"}]}, "invalid_action"),
        ({"trigger": SALARY, "actions": [_transfer(amount=-5)]}, "invalid_amount"),
        ({"trigger": SALARY, "actions": [_transfer(amount=5, percent=10)]}, "invalid_rule"),
        ({"trigger": SALARY, "actions": [_transfer(to="acc_cur")]}, "invalid_rule"),
        ({"trigger": {**SALARY, "colour": "red"}, "actions": [_transfer()]}, "invalid_rule"),
        (
            {
                "trigger": {"kind": "time_based", "schedule": {"every": "day"}},
                "actions": [_transfer(percent=10)],
            },
            "invalid_rule",
        ),
        (
            {
                "trigger": {"kind": "time_based", "schedule": {"cron": "61 * * * *"}},
                "actions": [_transfer()],
            },
            "invalid_schedule",
        ),
        (
            {"trigger": {"kind": "market_condition", "symbol": "INFY"}, "actions": [_transfer()]},
            "invalid_rule",
        ),
        (
            {"trigger": SALARY, "actions": [_transfer()], "safety": {"max_per_day": 0}},
            "invalid_rule",
        ),
    ],
)
def test_malformed_rules_are_refused_with_a_specific_error(doc: dict[str, Any], code: str) -> None:
    with pytest.raises(InvalidInput) as err:
        RuleSpec.from_json({"name": "r", **doc})
    assert err.value.code == code


def test_approval_defaults_on_for_payees_and_trades_and_off_between_own_accounts() -> None:
    assert not _spec(SALARY, _transfer()).needs_approval()
    payee = {"kind": "transfer", "from_account_id": "acc_cur", "payee_id": "pay_1", "amount": 100}
    assert _spec(SALARY, payee).needs_approval()
    assert _spec(SALARY, {"kind": "invest", "symbol": "INFY", "amount": 100000}).needs_approval()
    assert _spec(SALARY, _transfer(), safety={"requires_approval": True}).needs_approval()


def test_a_transfer_into_the_account_whose_credits_trigger_it_is_a_loop() -> None:
    spec = _spec(
        {"kind": "transaction", "direction": "credit", "account_id": "acc_sav"}, _transfer()
    )
    with pytest.raises(InvalidInput) as err:
        refuse_loops("new", spec, {})
    assert err.value.code == "rule_loop"


def test_a_salary_filter_keeps_a_transfer_rule_out_of_its_own_loop() -> None:
    spec = _spec({**SALARY, "account_id": "acc_sav"}, _transfer())
    assert find_loop("new", spec, {}) is None


def test_two_rules_bouncing_money_between_accounts_are_a_loop() -> None:
    first = _spec(
        {"kind": "transaction", "direction": "credit", "account_id": "acc_sav"},
        _transfer(to="acc_cur", src="acc_sav"),
    )
    second = _spec(
        {"kind": "transaction", "direction": "credit", "account_id": "acc_cur"}, _transfer()
    )
    refuse_loops("a", first, {})
    with pytest.raises(InvalidInput):
        refuse_loops("b", second, {"a": first})


def test_an_execute_rule_cycle_is_a_loop() -> None:
    a = _spec(SALARY, {"kind": "execute_rule", "rule_id": "b"})
    b = _spec({"kind": "external_event", "event": "x"}, {"kind": "execute_rule", "rule_id": "a"})
    assert find_loop("a", a, {"b": b}) == ["a", "b", "a"]


def test_an_emergency_top_up_is_not_a_loop() -> None:
    doc = TEMPLATES["emergency_fund"].render({})
    doc["trigger"]["account_id"] = "acc_sav"
    doc["actions"][0] |= {"from_account_id": "acc_cur", "to_account_id": "acc_sav"}
    assert find_loop("new", RuleSpec.from_json(doc), {}) is None


def test_every_template_renders_a_valid_rule() -> None:
    for t in TEMPLATES.values():
        RuleSpec.from_json(t.render({}))
    with pytest.raises(InvalidInput):
        TEMPLATES["stop_loss"].render({"colour": "red"})


def test_schedules_find_the_next_local_slot() -> None:
    after = datetime(2026, 11, 16, 5, 0, tzinfo=UTC)  # Monday 10:30 IST
    monthly = Schedule.from_json({"every": "month", "day": 1, "at": "09:00"})
    assert next_slot(monthly, after, "Asia/Kolkata") == datetime(2026, 12, 1, 3, 30, tzinfo=UTC)
    weekly = Schedule.from_json({"every": "week", "weekday": "fri", "at": "18:00"})
    assert next_slot(weekly, after, "Asia/Kolkata") == datetime(2026, 11, 20, 12, 30, tzinfo=UTC)
    last = Schedule.from_json({"every": "month", "day": 31, "at": "09:00"})
    assert next_slot(last, after, "Asia/Kolkata") == datetime(2026, 11, 30, 3, 30, tzinfo=UTC)
    cron = Schedule.from_json({"cron": "*/15 9-17 * * 1-5"})
    assert next_slot(cron, after, "Asia/Kolkata") == datetime(2026, 11, 16, 5, 15, tzinfo=UTC)


def test_a_cron_expression_that_never_matches_has_no_slot() -> None:
    assert (
        next_slot(
            Schedule(every="cron", cron="0 9 31 2 *"), datetime(2026, 1, 1, tzinfo=UTC), "UTC"
        )
        is None
    )
    with pytest.raises(InvalidInput):
        parse_cron("0 9 * *")


def test_a_rule_is_described_in_plain_words() -> None:
    spec = _spec(
        {"kind": "balance", "account_id": "acc_sav", "crosses": "below", "threshold": 1000000},
        _transfer(top_up_to=1000000),
    )
    words = describe(spec, {"acc_sav": "Savings", "acc_cur": "Current"})
    assert words == (
        "When Savings drops below ₹10,000.00, move enough to bring it up to ₹10,000.00 "
        "from Current to Savings."
    )
