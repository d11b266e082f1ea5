"""Conversation cases from tests/conversations/*.yaml, played against a real database.

Each case starts from the same seeded customer (see chat_customer.py), plays
its turns through ``Assistant.handle`` with a manual clock, checks every
reply, the understood intent and the open task, and finally the money
effects: balance changes per account, transfers made, payees added and
support tickets opened. Anything a case does not mention must not change.
The file format is described in tests/conversations/README.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from bot.assistant import TurnResult
from bot.bootstrap import Container
from domain import schema
from domain.clock import ManualClock
from tests.integration.chat_customer import Seeded, seed_asha

CASES_DIR = Path(__file__).resolve().parents[1] / "conversations"
TURN_KEYS = {
    "say",
    "press",
    "payload",
    "wait_minutes",
    "intent",
    "task",
    "contains",
    "lacks",
    "buttons",
    "effects",
    "stored_as",
    "from_turn",
}
EFFECT_KEYS = {"balances", "transfers", "tickets", "new_payees"}


@dataclass(frozen=True)
class Case:
    file: str
    name: str
    turns: list[dict[str, Any]]
    effects: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.file}: {self.name}"


class _Loader(yaml.SafeLoader):
    """YAML where only true/false are booleans, so a button called Yes stays "Yes"."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))


def load_cases() -> list[Case]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for raw in yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader):
            unknown = set(raw) - {"case", "turns", "effects"}
            assert not unknown, f"{path.name}: unknown keys {unknown} in {raw.get('case')}"
            for turn in raw["turns"]:
                bad = set(turn) - TURN_KEYS
                assert not bad, f"{path.name}: {raw['case']}: unknown turn keys {bad}"
                assert len({"say", "press", "payload"} & set(turn)) == 1, (
                    f"{path.name}: {raw['case']}: a turn needs one of say, press or payload"
                )
            cases.append(Case(path.stem, raw["case"], raw["turns"], raw.get("effects") or {}))
    return cases


CASES = load_cases()


def paise(rupees: int | float | str) -> int:
    value = Decimal(str(rupees).replace(",", "").replace("₹", "")) * 100
    assert value == value.to_integral_value(), f"{rupees} is not a whole number of paise"
    return int(value)


def as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


class Player:
    """Plays one case's turns as the seeded customer and checks what comes back."""

    def __init__(self, container: Container, clock: ManualClock, seeded: Seeded) -> None:
        self.container = container
        self.clock = clock
        self.seeded = seeded
        self.conversation_id: str | None = None
        self.results: list[TurnResult] = []
        self.transcript: list[str] = []

    async def play(self, n: int, turn: dict[str, Any]) -> None:
        self.clock.advance(timedelta(seconds=20) + timedelta(minutes=turn.get("wait_minutes", 0)))
        if "press" in turn:
            kwargs = {"payload": self.button(turn["press"], turn.get("from_turn"))}
            said = f"[{turn['press']}]"
        elif "payload" in turn:
            kwargs = {"payload": turn["payload"]}
            said = turn["payload"]
        else:
            kwargs = {"text": str(turn["say"])}
            said = str(turn["say"])
        result = await self.container.assistant.handle(
            self.seeded.customer, conversation_id=self.conversation_id, **kwargs
        )
        self.conversation_id = result.conversation_id
        self.results.append(result)
        self.transcript.append(f"{n}. customer: {said}")
        self.transcript += [f"   swayam: {r.plain()}" for r in result.replies]

    def button(self, label: str, from_turn: int | None = None) -> str:
        """The payload of a button offered by the last reply, or by an earlier turn's."""
        result = self.results[(from_turn or len(self.results)) - 1] if self.results else None
        offered = [b for r in result.replies for b in r.buttons] if result else []
        for b in offered:
            if b.label == label:
                return b.payload
        raise AssertionError(f"no button {label!r}; offered {[b.label for b in offered]}")

    def fail(self, n: int, why: str) -> None:
        pytest.fail(f"turn {n}: {why}\n\n" + "\n".join(self.transcript), pytrace=False)

    async def check_turn(self, n: int, turn: dict[str, Any]) -> None:
        replies = self.results[-1].replies
        text = "\n".join(r.plain() for r in replies)
        for wanted in as_list(turn.get("contains")):
            if str(wanted) not in text:
                self.fail(n, f"the reply should contain {wanted!r}")
        for unwanted in as_list(turn.get("lacks")):
            if str(unwanted) in text:
                self.fail(n, f"the reply should not contain {unwanted!r}")
        if "buttons" in turn:
            labels = [b.label for r in replies for b in r.buttons]
            if labels != as_list(turn["buttons"]):
                self.fail(n, f"buttons {labels}, expected {turn['buttons']}")
        if "intent" in turn:
            intent = await self.understood_intent()
            if intent != turn["intent"]:
                self.fail(n, f"understood as {intent!r}, expected {turn['intent']!r}")
        if "stored_as" in turn:
            stored = (await self.last_user_message())["text"]
            if stored != turn["stored_as"]:
                self.fail(
                    n, f"the message was stored as {stored!r}, expected {turn['stored_as']!r}"
                )
        if "task" in turn:
            await self.check_task(n, turn["task"])
        if "effects" in turn:
            await self.check_effects(turn["effects"], where=f"after turn {n}")

    async def last_user_message(self) -> dict[str, Any]:
        assert self.conversation_id is not None
        conv = await self.container.conversations.messages(
            self.seeded.customer.id, self.conversation_id
        )
        message: dict[str, Any] = [m for m in conv["messages"] if m["role"] == "user"][-1]
        return message

    async def understood_intent(self) -> str | None:
        intent: str | None = (await self.last_user_message())["intent"]
        return intent

    async def check_task(self, n: int, wanted: dict[str, Any] | str | None) -> None:
        assert self.conversation_id is not None
        conv = await self.container.conversations.current(
            self.seeded.customer.id, "rest", self.conversation_id
        )
        task = conv.state.task
        if wanted in (None, "none"):
            if task is not None:
                self.fail(n, f"no task should be open, but {task.intent} is ({task.slots})")
            return
        assert isinstance(wanted, dict)
        if task is None:
            self.fail(n, f"a {wanted.get('intent')} task should be open")
            return
        names = {v: k for k, v in self.seeded.accounts.items()}
        payees = self.seeded.payees
        seen: dict[str, Any] = {"intent": task.intent, "awaiting": task.awaiting}
        for key, value in task.slots.items():
            if key == "amount" and value is not None:
                seen["amount"] = value
            elif key == "payee_id" and value:
                seen["payee"] = payees.get(value, value)
            elif key == "from_account_id" and value:
                seen["from"] = names.get(value, value)
            elif key == "to_account_id" and value:
                seen["to"] = names.get(value, value)
            elif value is not None:
                seen[key] = value
        for key, value in wanted.items():
            expected = paise(value) if key == "amount" else value
            if seen.get(key) != expected:
                self.fail(n, f"task {key} is {seen.get(key)!r}, expected {expected!r} ({seen})")

    async def snapshot(self) -> dict[str, Any]:
        banking = self.container.banking
        customer = self.seeded.customer.id
        balances = {a.name: a.balance for a in await banking.accounts(customer)}
        t = schema.transfers
        async with self.container.db.reading() as conn:
            transfers = (
                await conn.execute(select(func.count()).where(t.c.created_by == customer))
            ).scalar_one()
        return {
            "balances": balances,
            "transfers": transfers,
            "tickets": len(await self.container.support.tickets()),
            "payees": {p.name for p in await banking.payees(customer)},
        }

    async def check_effects(self, effects: dict[str, Any], *, where: str) -> None:
        unknown = set(effects) - EFFECT_KEYS
        assert not unknown, f"unknown effects {unknown}"
        now = await self.snapshot()
        before = self.before
        changes = {
            name: now["balances"][name] - before["balances"].get(name, 0)
            for name in now["balances"]
        }
        wanted = {name: 0 for name in changes}
        wanted.update({k: paise(v) for k, v in (effects.get("balances") or {}).items()})
        problems = []
        if changes != wanted:
            problems.append(f"balance changes {changes} (paise), expected {wanted}")
        made = now["transfers"] - before["transfers"]
        if made != effects.get("transfers", 0):
            problems.append(f"{made} transfers made, expected {effects.get('transfers', 0)}")
        opened = now["tickets"] - before["tickets"]
        if opened != effects.get("tickets", 0):
            problems.append(f"{opened} tickets opened, expected {effects.get('tickets', 0)}")
        added = sorted(now["payees"] - before["payees"])
        if added != sorted(as_list(effects.get("new_payees"))):
            problems.append(f"payees added {added}, expected {effects.get('new_payees', [])}")
        if problems:
            pytest.fail(
                f"{where}: " + "; ".join(problems) + "\n\n" + "\n".join(self.transcript),
                pytrace=False,
            )

    before: dict[str, Any]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_conversation(case: Case, container: Container, clock: ManualClock) -> None:
    seeded = await seed_asha(container)
    # The seeded history's events are handled (its notifications sent) before
    # the customer says anything, as in a bank that has been running.
    await container.events.dispatcher.drain()
    player = Player(container, clock, seeded)
    player.before = await player.snapshot()
    for n, turn in enumerate(case.turns, start=1):
        await player.play(n, turn)
        await player.check_turn(n, turn)
    await player.check_effects(case.effects, where="after the conversation")


def test_every_case_file_holds_cases_with_distinct_names() -> None:
    assert CASES, "no conversation cases found"
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
