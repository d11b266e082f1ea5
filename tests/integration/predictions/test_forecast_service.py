"""Forecasts, anomalies and Balance Watch on the loaded demo bank, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from bot import demo as demo_loader
from bot.bootstrap import Container
from domain.errors import InvalidInput
from domain.money import Money
from domain.predictions.forecast_service import ForecastService

TODAY = date(2026, 11, 16)  # the clock's day in Kolkata


async def asha(container: Container) -> str:
    await demo_loader.load(container, today=TODAY)
    user = await container.identity.get_user_by_username("asha")
    assert user is not None
    return user.id


def forecasts(container: Container) -> ForecastService:
    assert container.forecasts is not None
    return container.forecasts


async def test_the_demo_forecast_finds_ashas_salary_and_rent(container: Container) -> None:
    result = await forecasts(container).forecast(await asha(container))
    items = {(i.counterparty, i.direction): i for i in result.recurring}
    salary, rent = items[("Acme Corp", "credit")], items[("Mehta Properties", "debit")]
    assert (salary.amount, salary.next) == (85_000_00, date(2026, 12, 1))
    assert (rent.amount, rent.next) == (28_000_00, date(2026, 12, 1))
    assert ("Netflix", "debit") in items and ("Swiggy", "debit") not in items
    # Savings and current, less this morning's top-up to trading: cash only.
    assert result.balance == 2_45_000_00 + 58_000_00
    assert [d.day for d in result.days][:2] == [date(2026, 11, 17), date(2026, 11, 18)]
    assert result.watch.risk == "ok" and result.watch.until == date(2026, 12, 1)


async def test_anomalies_find_the_planted_duplicate_charge(container: Container) -> None:
    flags = await forecasts(container).anomalies(await asha(container))
    dupes = [f for f in flags if f.kind == "duplicate_charge"]
    assert [f.reason for f in dupes] == ["Swiggy charged ₹486.00 twice within a day."]
    everyone = await forecasts(container).all_anomalies(days=90)
    assert any(f.kind == "duplicate_charge" for _, f in everyone)


async def test_a_minimum_above_the_forecast_raises_balance_watch(container: Container) -> None:
    who = await asha(container)
    service = forecasts(container)
    await service.set_minimum(who, Money(3_00_000_00))
    assert await service.minimum(who) == 3_00_000_00
    watch = (await service.forecast(who)).watch
    assert watch.risk == "likely" and watch.warning is not None
    await service.set_minimum(who, Money(0))
    assert (await service.forecast(who)).watch.risk == "ok"


@pytest.mark.parametrize(
    ("minimum", "code"),
    [
        (Money(-1), "invalid_minimum"),
        (Money(10**13), "invalid_minimum"),
        (Money(5, "USD"), "unsupported_currency"),
    ],
)
async def test_a_bad_minimum_is_refused_and_changes_nothing(
    container: Container, minimum: Money, code: str
) -> None:
    who = await asha(container)
    with pytest.raises(InvalidInput) as refused:
        await forecasts(container).set_minimum(who, minimum)
    assert refused.value.code == code
    assert await forecasts(container).minimum(who) == 0
