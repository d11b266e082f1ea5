"""The audit log on real SQLite and PostgreSQL: append-only, atomic, gap-free, tamper-evident."""

from __future__ import annotations

import asyncio
import os
import stat

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.bootstrap import Container
from bot.ledger_cli import describe
from domain.banking.model import AccountType
from domain.identity.model import Scope
from domain.ledger import events, store
from domain.money import Money


async def _customer(c: Container) -> tuple[str, str, str]:
    asha = await c.identity.create_user("asha", "Asha Verma", "correct-horse-1")
    ops = await c.identity.create_user("ops", "Ops", "correct-horse-3", role=Scope.OPERATOR)
    savings = await c.banking.open_account(asha, AccountType.SAVINGS, "Savings")
    await c.banking.external_posting(
        principal_id=ops,
        idempotency_key="seed",
        account_id=savings.id,
        direction="credit",
        amount=Money(10_000_00),
        counterparty="Opening balance",
    )
    return asha, ops, savings.id


async def _types(c: Container) -> list[str]:
    async with c.db.reading() as conn:
        rows = await conn.execute(text("SELECT event_type FROM ledger_entries ORDER BY seq"))
        return [r[0] for r in rows]


async def test_money_payees_limits_and_tokens_each_leave_an_entry(container: Container) -> None:
    c = container
    asha, _, savings = await _customer(c)
    current = await c.banking.open_account(asha, AccountType.CURRENT, "Current")
    await c.banking.transfer(
        principal_id=asha,
        customer_id=asha,
        idempotency_key="k1",
        from_account_id=savings,
        to_account_id=current.id,
        amount=Money(500_00),
    )
    payee = await c.banking.add_payee(asha, "Ravi Kumar", upi_id="ravi@okaxis")
    await c.banking.delete_payee(asha, payee.id)
    await c.banking.set_limits(asha, {"per_transfer": 5_000_00})
    await c.identity.create_api_token("asha", Scope.CUSTOMER)
    assert await _types(c) == [
        "transfer",
        "transfer",
        "payee_added",
        "payee_deleted",
        "limits_changed",
        "token_created",
    ]


async def test_telegram_linking_and_unlinking_are_recorded(container: Container) -> None:
    c = container
    asha = await c.identity.create_user("asha", "Asha Verma", "correct-horse-1")
    first = await c.telegram_links.new_code(asha)
    await c.telegram_links.redeem(1001, first.code)
    await c.telegram_links.unlink(1001)
    again = await c.telegram_links.new_code(asha)
    await c.telegram_links.redeem(1002, again.code)
    await c.identity.logout_all(asha)
    assert [t for t in await _types(c) if t.startswith("telegram")] == [
        "telegram_linked",
        "telegram_unlinked",
        "telegram_linked",
        "telegram_unlinked",
    ]


async def test_webhook_registrations_are_recorded(container: Container) -> None:
    asha = await container.identity.create_user("asha", "Asha Verma", "correct-horse-1")
    await container.events.webhooks.create(asha, "https://hooks.example.com/swayam", None)
    assert await _types(container) == ["webhook_registered"]


async def test_sign_ins_and_failed_sign_ins_are_recorded(container: Container) -> None:
    await container.identity.create_user("asha", "Asha Verma", "correct-horse-1")
    await container.identity.login("asha", "correct-horse-1")
    with pytest.raises(Exception, match="don't match"):
        await container.identity.login("asha", "wrong-password")
    assert await _types(container) == ["login", "login_failed"]


async def test_a_refused_transfer_leaves_no_entry(container: Container) -> None:
    c = container
    asha, _, savings = await _customer(c)
    current = await c.banking.open_account(asha, AccountType.CURRENT, "Current")
    before = await _types(c)
    with pytest.raises(Exception, match="Not enough money"):
        await c.banking.transfer(
            principal_id=asha,
            customer_id=asha,
            idempotency_key="too-much",
            from_account_id=savings,
            to_account_id=current.id,
            amount=Money(1_00_000_00),
        )
    assert await _types(c) == before


async def test_a_batch_that_fails_in_the_database_leaves_no_entries(container: Container) -> None:
    c = container
    asha, _, savings = await _customer(c)
    current = await c.banking.open_account(asha, AccountType.CURRENT, "Current")
    # A trigger that fails any posting of exactly ₹13.13, as a disk or constraint error would.
    async with c.db.writing() as conn:
        if c.db.is_sqlite:
            await conn.execute(
                text(
                    "CREATE TRIGGER fail_1313 BEFORE INSERT ON postings WHEN abs(NEW.amount) = 1313"
                    " BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
                )
            )
        else:
            await conn.execute(
                text(
                    "CREATE FUNCTION fail_1313() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                    " IF abs(NEW.amount) = 1313 THEN RAISE EXCEPTION 'injected failure'; END IF;"
                    " RETURN NEW; END $$"
                )
            )
            await conn.execute(
                text(
                    "CREATE TRIGGER fail_1313 BEFORE INSERT ON postings"
                    " FOR EACH ROW EXECUTE FUNCTION fail_1313()"
                )
            )
    try:

        async def pay(key: str, minor: int) -> object:
            return await c.banking.transfer(
                principal_id=asha,
                customer_id=asha,
                idempotency_key=key,
                from_account_id=savings,
                to_account_id=current.id,
                amount=Money(minor),
            )

        outcomes = await asyncio.gather(
            pay("a", 100_00), pay("bad", 13_13), pay("b", 200_00), return_exceptions=True
        )
    finally:
        async with c.db.writing() as conn:
            await conn.execute(
                text("DROP TRIGGER fail_1313" + ("" if c.db.is_sqlite else " ON postings"))
            )
            if not c.db.is_sqlite:
                await conn.execute(text("DROP FUNCTION fail_1313()"))
    assert isinstance(outcomes[1], DBAPIError)
    async with c.db.reading() as conn:
        transfers = {r[0] for r in await conn.execute(text("SELECT id FROM transfers"))}
        logged = {
            r[0]
            for r in await conn.execute(
                text("SELECT subject_id FROM ledger_entries WHERE event_type = 'transfer'")
            )
        }
    assert logged == transfers
    assert len(transfers) == 3  # the opening credit and the two good transfers


async def test_the_database_refuses_to_update_or_delete_log_rows(container: Container) -> None:
    c = container
    await c.ledger.append([events.payee_added("usr_x", "pay_x")])
    await c.ledger.checkpoint()
    for statement in (
        "UPDATE ledger_entries SET entry = 'x'",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_checkpoints SET note = 'x'",
        "DELETE FROM ledger_checkpoints",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with c.db.writing() as conn:
                await conn.execute(text(statement))
    async with c.db.reading() as conn:
        assert await store.size(conn) == 1


async def test_concurrent_appends_get_gap_free_ordered_numbers(container: Container) -> None:
    c = container

    async def one(i: int) -> list[int]:
        return await c.ledger.append([events.payee_added("usr_x", f"pay_{i}")] * 3)

    results = await asyncio.gather(*(one(i) for i in range(20)))
    seqs = sorted(s for r in results for s in r)
    assert seqs == list(range(60))
    assert all(r == list(range(r[0], r[0] + 3)) for r in results)


async def _tamper(c: Container, sql: str, params: dict[str, object]) -> None:
    """Change a row behind the triggers' back, as someone with the database file could."""
    async with c.db.writing() as conn:
        if c.db.is_sqlite:
            await conn.execute(text("DROP TRIGGER ledger_entries_no_update"))
            await conn.execute(text(sql), params)
        else:
            await conn.execute(text("ALTER TABLE ledger_entries DISABLE TRIGGER USER"))
            await conn.execute(text(sql), params)
            await conn.execute(text("ALTER TABLE ledger_entries ENABLE TRIGGER USER"))


@pytest.mark.parametrize("seq", [0, 6, 11])
async def test_verify_names_the_changed_entry(container: Container, seq: int) -> None:
    c = container
    await c.ledger.append([events.payee_added("usr_x", f"pay_{i}") for i in range(8)])
    await c.ledger.checkpoint()
    await c.ledger.append([events.payee_added("usr_x", f"pay_{i}") for i in range(8, 12)])
    assert (await c.ledger.verify_all()).ok
    async with c.db.reading() as conn:
        original = await store.entry(conn, seq)
    assert original is not None
    changed = original.entry.replace("pay_", "paY_", 1)
    await _tamper(
        c, "UPDATE ledger_entries SET entry = :e WHERE seq = :s", {"e": changed, "s": seq}
    )
    report = await c.ledger.verify_all()
    assert not report.ok
    assert report.first_bad_seq == seq
    assert f"First bad entry: seq {seq}" in describe(report)


async def test_rewriting_an_entry_and_its_hash_breaks_the_checkpoint_and_stops_signing(
    container: Container,
) -> None:
    from domain.ledger import merkle
    from domain.ledger.service import LedgerTampered

    c = container
    await c.ledger.append([events.payee_added("usr_x", f"pay_{i}") for i in range(8)])
    await c.ledger.checkpoint()
    async with c.db.reading() as conn:
        original = await store.entry(conn, 3)
    assert original is not None
    forged = original.entry.replace("pay_3", "pay_9")
    await _tamper(
        c,
        "UPDATE ledger_entries SET entry = :e, leaf_hash = :h WHERE seq = 3",
        {"e": forged, "h": merkle.leaf_hash(forged.encode())},
    )
    report = await c.ledger.verify_all()
    assert [p.message for p in report.problems] == [
        "entries 0 to 7 do not match the checkpoint signed at size 8"
    ]
    await c.ledger.append([events.payee_added("usr_x", "pay_new")])
    fresh = type(c.ledger)(c.db, c.clock, c.ledger.keys, origin=c.ledger.origin)
    with pytest.raises(LedgerTampered):
        await fresh.checkpoint()


async def test_checkpoints_are_signed_when_enough_entries_arrive(container: Container) -> None:
    c = container
    assert not await c.ledger.due()
    await c.ledger.append([events.payee_added("usr_x", "pay_1")])
    assert await c.ledger.due()  # the first entry is never left unsigned
    first = await c.ledger.checkpoint()
    assert first is not None and first.size == 1
    await c.ledger.append([events.payee_added("usr_x", "pay_2")])
    assert not await c.ledger.due()
    from datetime import timedelta

    c.clock.advance(timedelta(seconds=61))  # type: ignore[attr-defined]
    assert await c.ledger.due()


def test_the_signing_key_is_made_on_first_run_readable_by_its_owner_only(
    container: Container,
) -> None:
    key = container.settings.data_dir / "ledger" / "signing.key"
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert key.read_text().startswith("PRIVATE+KEY+swayam.local/ledger+")
