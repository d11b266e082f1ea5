"""Terminal chat (``swayam chat``): a REPL over the same assistant as every channel.

Buttons are numbered; typing the number presses the button.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.assistant import Assistant
from bot.context import Customer
from bot.replies import Button, Reply

QUIT = {"/quit", "/exit", ":q", "quit", "exit"}


def render(replies: list[Reply]) -> tuple[str, list[Button]]:
    """Replies as text, with every button numbered across the turn."""
    lines: list[str] = []
    buttons: list[Button] = []
    for reply in replies:
        lines.append(reply.text)
        for card in reply.cards:
            lines.append(f"  ┌ {card.title}")
            lines += [f"  │ {label}: {value}" for label, value in card.rows]
        if reply.buttons:
            start = len(buttons) + 1
            buttons += reply.buttons
            lines.append(
                "  " + "   ".join(f"[{start + i}] {b.label}" for i, b in enumerate(reply.buttons))
            )
        if reply.quick_replies:
            lines.append("  Try: " + " · ".join(reply.quick_replies))
        if reply.image_url:
            lines.append(f"  (chart: {reply.image_url})")
    return "\n".join(lines), buttons


async def repl(
    assistant: Assistant,
    customer: Customer,
    *,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
) -> None:
    def say(text: str) -> None:
        stdout.write(text + "\n")
        stdout.flush()

    say(f"Swayam — chatting as {customer.full_name}. Type 'help' for ideas, 'quit' to leave.")
    buttons: list[Button] = []
    while True:
        stdout.write("you › ")
        stdout.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line:  # end of input
            say("")
            return
        text = line.strip()
        if text.lower() in QUIT:
            return
        if text.isdigit() and 1 <= int(text) <= len(buttons):
            chosen = buttons[int(text) - 1]
            say(f"      ({chosen.label})")
            result = await assistant.handle(customer, payload=chosen.payload, channel="terminal")
        else:
            result = await assistant.handle(customer, text=text, channel="terminal")
        shown, buttons = render(result.replies)
        say("swayam › " + shown.replace("\n", "\n         "))
