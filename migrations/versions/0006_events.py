"""Events: the transactional outbox, consumer records, notifications and webhooks.

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _time(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.String(length=40), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "outbox_events",
        sa.Column("seq", _SEQ, autoincrement=True, nullable=False),
        _id("id"),
        sa.Column("type", sa.String(length=60), nullable=False),
        _id("customer_id", nullable=True),
        sa.Column("subject_id", sa.String(length=64), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        _time("created_at"),
        _time("dispatched_at", nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox_events")),
        sa.UniqueConstraint("id", name=op.f("uq_outbox_events_id")),
    )
    op.create_index("ix_outbox_events_pending", "outbox_events", ["dispatched_at", "seq"])
    op.create_index("ix_outbox_events_customer", "outbox_events", ["customer_id", "seq"])
    op.create_table(
        "event_consumers",
        sa.Column("consumer", sa.String(length=40), nullable=False),
        _id("event_id"),
        _time("processed_at"),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_event_consumers")),
    )
    op.create_table(
        "notifications",
        _id("id"),
        _id("customer_id"),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("silent", sa.Boolean(), server_default=sa.false(), nullable=False),
        _id("event_id", nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        _time("created_at"),
        _time("sent_at", nullable=True),
        _time("delivered_at", nullable=True),
        _time("read_at", nullable=True),
        sa.CheckConstraint(
            "priority IN ('critical', 'high', 'medium', 'low')",
            name=op.f("ck_notifications_priority"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'grouped')", name=op.f("ck_notifications_status")
        ),
        _fk("notifications", "customer_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(
        "ix_notifications_inbox", "notifications", ["customer_id", "status", "created_at"]
    )
    op.create_index("ix_notifications_pending", "notifications", ["status", "created_at"])
    op.create_table(
        "notification_preferences",
        _id("customer_id"),
        sa.Column("document", sa.Text(), nullable=False),
        _time("updated_at"),
        _fk("notification_preferences", "customer_id", "users"),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_notification_preferences")),
    )
    op.create_table(
        "webhook_endpoints",
        _id("id"),
        _id("customer_id"),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("event_types", sa.Text(), nullable=True),
        sa.Column("secret", sa.String(length=100), nullable=False),
        _time("created_at"),
        _time("deleted_at", nullable=True),
        _fk("webhook_endpoints", "customer_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
    )
    op.create_index(op.f("ix_webhook_endpoints_customer_id"), "webhook_endpoints", ["customer_id"])
    op.create_table(
        "webhook_deliveries",
        _id("id"),
        _id("endpoint_id"),
        _id("event_id"),
        sa.Column("event_type", sa.String(length=60), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        _time("next_attempt_at", nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        _time("created_at"),
        _time("updated_at"),
        sa.CheckConstraint(
            "status IN ('pending', 'succeeded', 'failed', 'dead')",
            name=op.f("ck_webhook_deliveries_status"),
        ),
        _fk("webhook_deliveries", "endpoint_id", "webhook_endpoints"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index(
        "ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"]
    )
    op.create_index(
        "ix_webhook_deliveries_endpoint", "webhook_deliveries", ["endpoint_id", "created_at"]
    )
    op.create_index(
        "ix_webhook_deliveries_once", "webhook_deliveries", ["endpoint_id", "event_id"], unique=True
    )
    op.create_table(
        "inbound_messages",
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("message_id", sa.String(length=100), nullable=False),
        _time("received_at"),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("source", "message_id", name=op.f("pk_inbound_messages")),
    )
    op.create_table(
        "known_devices",
        _id("user_id"),
        sa.Column("device_hash", sa.String(length=64), nullable=False),
        _time("first_seen"),
        _fk("known_devices", "user_id", "users"),
        sa.PrimaryKeyConstraint("user_id", "device_hash", name=op.f("pk_known_devices")),
    )


def downgrade() -> None:
    for table in (
        "known_devices",
        "inbound_messages",
        "webhook_deliveries",
        "webhook_endpoints",
        "notification_preferences",
        "notifications",
        "event_consumers",
        "outbox_events",
    ):
        op.drop_table(table)
