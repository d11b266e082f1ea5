"""The money engine on real SQLite and PostgreSQL: group commit, idempotency, holds, limits."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.bootstrap import Container
from domain import schema
from domain.banking.commands import ExternalPosting
from domain.banking.engine import Receipt
from domain.banking.service import BankingService
from domain.clock import ManualClock
from domain.errors import Conflict, InvalidInput, NotFound, Rejected
from domain.money import Money
from tests.integration.banking.ledger import (
    OPERATOR,
    add_operator,
    add_user,
    check_ledger,
    funded_account,
    key,
)


@pytest.fixture
async def banking(container: Container) -> BankingService:
    await add_operator(container)
    return container.banking


@pytest.fixture
async def asha(container: Container, banking: BankingService) -> str:
    return await add_user(container.db, container.clock, "asha")


async def pay(
    banking: BankingService,
    customer: str,
    source: str,
    minor: int,
    *,
    to: str | None = None,
    payee: str | None = None,
    idempotency_key: str | None = None,
) -> Receipt:
    return await banking.transfer(
        principal_id=customer,
        customer_id=customer,
        idempotency_key=idempotency_key or key(),
        from_account_id=source,
        to_account_id=to,
        payee_id=payee,
        amount=Money(minor),
    )


async def transfer_count(container: Container) -> int:
    async with container.db.reading() as conn:
        query = select(func.count()).select_from(schema.transfers)
        return int((await conn.execute(query)).scalar_one())


# -- group commit -----------------------------------------------------------------


async def test_group_commit_applies_200_concurrent_transfers_in_fewer_batches(
    container: Container, banking: BankingService
) -> None:
    customers = [await add_user(container.db, container.clock, f"cust{i}") for i in range(5)]
    accounts = {
        c: [await funded_account(banking, c, 1_000_000) for _ in range(3)] for c in customers
    }
    rng = random.Random(7)
    batches, commands = container.engine.batches, container.engine.commands

    async def one(i: int) -> Receipt:
        customer = customers[i % len(customers)]
        src, dst = rng.sample(accounts[customer], 2)
        return await pay(banking, customer, src, rng.randint(1, 5_000), to=dst)

    receipts = await asyncio.gather(*(one(i) for i in range(200)))

    assert len({r.id for r in receipts}) == 200
    assert not any(r.replayed for r in receipts)
    assert container.engine.commands - commands == 200
    assert container.engine.batches - batches < 200
    ledger = await check_ledger(container.db)
    assert ledger.transfers == 200 + 15  # and the 15 opening deposits
    for customer in customers:
        assert sum(ledger.balances[a] for a in accounts[customer]) == 3_000_000


async def test_one_failing_command_does_not_spoil_its_batch(
    container: Container, banking: BankingService, asha: str
) -> None:
    rich = await funded_account(banking, asha, 100_000)
    poor = await funded_account(banking, asha, 0)
    good = [pay(banking, asha, rich, 1_000, to=poor) for _ in range(20)]
    broke = pay(banking, asha, poor, 10**9, to=rich)
    outcomes = await asyncio.gather(*good[:10], broke, *good[10:], return_exceptions=True)

    refused = outcomes.pop(10)
    assert isinstance(refused, Rejected) and refused.code == "insufficient_funds"
    assert all(isinstance(o, Receipt) for o in outcomes)
    ledger = await check_ledger(container.db)
    assert ledger.balances[poor] == 20_000


async def test_a_command_the_database_refuses_is_split_out_and_the_rest_commit(
    container: Container, banking: BankingService, asha: str
) -> None:
    # An unknown principal breaks a foreign key only at INSERT time, failing
    # the whole batch transaction; the engine must retry the others alone.
    rich = await funded_account(banking, asha, 100_000)
    poor = await funded_account(banking, asha, 0)
    ghost = ExternalPosting(
        principal_id="usr_ghost",
        idempotency_key=key(),
        account_id=poor,
        direction="credit",
        amount=Money(5),
        counterparty="Nobody",
    )
    good = [pay(banking, asha, rich, 1_000, to=poor) for _ in range(10)]
    outcomes = await asyncio.gather(
        *good[:5], container.engine.submit(ghost), *good[5:], return_exceptions=True
    )

    assert isinstance(outcomes.pop(5), IntegrityError)
    assert all(isinstance(o, Receipt) for o in outcomes)
    ledger = await check_ledger(container.db)
    assert ledger.balances[poor] == 10_000


# -- idempotency ----------------------------------------------------------------------


async def test_an_identical_resend_returns_the_original_receipt(
    container: Container, banking: BankingService, asha: str
) -> None:
    a = await funded_account(banking, asha, 10_000)
    b = await funded_account(banking, asha, 0)
    first = await pay(banking, asha, a, 2_500, to=b, idempotency_key="same")
    again = await pay(banking, asha, a, 2_500, to=b, idempotency_key="same")

    assert not first.replayed and again.replayed
    assert again.id == first.id and again.result == first.result
    ledger = await check_ledger(container.db)
    assert ledger.balances[b] == 2_500


async def test_a_caller_that_goes_away_still_gets_its_command_applied_once(
    container: Container, banking: BankingService, asha: str
) -> None:
    a = await funded_account(banking, asha, 10_000)
    b = await funded_account(banking, asha, 0)
    waiting = asyncio.create_task(pay(banking, asha, a, 2_500, to=b, idempotency_key="gone"))
    await asyncio.sleep(0)  # submitted, its batch not yet committed
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    again = await pay(banking, asha, a, 2_500, to=b, idempotency_key="gone")

    assert again.replayed
    ledger = await check_ledger(container.db)
    assert ledger.balances[b] == 2_500


async def test_the_same_key_with_a_different_payload_is_a_conflict(
    container: Container, banking: BankingService, asha: str
) -> None:
    a = await funded_account(banking, asha, 10_000)
    b = await funded_account(banking, asha, 0)
    await pay(banking, asha, a, 2_500, to=b, idempotency_key="same")
    with pytest.raises(Conflict) as info:
        await pay(banking, asha, a, 2_600, to=b, idempotency_key="same")
    assert info.value.code == "idempotency_key_reused"
    assert (await check_ledger(container.db)).balances[b] == 2_500


async def test_keys_belong_to_their_sender(
    container: Container, banking: BankingService, asha: str
) -> None:
    ravi = await add_user(container.db, container.clock, "ravi")
    a1, a2 = await funded_account(banking, asha, 10_000), await funded_account(banking, asha, 0)
    r1, r2 = await funded_account(banking, ravi, 10_000), await funded_account(banking, ravi, 0)
    mine = await pay(banking, asha, a1, 100, to=a2, idempotency_key="shared")
    theirs = await pay(banking, ravi, r1, 200, to=r2, idempotency_key="shared")
    assert mine.id != theirs.id and not theirs.replayed


async def test_a_key_refused_for_lack_of_funds_stays_refused_after_funds_arrive(
    container: Container, banking: BankingService, asha: str
) -> None:
    a = await funded_account(banking, asha, 1_000)
    b = await funded_account(banking, asha, 0)
    with pytest.raises(Rejected) as first:
        await pay(banking, asha, a, 5_000, to=b, idempotency_key="early")
    await banking.external_posting(
        principal_id=OPERATOR,
        idempotency_key=key(),
        account_id=a,
        direction="credit",
        amount=Money(100_000),
        counterparty="Salary",
    )
    with pytest.raises(Rejected) as again:
        await pay(banking, asha, a, 5_000, to=b, idempotency_key="early")

    assert again.value.code == first.value.code == "insufficient_funds"
    assert again.value.message == first.value.message
    assert (await check_ledger(container.db)).balances[b] == 0
    # A new key is a new request, and it goes through.
    await pay(banking, asha, a, 5_000, to=b)


async def test_a_key_refused_as_not_found_stays_refused(
    container: Container, banking: BankingService, asha: str
) -> None:
    a = await funded_account(banking, asha, 1_000)
    with pytest.raises(NotFound):
        await pay(banking, asha, a, 10, to="acc_not_yet", idempotency_key="nf")
    with pytest.raises(NotFound) as again:
        await pay(banking, asha, a, 10, to="acc_not_yet", idempotency_key="nf")
    assert again.value.code == "account_not_found"


async def test_invalid_input_is_not_stored_so_the_key_can_be_reused(
    container: Container, banking: BankingService, asha: str
) -> None:
    a = await funded_account(banking, asha, 10_000)
    b = await funded_account(banking, asha, 0)
    with pytest.raises(InvalidInput) as info:
        await banking.transfer(
            principal_id=asha,
            customer_id=asha,
            idempotency_key="fixable",
            from_account_id=a,
            to_account_id=b,
            amount=Money(100, "USD"),
        )
    assert info.value.code == "currency_mismatch"
    receipt = await pay(banking, asha, a, 100, to=b, idempotency_key="fixable")
    assert not receipt.replayed


async def test_concurrent_submissions_of_one_key_make_exactly_one_transfer(
    container: Container, banking: BankingService, asha: str
) -> None:
    a = await funded_account(banking, asha, 10_000)
    b = await funded_account(banking, asha, 0)
    before = await transfer_count(container)
    receipts = await asyncio.gather(
        *(pay(banking, asha, a, 700, to=b, idempotency_key="once") for _ in range(30))
    )
    assert len({r.id for r in receipts}) == 1
    assert sum(not r.replayed for r in receipts) == 1
    assert await transfer_count(container) == before + 1
    assert (await check_ledger(container.db)).balances[b] == 700


# -- holds ------------------------------------------------------------------------------


async def place(
    banking: BankingService, customer: str, src: str, dst: str, minor: int, expires: datetime
) -> str:
    receipt = await banking.place_hold(
        principal_id=customer,
        customer_id=customer,
        idempotency_key=key(),
        account_id=src,
        to_account_id=dst,
        amount=Money(minor),
        expires_at=expires,
    )
    return receipt.id


async def test_a_hold_posted_in_part_releases_the_rest(
    container: Container, banking: BankingService, asha: str, clock: ManualClock
) -> None:
    a = await funded_account(banking, asha, 10_000)
    b = await funded_account(banking, asha, 0)
    hold_id = await place(banking, asha, a, b, 6_000, clock.now() + timedelta(hours=1))
    assert (await banking.account(asha, a)).available == 4_000

    receipt = await banking.post_hold(
        principal_id=asha,
        customer_id=asha,
        idempotency_key=key(),
        hold_id=hold_id,
        amount=Money(2_000),
    )
    assert receipt.result["status"] == "posted"
    assert receipt.result["posted_amount"]["minor"] == 2_000
    account = await banking.account(asha, a)
    assert (account.balance, account.held) == (8_000, 0)
    transfer = await banking.get_transfer(asha, receipt.result["transfer_id"])
    assert transfer.hold_id == hold_id
    await check_ledger(container.db)


async def test_an_expired_hold_cannot_be_posted_and_its_funds_come_back(
    container: Container, banking: BankingService, asha: str, clock: ManualClock
) -> None:
    a = await funded_account(banking, asha, 10_000)
    b = await funded_account(banking, asha, 0)
    hold_id = await place(banking, asha, a, b, 6_000, clock.now() + timedelta(minutes=30))
    clock.advance(timedelta(minutes=30))

    assert (await banking.get_hold(asha, hold_id)).status.value == "expired"
    with pytest.raises(Rejected) as info:
        await banking.post_hold(
            principal_id=asha, customer_id=asha, idempotency_key=key(), hold_id=hold_id
        )
    assert info.value.code == "hold_not_pending"
    # Spending all of it needs no sweep: the engine releases expired holds it meets.
    await pay(banking, asha, a, 10_000, to=b)
    await check_ledger(container.db)


async def test_the_sweep_releases_every_expired_hold_and_only_those(
    container: Container, banking: BankingService, asha: str, clock: ManualClock
) -> None:
    a = await funded_account(banking, asha, 10_000)
    b = await funded_account(banking, asha, 0)
    soon = [
        await place(banking, asha, a, b, 1_000, clock.now() + timedelta(minutes=5))
        for _ in range(3)
    ]
    late = await place(banking, asha, a, b, 2_000, clock.now() + timedelta(hours=5))
    assert await container.engine.expire_holds() == 0

    clock.advance(timedelta(minutes=10))
    assert await container.engine.expire_holds() == 3
    assert await container.engine.expire_holds() == 0

    for hold_id in soon:
        assert (await banking.get_hold(asha, hold_id)).status.value == "expired"
    assert (await banking.get_hold(asha, late)).status.value == "pending"
    assert (await banking.account(asha, a)).held == 2_000
    await check_ledger(container.db)


async def test_a_voided_hold_frees_its_funds(
    container: Container, banking: BankingService, asha: str, clock: ManualClock
) -> None:
    a = await funded_account(banking, asha, 10_000)
    b = await funded_account(banking, asha, 0)
    hold_id = await place(banking, asha, a, b, 10_000, clock.now() + timedelta(hours=1))
    with pytest.raises(Rejected):
        await pay(banking, asha, a, 1, to=b)
    await banking.void_hold(
        principal_id=asha, customer_id=asha, idempotency_key=key(), hold_id=hold_id
    )
    await pay(banking, asha, a, 10_000, to=b)
    await check_ledger(container.db)


# -- limits -----------------------------------------------------------------------------


@pytest.fixture
async def payee(banking: BankingService, asha: str) -> str:
    return (await banking.add_payee(asha, "Ravi Kumar", upi_id="ravi@oksbi")).id


async def test_the_daily_limit_resets_at_midnight_in_the_customers_zone(
    container: Container, banking: BankingService, asha: str, payee: str, clock: ManualClock
) -> None:
    await banking.set_limits(asha, {"per_transfer": 5_000, "daily": 10_000})
    a = await funded_account(banking, asha, 1_000_000)
    await pay(banking, asha, a, 5_000, payee=payee)
    await pay(banking, asha, a, 5_000, payee=payee)
    with pytest.raises(Rejected) as info:
        await pay(banking, asha, a, 1, payee=payee)
    assert info.value.code == "limit_daily"

    clock.set(datetime(2026, 11, 16, 18, 29, tzinfo=UTC))  # 23:59 IST, same day
    with pytest.raises(Rejected):
        await pay(banking, asha, a, 1, payee=payee)
    clock.set(datetime(2026, 11, 16, 18, 30, tzinfo=UTC))  # 00:00 IST, the next day
    await pay(banking, asha, a, 5_000, payee=payee)
    await check_ledger(container.db)


async def test_own_transfers_are_not_limited(
    container: Container, banking: BankingService, asha: str
) -> None:
    await banking.set_limits(asha, {"per_transfer": 5_000, "daily": 10_000})
    a = await funded_account(banking, asha, 1_000_000)
    b = await funded_account(banking, asha, 0)
    await pay(banking, asha, a, 500_000, to=b)


async def test_the_weekly_limit_resets_on_monday_and_the_monthly_on_the_first(
    container: Container, banking: BankingService, asha: str, payee: str, clock: ManualClock
) -> None:
    await banking.set_limits(
        asha, {"per_transfer": 5_000, "daily": 5_000, "weekly": 10_000, "monthly": 15_000}
    )
    a = await funded_account(banking, asha, 1_000_000)
    await pay(banking, asha, a, 5_000, payee=payee)  # Monday 16 Nov
    clock.advance(timedelta(days=1))
    await pay(banking, asha, a, 5_000, payee=payee)  # Tuesday
    clock.advance(timedelta(days=1))
    with pytest.raises(Rejected) as weekly:
        await pay(banking, asha, a, 1, payee=payee)
    assert weekly.value.code == "limit_weekly"
    assert "you can still send ₹0.00" in weekly.value.message

    clock.set(datetime(2026, 11, 22, 18, 30, tzinfo=UTC))  # Monday 23 Nov, 00:00 IST
    await pay(banking, asha, a, 5_000, payee=payee)
    clock.advance(timedelta(days=1))
    with pytest.raises(Rejected) as monthly:
        await pay(banking, asha, a, 1, payee=payee)
    assert monthly.value.code == "limit_monthly"

    clock.set(datetime(2026, 11, 30, 18, 30, tzinfo=UTC))  # 1 Dec, 00:00 IST
    await pay(banking, asha, a, 5_000, payee=payee)


async def test_a_customer_in_another_zone_has_their_own_midnight(
    container: Container, banking: BankingService, clock: ManualClock
) -> None:
    lon = await add_user(container.db, clock, "priya", timezone="Europe/London")
    payee = (await banking.add_payee(lon, "Ravi Kumar", upi_id="ravi@oksbi")).id
    await banking.set_limits(lon, {"per_transfer": 5_000, "daily": 5_000})
    a = await funded_account(banking, lon, 100_000)
    await pay(banking, lon, a, 5_000, payee=payee)
    clock.set(datetime(2026, 11, 16, 18, 30, tzinfo=UTC))  # Indian midnight, London 18:30
    with pytest.raises(Rejected):
        await pay(banking, lon, a, 1, payee=payee)
    clock.set(datetime(2026, 11, 17, 0, 0, tzinfo=UTC))  # London midnight
    await pay(banking, lon, a, 5_000, payee=payee)
