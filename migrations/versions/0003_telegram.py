"""Telegram: chats linked to customers, and one-time link codes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "telegram_links",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["users.id"], name=op.f("fk_telegram_links_customer_id_users")
        ),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_telegram_links")),
    )
    op.create_index(
        op.f("ix_telegram_links_customer_id"), "telegram_links", ["customer_id"], unique=False
    )
    op.create_table(
        "telegram_link_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["users.id"], name=op.f("fk_telegram_link_codes_customer_id_users")
        ),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_telegram_link_codes")),
    )


def downgrade() -> None:
    op.drop_table("telegram_link_codes")
    op.drop_index(op.f("ix_telegram_links_customer_id"), table_name="telegram_links")
    op.drop_table("telegram_links")
