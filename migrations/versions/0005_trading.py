"""Trading and wealth: orders, trades, holdings, price alerts, net-worth snapshots,
and the bank's exchange and charges accounts.

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.String(length=40)
_TIME = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "trading_orders",
        sa.Column("id", _ID, nullable=False),
        sa.Column("customer_id", _ID, nullable=False),
        sa.Column("client_order_id", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", _ID, nullable=False),
        sa.Column("symbol", sa.String(length=20), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("order_type", sa.String(length=10), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("limit_price", sa.BigInteger(), nullable=True),
        sa.Column("trigger_price", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("filled_quantity", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("filled_value", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("charges", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("hold_id", _ID, nullable=True),
        sa.Column("amo", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("triggered", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("valid_until", _TIME, nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_trading_orders_quantity_positive")),
        sa.CheckConstraint("side IN ('buy', 'sell')", name=op.f("ck_trading_orders_side")),
        sa.CheckConstraint(
            "order_type IN ('market', 'limit', 'stop_loss')",
            name=op.f("ck_trading_orders_order_type"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'partially_filled', 'filled', 'cancelled', 'rejected', 'expired')",
            name=op.f("ck_trading_orders_status"),
        ),
        _fk("trading_orders", "customer_id", "users"),
        _fk("trading_orders", "account_id", "accounts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trading_orders")),
    )
    op.create_index(
        "ix_trading_orders_client",
        "trading_orders",
        ["customer_id", "client_order_id"],
        unique=True,
    )
    op.create_index(
        "ix_trading_orders_status", "trading_orders", ["status", "valid_until"], unique=False
    )
    op.create_table(
        "trading_trades",
        sa.Column("id", _ID, nullable=False),
        sa.Column("order_id", _ID, nullable=False),
        sa.Column("customer_id", _ID, nullable=False),
        sa.Column("symbol", sa.String(length=20), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("charges", sa.BigInteger(), nullable=False),
        sa.Column("charge_lines", sa.Text(), nullable=False),
        sa.Column("transfer_id", _ID, nullable=True),
        sa.Column("executed_at", _TIME, nullable=False),
        _fk("trading_trades", "order_id", "trading_orders"),
        _fk("trading_trades", "customer_id", "users"),
        _fk("trading_trades", "transfer_id", "transfers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trading_trades")),
    )
    op.create_index(
        op.f("ix_trading_trades_order_id"), "trading_trades", ["order_id"], unique=False
    )
    op.create_index(
        "ix_trading_trades_customer", "trading_trades", ["customer_id", "executed_at"], unique=False
    )
    op.create_table(
        "holdings",
        sa.Column("customer_id", _ID, nullable=False),
        sa.Column("symbol", sa.String(length=20), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("cost", sa.BigInteger(), nullable=False),
        sa.Column("realised_pnl", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_holdings_quantity_non_negative")),
        _fk("holdings", "customer_id", "users"),
        sa.PrimaryKeyConstraint("customer_id", "symbol", name=op.f("pk_holdings")),
    )
    op.create_table(
        "price_alerts",
        sa.Column("id", _ID, nullable=False),
        sa.Column("customer_id", _ID, nullable=False),
        sa.Column("symbol", sa.String(length=20), nullable=False),
        sa.Column("direction", sa.String(length=5), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("triggered_at", _TIME, nullable=True),
        sa.CheckConstraint(
            "direction IN ('above', 'below')", name=op.f("ck_price_alerts_direction")
        ),
        sa.CheckConstraint(
            "status IN ('active', 'triggered', 'cancelled')", name=op.f("ck_price_alerts_status")
        ),
        _fk("price_alerts", "customer_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_alerts")),
    )
    op.create_index(
        op.f("ix_price_alerts_customer_id"), "price_alerts", ["customer_id"], unique=False
    )
    op.create_index("ix_price_alerts_active", "price_alerts", ["status", "symbol"], unique=False)
    op.create_table(
        "wealth_snapshots",
        sa.Column("customer_id", _ID, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("net_worth", sa.BigInteger(), nullable=False),
        sa.Column("cash", sa.BigInteger(), nullable=False),
        sa.Column("deposits", sa.BigInteger(), nullable=False),
        sa.Column("investments", sa.BigInteger(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        _fk("wealth_snapshots", "customer_id", "users"),
        sa.PrimaryKeyConstraint("customer_id", "day", name=op.f("pk_wealth_snapshots")),
    )
    accounts = sa.table(
        "accounts",
        sa.column("id", sa.String),
        sa.column("type", sa.String),
        sa.column("name", sa.String),
        sa.column("number", sa.String),
        sa.column("currency", sa.String),
        sa.column("no_overdraft", sa.Boolean),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    created = datetime(2026, 1, 1, tzinfo=UTC)
    op.bulk_insert(
        accounts,
        [
            {
                "id": "acc_exchange_inr",
                "type": "settlement",
                "name": "NSE clearing (trades)",
                "number": "000000000002",
                "currency": "INR",
                "no_overdraft": False,
                "created_at": created,
            },
            {
                "id": "acc_charges_inr",
                "type": "settlement",
                "name": "Trading charges collected",
                "number": "000000000003",
                "currency": "INR",
                "no_overdraft": False,
                "created_at": created,
            },
        ],
    )


def downgrade() -> None:
    op.execute("DELETE FROM accounts WHERE id IN ('acc_exchange_inr', 'acc_charges_inr')")
    op.drop_table("wealth_snapshots")
    op.drop_index("ix_price_alerts_active", table_name="price_alerts")
    op.drop_index(op.f("ix_price_alerts_customer_id"), table_name="price_alerts")
    op.drop_table("price_alerts")
    op.drop_table("holdings")
    op.drop_index("ix_trading_trades_customer", table_name="trading_trades")
    op.drop_index(op.f("ix_trading_trades_order_id"), table_name="trading_trades")
    op.drop_table("trading_trades")
    op.drop_index("ix_trading_orders_status", table_name="trading_orders")
    op.drop_index("ix_trading_orders_client", table_name="trading_orders")
    op.drop_table("trading_orders")
