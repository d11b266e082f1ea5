"""The web chat page in real headless Chromium (Debian's), driven by Playwright.

A real server on a free loopback port, a phone-sized window, and a customer
who signs in, asks the balance, sends money by clicking Yes and sees the new
balance. Chromium comes from ``make browser-deps`` (part of ``make test``);
Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import insert

from api.app import create_app
from api.keys import WS_HUB
from bot.bootstrap import Container, build
from bot.settings import Settings
from domain.clock import ManualClock
from domain.ids import new_id
from domain.schema import payees
from intents import NLU
from tests.e2e.conftest import seed

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
EVIL = "<img src=x onerror=alert(1)>"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (make browser-deps)"
)


@dataclass
class Server:
    url: str
    container: Container
    ids: dict[str, Any]
    app: web.Application


@pytest.fixture
async def server(
    tmp_path: Path, sqlite_template: Path, clock: ManualClock, nlu: NLU
) -> AsyncIterator[Server]:
    """The whole app on 127.0.0.1 and a free port, on a fresh SQLite database."""
    db = tmp_path / "swayam.db"
    shutil.copyfile(sqlite_template, db)
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=f"sqlite+aiosqlite:///{db}",
        hold_sweep_s=3600,
        password_time_cost=1,
        password_memory_kib=64,
    )
    container = build(settings, clock=clock, nlu=nlu)
    app = create_app(container)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        ids = await seed(container)
        # A payee name no form would accept, as if it came from a bank feed.
        async with container.db.writing() as conn:
            await conn.execute(
                insert(payees).values(
                    id=new_id("pye"),
                    customer_id=ids["asha"],
                    name=EVIL,
                    upi_id="mallory@okaxis",
                    created_at=clock.now(),
                )
            )
        yield Server(f"http://127.0.0.1:{port}", container, ids, app)
    finally:
        await runner.cleanup()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


async def open_phone(browser: Any, server: Server) -> tuple[Any, list[str]]:
    """A phone-sized page on the server, signed in as Asha; problems it reports."""
    from playwright.async_api import expect

    context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(20_000)
    page = await context.new_page()
    problems: list[str] = []
    page.on("dialog", lambda d: problems.append(f"dialog: {d.message}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on(
        "console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None
    )
    await page.goto(server.url + "/")
    await page.get_by_label("Username").fill("asha")
    await page.get_by_label("Password").fill("correct-horse-1")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_text("Hi Asha!")).to_be_visible()
    await expect(page.get_by_role("button", name="Send")).to_be_enabled()
    return page, problems


async def say(page: Any, text: str) -> None:
    await page.get_by_label("Message").fill(text)
    await page.get_by_label("Message").press("Enter")


async def test_a_customer_checks_the_balance_and_sends_money_by_clicking_yes(
    browser: Any, server: Server
) -> None:
    from playwright.async_api import expect

    page, problems = await open_phone(browser, server)
    log = page.get_by_role("log")

    await say(page, "what's my balance?")
    await expect(log.get_by_text("Savings: ₹2,45,000.00")).to_be_visible()

    await say(page, "send 500 to Ravi")
    await expect(log.get_by_text("Send ₹500.00 to Ravi Kumar")).to_be_visible()
    await log.get_by_role("button", name="Yes").click()
    await expect(log.get_by_text("Sent ₹500.00 to Ravi Kumar")).to_be_visible()
    await expect(log.get_by_role("button", name="Yes")).to_be_disabled()

    await say(page, "what's my balance?")
    await expect(log.get_by_text("Savings: ₹2,44,500.00")).to_be_visible()
    view = await server.container.banking.account(None, server.ids["asha_savings"])
    assert view.balance == 2_44_500_00
    assert problems == []


async def test_markup_in_payee_names_and_messages_is_shown_as_text(
    browser: Any, server: Server
) -> None:
    from playwright.async_api import expect

    page, problems = await open_phone(browser, server)
    log = page.get_by_role("log")

    await say(page, "show my payees")
    await expect(log.get_by_text(EVIL, exact=False).first).to_be_visible()
    await say(page, EVIL)
    await expect(log.locator(".msg.me", has_text=EVIL)).to_be_visible()
    await expect(log.locator(".msg.bot").last).to_be_visible()
    assert await page.locator("#log img").count() == 0
    assert problems == []


async def test_the_chat_fits_a_phone_screen(browser: Any, server: Server) -> None:
    from playwright.async_api import expect

    page, problems = await open_phone(browser, server)
    await say(page, "what's my balance?")
    await expect(page.get_by_role("log").get_by_text("Total: ₹3,03,000.00")).to_be_visible()
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    composer = await page.get_by_role("button", name="Send").bounding_box()
    assert composer is not None
    assert composer["y"] + composer["height"] <= PHONE["height"]
    assert composer["x"] + composer["width"] <= PHONE["width"]
    await expect(page.get_by_label("Message")).to_be_focused()
    assert problems == []


async def test_a_dropped_connection_reconnects_and_the_conversation_carries_on(
    browser: Any, server: Server
) -> None:
    from playwright.async_api import expect

    page, problems = await open_phone(browser, server)
    log = page.get_by_role("log")
    await say(page, "send 500 to Ravi")
    await expect(log.get_by_text("Send ₹500.00 to Ravi Kumar")).to_be_visible()

    server.app[WS_HUB].close_all()  # every socket dropped, as by a restart
    await expect(page.locator("body")).to_have_attribute("data-connections", "2")
    await expect(page.get_by_role("button", name="Send")).to_be_enabled()

    await log.get_by_role("button", name="Yes").click()
    await expect(log.get_by_text("Sent ₹500.00 to Ravi Kumar")).to_be_visible()
    await expect(log.get_by_text("Send ₹500.00 to Ravi Kumar")).to_be_visible()  # still on screen
    convs = await server.container.conversations.list(server.ids["asha"])
    assert [c["channel"] for c in convs] == ["web"]
    assert problems == []


async def test_a_chart_in_a_reply_is_shown(browser: Any, server: Server) -> None:
    from playwright.async_api import expect

    page, problems = await open_phone(browser, server)
    await say(page, "what is my net worth?")
    chart = page.get_by_role("img", name="Chart: Your net worth is")
    await expect(chart).to_be_visible()
    width = await chart.evaluate("img => img.complete ? img.naturalWidth : 0")
    assert width > 0
    assert (await chart.get_attribute("src") or "").startswith("blob:")
    assert problems == []


async def test_a_signed_in_customer_gets_a_telegram_link_code(browser: Any, server: Server) -> None:
    from playwright.async_api import expect

    page, problems = await open_phone(browser, server)
    await page.get_by_role("button", name="Link Telegram").click()
    shown = page.get_by_text("To link Telegram, send /start ")
    await expect(shown).to_be_visible()
    code = (await shown.inner_text()).split("/start ")[1].split()[0]
    linked = await server.container.telegram_links.redeem(424242, code)
    assert linked.id == server.ids["asha"]
    assert problems == []
