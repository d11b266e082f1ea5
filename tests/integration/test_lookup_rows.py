"""Driver-SQL look-ups on both backends: ``?`` marks, rows as plain tuples."""

from __future__ import annotations

from bot.bootstrap import Container
from tests.integration.banking.ledger import add_user


async def test_a_lookup_in_driver_sql_reads_the_same_rows_on_every_backend(
    container: Container,
) -> None:
    asha = await add_user(container.db, container.clock, "asha")
    rows = await container.db.lookup_rows(
        "SELECT id, username FROM users WHERE id = ? AND role = ?", (asha, "customer")
    )
    assert rows == [(asha, "asha")]
    assert await container.db.lookup_rows("SELECT id FROM users WHERE id = ?", ("nobody",)) == []
