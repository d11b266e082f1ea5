"""Forecasts: each customer's Balance Watch minimum.

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "balance_watch",
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("minimum", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("minimum >= 0", name=op.f("ck_balance_watch_minimum_non_negative")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["users.id"], name=op.f("fk_balance_watch_customer_id_users")
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_balance_watch")),
    )


def downgrade() -> None:
    op.drop_table("balance_watch")
