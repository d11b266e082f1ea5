"""The Swayam assistant: one turn in, replies out, state kept in the database.

Every channel (REST chat, terminal, web chat, Telegram) calls ``handle``.
A turn is understood (the NLU for text, or a button's payload), then:

- with a task waiting for confirmation: yes runs it (after the PIN if it is
  large), no cancels it, a correction ("no, make it 2500", "to Priya instead")
  changes it and asks again, any other question is answered and the
  confirmation asked again (a digression);
- with a task waiting for a detail: the message fills it, or is answered as a
  digression and the question asked again;
- otherwise a confident intent starts a task or answers a question; a short
  follow-up ("and last month?") reuses the last question; anything unsure is
  met with the likeliest options as buttons. Nothing that moves money is ever
  started from a guess.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.context import Customer, Services, Turn
from bot.flows import (
    add_payee,
    alerts,
    forecasts,
    general,
    notifications,
    queries,
    rules,
    trading,
    transfer,
    verify,
    wealth,
)
from bot.flows.common import seal
from bot.llm.advice import Advisor, Answer, TransferProposal
from bot.replies import Reply
from bot.state import CONFIRM, PIN, Task
from bot.store import ConversationStore
from bot.turn_writer import StaleConversation
from bot.understanding import Understanding, from_parse, from_payload, valid_payload
from domain.ids import new_id
from intents import NLU
from intents.pipeline import looks_like_code

MAX_TEXT = 1000
MAX_REPROMPTS = 3
_FOLLOW_UP = re.compile(r"^\s*(and|what about|how about|same for|also|now)\b", re.IGNORECASE)
_TASKS = {transfer.INTENT, add_payee.INTENT} | trading.TASKS | rules.TASKS
# Replies to a yes/no question that carry no other meaning.
_AFFIRM_WORDS = {
    "yes",
    "y",
    "yeah",
    "yep",
    "ok",
    "okay",
    "sure",
    "confirm",
    "haan",
    "ha",
    "go ahead",
    "do it",
}
_DENY_WORDS = {"no", "n", "nope", "nah", "don't", "dont", "nahi", "na"}


@dataclass(frozen=True)
class TurnResult:
    conversation_id: str
    message_id: str
    replies: list[Reply]


class Assistant:
    def __init__(
        self,
        nlu: NLU,
        services: Services,
        store: ConversationStore,
        *,
        advisor: Advisor | None = None,
    ) -> None:
        self._nlu = nlu
        self._services = services
        self._store = store
        self._advisor = advisor  # optional (Claude): asked when the NLU is unsure
        self._locks: OrderedDict[str, asyncio.Lock] = OrderedDict()

    async def handle(
        self,
        customer: Customer,
        *,
        text: str | None = None,
        payload: str | None = None,
        channel: str = "rest",
        conversation_id: str | None = None,
    ) -> TurnResult:
        """Answer one message (typed text or a button payload) from a customer."""
        async with self._lock(f"{customer.id}:{channel}:{conversation_id}"):
            for attempt in range(3):
                conv = await self._store.current(customer.id, channel, conversation_id)
                turn = Turn(customer, conv.id, conv.state, self._services)
                u, replies = await self._respond(turn, text, payload)
                conv.state = turn.state
                stored_text = "••••" if turn.redact else _storable(text)
                try:
                    message_id = await self._store.save_turn(
                        conv,
                        text=stored_text,
                        payload=payload,
                        intent=None if turn.redact else u.intent,
                        confidence=None if turn.redact else u.confidence,
                        replies=replies,
                        events=turn.events,
                    )
                except StaleConversation:
                    if attempt == 2:
                        raise
                    continue  # another process answered first; think again on fresh state
                return TurnResult(conv.id, message_id, replies)
        raise AssertionError("unreachable")

    def _lock(self, key: str) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
            while len(self._locks) > 10_000:
                self._locks.popitem(last=False)
        self._locks.move_to_end(key)
        return lock

    # -- understanding ------------------------------------------------------------

    def understand(self, text: str, now: datetime, timezone: str) -> Understanding:
        return from_parse(self._nlu.parse(text, now.astimezone(ZoneInfo(timezone))))

    async def _respond(
        self, turn: Turn, text: str | None, payload: str | None
    ) -> tuple[Understanding, list[Reply]]:
        if payload is not None:
            if not valid_payload(payload):
                u = Understanding(text="", intent="stale_button", confidence=0.0, confident=False)
                return u, [Reply("That button is no longer valid. What would you like to do?")]
            u = from_payload(payload)
            return u, await self._dispatch(turn, u)
        clean = _clean(text or "")
        task = turn.state.task
        if task is not None and task.awaiting == PIN:
            # A PIN is never sent to the NLU or stored.
            u = Understanding(text="", intent="pin", confidence=1.0, confident=True)
            if clean.lower() in {"cancel", "stop", "no"}:
                turn.redact = False
                return u, self._cancel(turn)
            return u, await transfer.pin_entered(turn, task, clean)
        if not clean:
            u = Understanding(text="", intent="empty", confidence=0.0, confident=False)
            return u, [Reply("Say something like “what's my balance?” or “help”.")]
        u = self.understand(clean[:MAX_TEXT], turn.now(), turn.customer.timezone)
        u = _recognise(_yes_no(u))
        turn.events.append(
            {
                "kind": "turn",
                "intent": u.intent,
                "confidence": round(u.confidence, 4),
                "fallback": not u.confident,
            }
        )
        return u, await self._dispatch(turn, u)

    # -- routing ----------------------------------------------------------------------

    async def _dispatch(self, turn: Turn, u: Understanding) -> list[Reply]:
        task = turn.state.task
        if u.intent == "cancel" and u.confident:
            return self._cancel(turn)
        if u.seal is not None and task is not None and u.seal != seal(task):
            # A Yes/No left over from an earlier question: never let it approve this one.
            stale = Reply("That button is for an earlier question.")
            return [stale, *await self._prompt(turn, task)]
        if u.intent == rules.APPROVAL and u.payload is not None:
            approved = await rules.decide(turn, u.payload)
            return approved + (await self._back_to(turn, task) if task is not None else [])
        if u.payload == "/more":
            more = await self._more(turn)
            return more + (await self._back_to(turn, task) if task is not None else [])
        if u.intent == "notification_read" and u.payload is not None:
            read = await notifications.mark_read(turn, u.payload.removeprefix("/read:"))
            return read + (await self._back_to(turn, task) if task is not None else [])
        if task is not None:
            handled = await self._continue(turn, task, u)
            if handled is not None:
                return handled
        if u.intent in ("affirm", "deny", "pick") and u.confident:
            return [Reply("There's nothing waiting for a yes or no right now. How can I help?")]
        follow = await self._follow_up(turn, u)
        if follow is not None:
            return follow
        if self._advisor is not None and u.text and (not u.confident or u.intent in _OPEN):
            advised = await self._advise(turn, u)
            if advised is not None:
                return advised
        if not u.confident:
            return general.suggestions(u.ranking)
        return await self._start(turn, u)

    async def _advise(self, turn: Turn, u: Understanding) -> list[Reply] | None:
        """Ask the advisor; a transfer it proposes becomes a task that waits for a yes."""
        assert self._advisor is not None
        advice = await self._advisor.advise(turn, u.text)
        if isinstance(advice, Answer):
            return [Reply(advice.text)]
        if isinstance(advice, TransferProposal):
            task = Task(id=new_id("tsk"), intent=transfer.INTENT)
            turn.begin(task)
            task.slots.update(advice.slots)
            return await transfer.step(turn, task)
        return None

    async def _start(self, turn: Turn, u: Understanding) -> list[Reply]:
        intent = u.intent
        if intent in queries.QUERY_INTENTS:
            return await queries.answer(turn, intent, queries.slots_from(u.entities))
        if intent == "list_payees":
            return await queries.list_payees(turn)
        if intent == transfer.INTENT:
            task = Task(id=new_id("tsk"), intent=intent)
            turn.begin(task)
            notes = await transfer.absorb(turn, task, u)
            return await transfer.step(turn, task, notes)
        if intent == add_payee.INTENT:
            task = Task(id=new_id("tsk"), intent=intent)
            turn.begin(task)
            add_payee.absorb(task, u)
            return add_payee.step(task)
        if intent == "greeting":
            return general.greeting(turn)
        if intent == "help":
            return general.help_(turn)
        if intent == "thanks":
            return [Reply("You're welcome!")]
        if intent == "goodbye":
            return [Reply(f"Bye {turn.customer.first_name}, take care!")]
        if intent == "human_handoff":
            return await general.handoff(turn, u.text)
        if intent == "out_of_scope":
            return general.suggestions(u.ranking)
        if intent == verify.INTENT:
            return await verify.answer(turn, u.text)
        if intent == notifications.INTENT:
            return await notifications.answer(turn, u)
        if intent in trading.TASKS:
            task = Task(id=new_id("tsk"), intent=intent)
            turn.begin(task)
            await trading.absorb(turn, task, u)
            return await trading.step(turn, task)
        if intent in trading.QUERIES:
            return await trading.answer(turn, intent, u)
        if intent in wealth.INTENTS:
            return await wealth.answer(turn, intent)
        if intent in forecasts.INTENTS:
            return await forecasts.answer(turn, u)
        if intent in rules.INTENTS:
            return await rules.start(turn, u)
        return general.not_yet(intent)

    async def _continue(self, turn: Turn, task: Task, u: Understanding) -> list[Reply] | None:
        """Carry on the open task, or return None to treat the message afresh."""
        is_transfer = task.intent == transfer.INTENT
        if task.awaiting == CONFIRM:
            if u.intent == "affirm" and u.confident:
                if is_transfer:
                    return await transfer.affirmed(turn, task)
                if task.intent in trading.TASKS:
                    return await trading.execute(turn, task)
                if task.intent in rules.TASKS:
                    return await rules.execute(turn, task)
                return await add_payee.execute(turn, task)
            corrected = await self._correct(turn, task, u)
            if corrected is not None:
                return corrected
            if u.intent == "deny" and u.confident:
                turn.end_task("cancelled")
                what = {
                    transfer.INTENT: "send anything",
                    add_payee.INTENT: "add the payee",
                    rules.CREATE: "turn that rule on",
                    rules.MANAGE: "change the rule",
                }.get(task.intent, "place the order")
                return [Reply(f"Okay, I won't {what}.")]
            return await self._digress_or_repeat(turn, task, u)
        # Waiting for a detail.
        if u.intent == "deny" and u.confident and not u.entities:
            turn.end_task("cancelled")
            return [Reply("Okay, cancelled. Nothing was changed.")]
        if task.intent in rules.TASKS and rules.fills(task, u):
            return await rules.absorb(turn, task, u)
        if task.intent in trading.TASKS and trading.fills(task, u):
            await trading.absorb(turn, task, u)
            task.reprompts = 0
            return await trading.step(turn, task)
        if u.pick is not None or self._fills(task, u):
            if is_transfer:
                notes = await transfer.absorb(turn, task, u, answering=task.awaiting)
                task.reprompts = 0
                return await transfer.step(turn, task, notes)
            add_payee.absorb(task, u, answering=task.awaiting)
            task.reprompts = 0
            return add_payee.step(task)
        return await self._digress_or_repeat(turn, task, u)

    def _fills(self, task: Task, u: Understanding) -> bool:
        """Does this message answer what the task asked?"""
        if task.awaiting in ("name", "destination") and _bare_name(u):
            return True  # "Rahul Mehta" answers "who?", whatever the classifier thinks
        if task.intent == add_payee.INTENT and task.awaiting == "where" and _payee_details(u):
            return True  # "50100234567891" answers "which account?", though it reads as money
        if (
            u.confident
            and u.intent not in (task.intent, "affirm", "deny")
            and u.intent in _STARTERS
        ):
            return False  # a new request, not an answer
        if task.intent == transfer.INTENT:
            wanted = {
                "destination": ("payee", "account"),
                "amount": ("amount", "price"),
                "from": ("account",),
            }
            kinds = wanted.get(task.awaiting or "", ())
            if any(u.entities.get(k) for k in kinds):
                return True
            return task.awaiting == "destination" and not u.confident and 0 < len(u.text) <= 60
        if task.awaiting == "name":
            return not u.confident or u.intent == task.intent or bool(u.entities.get("payee"))
        return bool(
            add_payee._UPI.search(u.text)
            or add_payee._ACCOUNT.search(u.text)
            or add_payee._IFSC.search(u.text)
        )

    async def _correct(self, turn: Turn, task: Task, u: Understanding) -> list[Reply] | None:
        """Apply a change to a task awaiting confirmation, and confirm again."""
        if (
            u.confident
            and u.intent not in (task.intent, "deny", "affirm")
            and u.intent in _STARTERS
        ):
            return None
        if task.intent in rules.TASKS:
            return await rules.correct(turn, task, u) if rules.corrects(task, u) else None
        if task.intent in trading.TASKS:
            if not trading.corrects(u):
                return None
            await trading.absorb(turn, task, u)
            return await trading.step(turn, task)
        if task.intent == transfer.INTENT:
            if (
                not any(u.entities.get(k) for k in ("amount", "price", "payee", "account"))
                and u.pick is None
            ):
                return None
            notes = await transfer.absorb(turn, task, u)
            return await transfer.step(turn, task, notes)
        before = dict(task.slots)
        add_payee.absorb(task, u)
        if task.slots == before:
            return None
        return add_payee.step(task)

    async def _digress_or_repeat(self, turn: Turn, task: Task, u: Understanding) -> list[Reply]:
        if (
            u.confident
            and u.intent not in ("affirm", "deny", "out_of_scope")
            and u.intent not in _TASKS
        ):
            answer = await self._start(turn, u)
            turn.state.task = task  # a question does not replace the task
            return [*answer, *await self._back_to(turn, task)]
        if u.confident and u.intent in _TASKS and u.intent != task.intent:
            return await self._start(turn, u)  # a new task replaces the old one
        task.reprompts += 1
        if task.reprompts >= MAX_REPROMPTS:
            turn.end_task("abandoned")
            return [Reply("Let's leave that for now; nothing was changed. What else can I do?")]
        lead = (
            "Please answer Yes or No." if task.awaiting == CONFIRM else "Sorry, I didn't get that."
        )
        return [Reply(lead), *await self._prompt(turn, task)]

    async def _back_to(self, turn: Turn, task: Task) -> list[Reply]:
        back = {
            transfer.INTENT: "your transfer",
            add_payee.INTENT: "adding the payee",
            rules.CREATE: "your new rule",
            rules.MANAGE: "changing your rule",
        }.get(task.intent, "your order")
        return [Reply(f"Back to {back}:"), *await self._prompt(turn, task)]

    async def _prompt(self, turn: Turn, task: Task) -> list[Reply]:
        if task.intent == transfer.INTENT:
            return await transfer.prompt(turn, task)
        if task.intent in trading.TASKS:
            return await trading.step(turn, task)
        if task.intent in rules.TASKS:
            return await rules.step(turn, task)
        return add_payee.step(task)

    def _cancel(self, turn: Turn) -> list[Reply]:
        if turn.state.task is None:
            return [Reply("There's nothing to cancel. How can I help?")]
        turn.end_task("cancelled")
        return [Reply("Cancelled. Nothing was changed.")]

    async def _follow_up(self, turn: Turn, u: Understanding) -> list[Reply] | None:
        last = turn.state.last_query
        if last is None or not any(u.entities.get(k) for k in queries.MODIFIERS):
            return None
        others = set(u.entities) - set(queries.MODIFIERS)
        same = u.intent == last["intent"]
        if others or not (_FOLLOW_UP.match(u.text) or same or not u.confident):
            return None
        slots = queries.slots_from(u.entities, last["slots"])
        slots.pop("next_cursor", None)
        return await queries.answer(turn, last["intent"], slots)

    async def _more(self, turn: Turn) -> list[Reply]:
        last = turn.state.last_query
        if not last or not last["slots"].get("next_cursor"):
            return [Reply("There's nothing more to show.")]
        slots = dict(last["slots"])
        slots["cursor"] = slots.pop("next_cursor")
        return await queries.answer(turn, last["intent"], slots)


# Open questions the advisor answers better than a canned reply.
_OPEN = {"investment_advice", "financial_health", "out_of_scope"}

_STARTERS = (
    set(queries.QUERY_INTENTS)
    | _TASKS
    | {"list_payees", "help", "human_handoff", verify.INTENT, notifications.INTENT}
    | set(general.COMING)
    | trading.QUERIES
    | wealth.INTENTS
    | forecasts.INTENTS
)


_NAME_LIKE = re.compile(r"^[^\W\d_][\w .'&-]{0,60}$")


def _bare_name(u: Understanding) -> bool:
    """A short run of words and nothing else: how people answer "who?"."""
    kinds = set(u.entities) - {"payee", "merchant"}
    return not kinds and len(u.text.split()) <= 4 and bool(_NAME_LIKE.match(u.text))


def _payee_details(u: Understanding) -> bool:
    """A UPI id, account number or IFSC, with at most a few words around it."""
    found = False
    rest = u.text
    for pattern in (add_payee._UPI, add_payee._ACCOUNT, add_payee._IFSC):
        found = found or bool(pattern.search(rest))
        rest = pattern.sub(" ", rest)
    return found and not any(ch.isdigit() for ch in rest) and len(rest.split()) <= 4


def _storable(text: str | None) -> str | None:
    """The message as saved: cut to MAX_TEXT, without NUL (PostgreSQL text cannot hold it)."""
    return text[:MAX_TEXT].replace("\x00", "\ufffd") if text else text


_MARKUP = re.compile(r"<\s*/?\s*[a-z!]", re.IGNORECASE)


def _recognise(u: Understanding) -> Understanding:
    """Unmistakable wording the classifier may miss, for flows that look for it.

    Markup and code are left as the NLU read them: "onerror=alert(1)" asks for
    no alert and "<img ... verify>" for no proof.
    """
    if looks_like_code(u.text) or _MARKUP.search(u.text):
        return u
    # Price-alert wording first: the classifier reads it as a rule, not yet built.
    return rules.recognise(
        forecasts.recognise(notifications.recognise(verify.recognise(alerts.recognise(u))))
    )


def _clean(text: str) -> str:
    """Drop control characters and collapse whitespace; keep everything else."""
    kept = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(kept.split())


def _yes_no(u: Understanding) -> Understanding:
    """Plain yes/no words are certain, whatever the classifier thinks."""
    word = u.text.lower().strip(" .!")
    if word in _AFFIRM_WORDS:
        return Understanding(u.text, "affirm", 1.0, True, u.entities, u.surface, u.ranking)
    if word in _DENY_WORDS:
        return Understanding(u.text, "deny", 1.0, True, u.entities, u.surface, u.ranking)
    return u
