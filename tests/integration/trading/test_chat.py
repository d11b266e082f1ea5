"""Trading and wealth in chat: confirmations show price, quantity, charges and total."""

from __future__ import annotations

from bot.bootstrap import Container
from bot.replies import Reply
from domain.banking.model import AccountType
from domain.money import Money
from tests.integration.chat_customer import Seeded, seed_asha


async def _say(container: Container, seeded: Seeded, text: str) -> list[Reply]:
    return (await container.assistant.handle(seeded.customer, text=text)).replies


async def _trader(container: Container) -> Seeded:
    seeded = await seed_asha(container)
    banking = container.banking
    account = await banking.open_account(seeded.customer.id, AccountType.TRADING, "Trading")
    await banking.transfer(
        principal_id=seeded.customer.id,
        customer_id=seeded.customer.id,
        idempotency_key="fund",
        from_account_id=seeded.accounts["Savings"],
        to_account_id=account.id,
        amount=Money(1_00_000_00),
    )
    return seeded


async def test_buying_asks_first_with_charges_and_total_then_places_one_order(
    container: Container,
) -> None:
    seeded = await _trader(container)
    [ask] = await _say(container, seeded, "buy 5 infy")
    labels = dict(ask.cards[0].rows)
    assert {"Quantity", "Price", "Estimated charges", "Total to pay"} <= set(labels)
    assert labels["Quantity"] == "5"
    assert [b.label for b in ask.buttons] == ["Yes", "No"]
    assert await container.markets.trading.orders(seeded.customer.id) == []
    [done] = await _say(container, seeded, "yes")
    assert done.text.startswith("Done. Bought 5 INFY")
    [order] = await container.markets.trading.orders(seeded.customer.id)
    assert order.status.value == "filled"
    again = await _say(container, seeded, "yes")
    assert "nothing waiting" in again[0].text
    assert len(await container.markets.trading.orders(seeded.customer.id)) == 1


async def test_a_correction_changes_the_quantity_and_asks_again(container: Container) -> None:
    seeded = await _trader(container)
    await _say(container, seeded, "buy 5 tcs")
    [ask] = await _say(container, seeded, "no, make it 2 shares")
    assert dict(ask.cards[0].rows)["Quantity"] == "2"
    [stop] = await _say(container, seeded, "no")
    assert "won't" in stop.text
    assert await container.markets.trading.orders(seeded.customer.id) == []


async def test_closing_a_position_sells_everything_held_after_a_yes(container: Container) -> None:
    seeded = await _trader(container)
    await _say(container, seeded, "buy 3 reliance")
    await _say(container, seeded, "yes")
    [ask] = await _say(container, seeded, "close my reliance position")
    assert dict(ask.cards[0].rows)["Quantity"] == "3"
    await _say(container, seeded, "yes")
    assert await container.markets.trading.portfolio(seeded.customer.id) is not None
    holdings = await container.markets.trading.holdings(seeded.customer.id)
    assert [h.quantity for h in holdings] == [0]


async def test_questions_about_prices_portfolio_and_wealth_are_answered(
    container: Container,
) -> None:
    seeded = await _trader(container)
    [price] = await _say(container, seeded, "price of reliance")
    assert price.text.startswith("RELIANCE is ₹")
    await _say(container, seeded, "buy 2 infy")
    await _say(container, seeded, "yes")
    portfolio = await _say(container, seeded, "show my portfolio")
    assert "INFY × 2" in dict(portfolio[0].cards[0].rows)
    worth = await _say(container, seeded, "what is my net worth")
    assert worth[0].text.startswith("Your net worth is ₹")
    assert worth[0].image_url is not None and worth[0].image_url.startswith("/charts/")
    health = await _say(container, seeded, "how healthy are my finances")
    assert "/100 (grade " in health[0].text
    advice = await _say(container, seeded, "where should I invest")
    assert "weakest area" in advice[0].text
    orders = await _say(container, seeded, "status of my orders")
    assert orders[0].cards


async def test_the_demo_gives_asha_infy_tcs_reliance_and_niftybees(container: Container) -> None:
    from bot import demo

    await demo.load(container)
    asha = await container.identity.get_user_by_username("asha")
    assert asha is not None
    portfolio = await container.markets.trading.portfolio(asha.id)
    assert {p.symbol for p in portfolio.positions} == {"INFY", "TCS", "RELIANCE", "NIFTYBEES"}
    await demo.load(container)  # a second run adds nothing
    assert len((await container.markets.trading.portfolio(asha.id)).positions) == 4
