"""Rules (auto-actions): rules with their trigger index, and their executions.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
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
        "rules",
        sa.Column("id", _ID, nullable=False),
        sa.Column("customer_id", _ID, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("trigger_kind", sa.String(length=20), nullable=False),
        sa.Column("trigger_key", sa.String(length=60), nullable=True),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("template", sa.String(length=40), nullable=True),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("armed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("next_due", _TIME, nullable=True),
        sa.Column("rev", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'paused', 'deleted')", name=op.f("ck_rules_status")
        ),
        _fk("rules", "customer_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rules")),
    )
    op.create_index("ix_rules_trigger", "rules", ["trigger_kind", "customer_id", "status"])
    op.create_index("ix_rules_key", "rules", ["trigger_kind", "trigger_key", "status"])
    op.create_index("ix_rules_due", "rules", ["status", "next_due"])
    op.create_index("ix_rules_customer", "rules", ["customer_id", "created_at"])
    op.create_index("ix_rules_rev", "rules", ["rev"])
    version = op.create_table(
        "rules_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rules_version")),
    )
    op.bulk_insert(version, [{"id": 1, "version": 0}])
    op.create_table(
        "rule_executions",
        sa.Column("id", _ID, nullable=False),
        sa.Column("rule_id", _ID, nullable=False),
        sa.Column("customer_id", _ID, nullable=False),
        sa.Column("trigger_ref", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.Column("expires_at", _TIME, nullable=True),
        sa.Column("finished_at", _TIME, nullable=True),
        sa.CheckConstraint(
            "status IN ('awaiting_approval', 'pending', 'done', 'failed', 'skipped', 'rejected',"
            " 'expired')",
            name=op.f("ck_rule_executions_status"),
        ),
        _fk("rule_executions", "rule_id", "rules"),
        _fk("rule_executions", "customer_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_executions")),
    )
    op.create_index(
        "ix_rule_executions_trigger", "rule_executions", ["rule_id", "trigger_ref"], unique=True
    )
    op.create_index("ix_rule_executions_customer", "rule_executions", ["customer_id", "created_at"])
    op.create_index("ix_rule_executions_status", "rule_executions", ["status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_rule_executions_status", table_name="rule_executions")
    op.drop_index("ix_rule_executions_customer", table_name="rule_executions")
    op.drop_index("ix_rule_executions_trigger", table_name="rule_executions")
    op.drop_table("rule_executions")
    op.drop_table("rules_version")
    op.drop_index("ix_rules_rev", table_name="rules")
    op.drop_index("ix_rules_customer", table_name="rules")
    op.drop_index("ix_rules_due", table_name="rules")
    op.drop_index("ix_rules_key", table_name="rules")
    op.drop_index("ix_rules_trigger", table_name="rules")
    op.drop_table("rules")
