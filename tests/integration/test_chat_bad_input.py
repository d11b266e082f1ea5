"""Odd messages straight into the assistant: a polite reply, nothing stored raw, nothing moved."""

from __future__ import annotations

from bot.bootstrap import Container
from tests.integration.chat_customer import SAVINGS_END, seed_asha

ODD = [
    "",
    "   \n\t  ",
    "x" * 10_000,
    "send " * 2_000,
    "😀🎉🙏💸",
    "\x00\x07\x1b[31m\x7f\u200b\u202e",
    "<script>alert('x')</script><img src=x onerror=alert(1)>",
    "'; DROP TABLE transfers; --",
    '" OR "1"="1',
    "{{7*7}} ${7*7} %s %n",
]


async def test_odd_messages_get_a_polite_reply_and_change_nothing(container: Container) -> None:
    seeded = await seed_asha(container)
    for text in ODD:
        result = await container.assistant.handle(seeded.customer, text=text)

        assert result.replies and all(r.text.strip() for r in result.replies), repr(text)
        stored = await container.conversations.messages(seeded.customer.id, result.conversation_id)
        assert all(len(m["text"] or "") <= 1_000 for m in stored["messages"])
    savings = await container.banking.account(None, seeded.accounts["Savings"])
    assert savings.balance == SAVINGS_END


async def test_odd_messages_at_a_confirmation_do_not_confirm_it(container: Container) -> None:
    seeded = await seed_asha(container)
    ask = await container.assistant.handle(seeded.customer, text="send 2000 to Ravi")
    for text in ODD:
        result = await container.assistant.handle(
            seeded.customer, text=text, conversation_id=ask.conversation_id
        )
        assert all("Sent" not in r.text for r in result.replies), repr(text)
    savings = await container.banking.account(None, seeded.accounts["Savings"])
    assert savings.balance == SAVINGS_END


async def test_markup_that_names_a_feature_does_not_start_it(container: Container) -> None:
    seeded = await seed_asha(container)
    for text in (
        "<img src=x onerror=alert('verify my last transfer')>",
        "<script>mute notifications until 8am</script>",
        "<b onmouseover=x>tell me when INFY crosses 1600</b>",
    ):
        result = await container.assistant.handle(seeded.customer, text=text)
        assert result.replies[0].text.startswith("Sorry, I didn't quite get that"), repr(text)
    notifications = container.services.notifications
    assert notifications is not None
    prefs = await notifications.preferences(seeded.customer.id)
    assert prefs == await notifications.preferences("usr_nobody")
