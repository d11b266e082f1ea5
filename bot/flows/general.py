"""Greetings, help, thanks, handing over to a person, and what is not built yet."""

from __future__ import annotations

from bot.context import Turn
from bot.replies import Button, Reply

EXAMPLES = (
    "What's my balance?",
    "Show my last transactions",
    "How much did I spend on food this month?",
    "Send ₹500 to Mom",
    "Price of INFY",
    "What's my net worth?",
    "Talk to a person",
)

# Intents the classifier knows whose features arrive with later parts of Swayam.
COMING = {
    "set_budget": "Budgets",
    "budget_status": "Budgets",
    "create_goal": "Savings goals",
    "goal_status": "Savings goals",
}

LABELS = {
    "balance_inquiry": "Check a balance",
    "transaction_history": "See transactions",
    "spending_summary": "Spending summary",
    "transfer_funds": "Send money",
    "list_payees": "List payees",
    "add_payee": "Add a payee",
    "help": "What can you do?",
    "human_handoff": "Talk to a person",
}


def greeting(turn: Turn) -> list[Reply]:
    return [
        Reply(f"Namaste {turn.customer.first_name}! How can I help?", quick_replies=EXAMPLES[:4])
    ]


def help_(turn: Turn) -> list[Reply]:
    text = (
        "I can check balances, show and filter your transactions, summarise your spending, "
        "send money to your payees or between your accounts, add payees, show share prices, "
        "buy and sell shares, and show your portfolio, net worth and financial health. "
        "I always ask before moving money, and you can say cancel at any time."
    )
    return [Reply(text, quick_replies=EXAMPLES)]


def not_yet(intent: str) -> list[Reply]:
    feature = COMING.get(intent, "That")
    return [
        Reply(
            f"{feature} isn't available in Swayam yet. I can help with balances, "
            "transactions, spending and transfers.",
            quick_replies=EXAMPLES[:3],
        )
    ]


def suggestions(ranking: tuple[tuple[str, float], ...]) -> list[Reply]:
    """When unsure, offer the likeliest meanings instead of guessing."""
    options = [name for name, score in ranking if name in LABELS and score >= 0.05][:3]
    buttons = tuple(Button(LABELS[n], f"/intent:{n}") for n in options)
    if not buttons:
        buttons = (Button(LABELS["help"], "/intent:help"),)
    return [Reply("Sorry, I didn't quite get that. Did you mean one of these?", buttons=buttons)]


async def handoff(turn: Turn, text: str) -> list[Reply]:
    ticket = await turn.services.support.open_ticket(
        turn.customer.id, text or "Asked for a person", conversation_id=turn.conversation_id
    )
    return [
        Reply(
            f"I've asked a person from our team to help (ticket {ticket['id']}). "
            "They will reply here; you can keep chatting with me meanwhile."
        )
    ]
