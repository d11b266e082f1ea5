"""The feature builder on hand-built histories, on every backend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import numpy as np
import pytest

from domain.db import Database, connect
from domain.predictions.features import FEATURES, build_features
from domain.predictions.history import HistoryWriter
from tests.conftest import T0

DAY = timedelta(days=1)


def rupees(n: int) -> int:
    return n * 100


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = connect(database_url, pool_size=2)
    try:
        yield database
    finally:
        await database.dispose()


async def write_histories(db: Database) -> dict[str, str]:
    h = HistoryWriter(prefix="t")
    asha = h.customer("asha", T0 - 400 * DAY)
    savings = h.account(asha, "savings", T0 - 400 * DAY)
    fd = h.account(asha, "fixed_deposit", T0 - 50 * DAY)
    trading = h.account(asha, "trading", T0 - 20 * DAY)
    h.credit(savings, rupees(20_000), T0 - 300 * DAY)
    h.spend(savings, rupees(3_000), T0 - 100 * DAY)
    for days in (65, 35, 5):
        h.credit(savings, rupees(50_000), T0 - days * DAY, category="salary")
    h.move(savings, fd, rupees(10_000), T0 - 50 * DAY)
    h.spend(savings, rupees(2_000), T0 - 40 * DAY, category="food")
    h.move(savings, trading, rupees(5_000), T0 - 20 * DAY)
    h.trade(trading, rupees(2_000), rupees(20), T0 - 10 * DAY)
    h.spend(savings, rupees(1_000), T0 - 2 * DAY)
    h.spend(savings, rupees(500), T0 + DAY)  # after the cutoff: never seen
    h.rejected_order(trading, T0 - 3 * DAY)
    h.expired_hold(savings, rupees(100), T0 - 4 * DAY)
    h.ticket(asha, T0 - 10 * DAY)
    h.ticket(asha, T0 - 200 * DAY)
    for days in (1, 2, 40):
        h.login(asha, T0 - days * DAY)
    h.device(asha, T0 - 300 * DAY)
    h.device(asha, T0 - 30 * DAY)
    for days, read in ((1, True), (5, False), (20, False), (80, False), (100, True)):
        h.notification(asha, T0 - days * DAY, read=read)
    alert = h.rule(asha, T0 - 60 * DAY)
    h.rule(asha, T0 - 50 * DAY, status="paused", changed=T0 - 5 * DAY)
    h.rule(asha, T0 - 70 * DAY, status="deleted", changed=T0 - 20 * DAY)
    h.rule(asha, T0 - 45 * DAY, status="deleted", changed=T0 + 5 * DAY)  # deleted later
    h.rule(asha, T0 + DAY)  # created after the cutoff
    for days in (100, 40, 10, -1):  # done: one too old, two in the window, one after
        h.rule_run(alert, asha, T0 - days * DAY)
    h.rule_run(alert, asha, T0 - 5 * DAY, status="failed")

    vikram = h.customer("vikram", T0 - 60 * DAY)
    h.credit(h.account(vikram, "savings", T0 - 60 * DAY), rupees(1_000), T0 - 59 * DAY)
    later = h.customer("later", T0 + 2 * DAY)  # joins after the cutoff
    async with db.writing() as conn:
        await h.write(conn)
    return {"asha": asha, "vikram": vikram, "later": later}


async def test_features_count_each_behaviour_in_its_window(db: Database) -> None:
    ids = await write_histories(db)
    async with db.reading() as conn:
        features = await build_features(conn, T0)

    assert sorted(features.customer_ids) == sorted([ids["asha"], ids["vikram"]])
    asha = features.row(ids["asha"])
    assert asha == pytest.approx(
        {
            "tenure_days": 400.0,
            "days_since_last_activity": 2.0,
            "txns_30d": 3.0,  # the spend, the move to trading, the trade
            "txns_90d": 5.0,  # and the deposit and the food spend
            "spend_30d": 1_000.0,
            "spend_90d": 3_000.0,
            "avg_spend_90d": 1_500.0,
            "inflow_90d": 150_000.0,
            "balance": 149_000.0,
            "balance_trend_30d": (149_000 - 105_000) / 105_000,
            "salary_regularity": 1.0,
            "has_trading": 1.0,
            "trades_90d": 1.0,
            "has_fd": 1.0,
            "active_rules": 3.0,  # active, paused, and the one deleted after the cutoff
            "rule_runs_90d": 2.0,
            "tickets_90d": 1.0,
            "declined_90d": 2.0,
            "logins_30d": 2.0,
            "devices": 2.0,
            "notifications_90d": 4.0,
            "notification_read_rate": (1 + 1) / (4 + 2),
        }
    )


async def test_a_customer_with_no_activity_reads_as_long_inactive(db: Database) -> None:
    ids = await write_histories(db)
    async with db.reading() as conn:
        features = await build_features(conn, T0)
    vikram = features.row(ids["vikram"])
    assert vikram["tenure_days"] == pytest.approx(60.0)
    assert vikram["days_since_last_activity"] == 365.0
    assert vikram["inflow_90d"] == 1_000.0
    assert vikram["salary_regularity"] == 0.0
    assert vikram["has_trading"] == vikram["has_fd"] == 0.0
    assert vikram["active_rules"] == vikram["rule_runs_90d"] == 0.0
    assert vikram["notification_read_rate"] == 0.5


async def test_serving_one_customer_gives_the_row_training_sees(db: Database) -> None:
    ids = await write_histories(db)
    async with db.reading() as conn:
        everyone = await build_features(conn, T0)
    async with db.lookup() as conn:
        one = await build_features(conn, T0, [ids["asha"]])
    assert one.customer_ids == [ids["asha"]]
    assert one.values.shape == (1, len(FEATURES))
    np.testing.assert_allclose(
        one.values[0], everyone.values[everyone.customer_ids.index(ids["asha"])]
    )


async def test_an_earlier_cutoff_sees_an_earlier_history(db: Database) -> None:
    ids = await write_histories(db)
    async with db.reading() as conn:
        features = await build_features(conn, T0 - 30 * DAY, [ids["asha"], "usr_missing"])
    assert features.customer_ids == [ids["asha"]]
    asha = features.row(ids["asha"])
    assert asha["balance"] == 105_000.0
    assert asha["has_trading"] == 0.0  # opened ten days later
    assert asha["days_since_last_activity"] == pytest.approx(10.0)  # the food spend
    assert asha["active_rules"] == 4.0  # the one deleted 20 days before T0 still ran then
    assert asha["rule_runs_90d"] == 2.0  # 100 and 40 days before T0
