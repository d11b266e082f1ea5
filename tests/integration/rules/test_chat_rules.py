"""Rules in chat end to end: a rule made in words runs on a real event, asks for
approval with buttons pushed into chat, and shows up in "what did my rules do"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.bootstrap import Container
from bot.context import Customer
from bot.replies import Reply
from domain.banking.model import AccountType
from domain.clock import ManualClock
from domain.money import Money
from tests.integration.chat_customer import seed_asha


class Captured:
    """A chat channel that keeps what is pushed to it."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []

    async def push(
        self, customer_id: str, replies: Sequence[Reply], *, silent: bool = False
    ) -> int:
        self.replies.extend(replies)
        return 1


class Chat:
    """One conversation with the seeded customer."""

    def __init__(self, container: Container, customer: Customer) -> None:
        self.container = container
        self.customer = customer
        self.conversation_id: str | None = None

    async def say(self, text: str | None = None, payload: str | None = None) -> str:
        result = await self.container.assistant.handle(
            self.customer, text=text, payload=payload, conversation_id=self.conversation_id
        )
        self.conversation_id = result.conversation_id
        return "\n".join(r.plain() for r in result.replies)


def _payload(replies: list[Reply], label: str) -> str:
    return next(b.payload for r in replies for b in r.buttons if b.label == label)


async def test_a_monthly_fd_rule_made_in_words_runs_on_the_1st(
    container: Container, clock: ManualClock
) -> None:
    seeded = await seed_asha(container)
    chat = Chat(container, seeded.customer)
    fd = await container.banking.open_account(seeded.customer.id, AccountType.FIXED_DEPOSIT, "FD")
    reply = await chat.say("on the 1st of every month move 5000 to my FD")
    assert "On the 1st of every month at 09:00, move ₹5,000.00 from Savings to FD." in reply
    assert "is on." in await chat.say("yes")
    await container.events.stop_background()
    clock.advance(timedelta(days=15, hours=-1))  # 1 December, 09:30 IST
    await container.events.dispatcher.run_once()
    assert (await container.banking.account(None, fd.id)).balance == 5_000_00
    week = await chat.say("what did my rules do this week")
    assert "your rules ran 1 time and moved ₹5,000.00" in week


async def test_an_approval_is_pushed_with_buttons_and_approved_in_chat(
    container: Container, clock: ManualClock
) -> None:
    seeded = await seed_asha(container)
    clock.advance(timedelta(minutes=1))  # the seeded salaries are older than the rule
    chat = Chat(container, seeded.customer)
    pushed = Captured()
    container.events.pushers.register("web", pushed)
    await container.banking.open_account(seeded.customer.id, AccountType.TRADING, "Trading")
    await chat.say("every time my salary comes in, invest 20% in NIFTYBEES")
    await chat.say("yes")
    await container.events.stop_background()
    await container.banking.external_posting(
        principal_id=seeded.operator_id,
        idempotency_key="salary-dec",
        account_id=seeded.accounts["Savings"],
        direction="credit",
        amount=Money(50_000_00),
        counterparty="Acme Payroll",
        category="salary",
    )
    await container.events.dispatcher.drain()
    [ask] = [r for r in pushed.replies if r.buttons and r.buttons[0].label == "Approve"]
    assert "invest ₹10,000.00 in NIFTYBEES" in ask.text
    answer = await chat.say(payload=_payload([ask], "Approve"))
    assert answer.startswith("Approved and done")
    [holding] = await container.markets.trading.holdings(seeded.customer.id)
    assert holding.symbol == "NIFTYBEES"
    again = await chat.say(payload=_payload([ask], "Reject"))
    assert "not waiting for approval" in again
