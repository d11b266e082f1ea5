"""Chat turns saved behind their replies: kept across a clean stop, never trusted when refused."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.bootstrap import Container, build
from domain import schema
from domain.clock import ManualClock
from intents import NLU
from tests.integration.chat_customer import seed_asha


async def test_turns_answered_just_before_a_clean_stop_are_there_after_the_restart(
    container: Container, clock: ManualClock, nlu: NLU
) -> None:
    seeded = await seed_asha(container)
    first = await container.assistant.handle(seeded.customer, text="what's my balance?")
    await container.assistant.handle(
        seeded.customer, text="send 700 to Ravi", conversation_id=first.conversation_id
    )
    await container.close()  # the fixture's second close finds nothing left to do

    restarted = build(container.settings, clock=clock, nlu=nlu)
    await restarted.start()
    try:
        conv = await restarted.conversations.current(
            seeded.customer.id, "rest", first.conversation_id
        )
        stored = await restarted.conversations.messages(seeded.customer.id, conv.id)
    finally:
        await restarted.close()

    assert conv.state.task is not None and conv.state.task.slots["amount"] == 700_00
    assert [m["text"] for m in stored["messages"] if m["role"] == "user"] == [
        "what's my balance?",
        "send 700 to Ravi",
    ]


async def test_history_shows_the_turn_just_answered(container: Container) -> None:
    seeded = await seed_asha(container)
    first = await container.assistant.handle(seeded.customer, text="hi")
    second = await container.assistant.handle(
        seeded.customer, text="show my last transactions", conversation_id=first.conversation_id
    )

    stored = await container.conversations.messages(seeded.customer.id, first.conversation_id)

    assert stored["messages"][-1]["id"] == second.message_id


async def test_a_save_refused_because_another_process_moved_on_is_not_trusted(
    container: Container,
) -> None:
    seeded = await seed_asha(container)
    first = await container.assistant.handle(seeded.customer, text="send 700 to Ravi")
    c = schema.conversations
    async with container.db.writing() as conn:
        # Another process answers "cancel" in this conversation first.
        await conn.execute(
            update(c)
            .where(c.c.id == first.conversation_id)
            .values(state='{"task":null,"last_query":null}', version=c.c.version + 1)
        )
    await container.assistant.handle(
        seeded.customer, text="make it 900", conversation_id=first.conversation_id
    )
    await container.conversations.flush()

    after = await container.conversations.current(seeded.customer.id, "rest", first.conversation_id)
    async with container.db.reading() as conn:
        version = (
            await conn.execute(select(c.c.version).where(c.c.id == first.conversation_id))
        ).scalar_one()

    assert after.state.task is None  # the other process's state, not this copy's
    assert after.version == version == 2
