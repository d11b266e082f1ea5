"""The relational schema, as SQLAlchemy Core tables.

One ``MetaData`` for every area so Alembic can compare it with the migrated
database. Money columns hold signed minor units in 64-bit integers; times are
timezone-aware.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    false,
    true,
)
from sqlalchemy.engine import Dialect

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend.

    SQLite has no time zone type: values are stored as naive UTC text, which
    also keeps range comparisons correct.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Time = UTCDateTime()
Id = String(40)

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("full_name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("timezone", String(64), nullable=False, server_default="Asia/Kolkata"),
    Column("failed_logins", Integer, nullable=False, server_default="0"),
    Column("locked_until", Time),
    Column("created_at", Time, nullable=False),
    # Step-up PIN for large payments, with its own attempt counter.
    Column("pin_hash", String(255)),
    Column("pin_failures", Integer, nullable=False, server_default="0"),
    Column("pin_locked_until", Time),
    CheckConstraint("role IN ('customer', 'operator', 'admin')", name="role"),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Id, primary_key=True),
    # NULL for the bank's own accounts (settlement with the outside world).
    Column("customer_id", Id, ForeignKey("users.id"), index=True),
    Column("type", String(20), nullable=False),
    Column("name", String(100), nullable=False),
    Column("number", String(20), nullable=False, unique=True),
    Column("currency", String(3), nullable=False),
    Column("balance", BigInteger, nullable=False, server_default="0"),
    # Sum of pending holds; available = balance - held.
    Column("held", BigInteger, nullable=False, server_default="0"),
    Column("no_overdraft", Boolean, nullable=False, server_default=true()),
    Column("created_at", Time, nullable=False),
    CheckConstraint(
        "type IN ('savings', 'current', 'fixed_deposit', 'trading', 'settlement')", name="type"
    ),
    CheckConstraint("held >= 0", name="held_non_negative"),
    CheckConstraint("NOT no_overdraft OR balance - held >= 0", name="no_overdraft"),
)

payees = Table(
    "payees",
    metadata,
    Column("id", Id, primary_key=True),
    Column("customer_id", Id, ForeignKey("users.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("nickname", String(50)),
    Column("account_number", String(18)),
    Column("ifsc", String(11)),
    Column("upi_id", String(255)),
    Column("created_at", Time, nullable=False),
    Column("deleted_at", Time),
    CheckConstraint(
        "(account_number IS NOT NULL AND ifsc IS NOT NULL AND upi_id IS NULL)"
        " OR (upi_id IS NOT NULL AND account_number IS NULL AND ifsc IS NULL)",
        name="one_destination",
    ),
    Index("ix_payees_customer", "customer_id", "deleted_at"),
)

limits = Table(
    "limits",
    metadata,
    Column("customer_id", Id, ForeignKey("users.id"), primary_key=True),
    Column("currency", String(3), nullable=False),
    Column("per_transfer", BigInteger, nullable=False),
    Column("daily", BigInteger, nullable=False),
    Column("weekly", BigInteger, nullable=False),
    Column("monthly", BigInteger, nullable=False),
    Column("updated_at", Time, nullable=False),
)

transfers = Table(
    "transfers",
    metadata,
    Column("id", Id, primary_key=True),
    # Whose transfer it is: the initiating customer, or the account owner for
    # operator postings. NULL only for bank-internal movements.
    Column("customer_id", Id, ForeignKey("users.id")),
    Column("kind", String(20), nullable=False),
    Column("debit_account_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("credit_account_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("memo", String(200)),
    Column("category", String(32)),
    Column("merchant", String(100)),
    Column("counterparty", String(200)),
    Column("payee_id", Id, ForeignKey("payees.id")),
    Column("hold_id", Id),
    Column("created_by", Id, ForeignKey("users.id")),
    Column("created_at", Time, nullable=False),
    Column("posted_at", Time, nullable=False),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("debit_account_id <> credit_account_id", name="distinct_accounts"),
    Index("ix_transfers_limit_usage", "customer_id", "kind", "created_at"),
)

postings = Table(
    "postings",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("transfer_id", Id, ForeignKey("transfers.id"), nullable=False, index=True),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False),
    # Signed: negative debits the account, positive credits it.
    Column("amount", BigInteger, nullable=False),
    Column("balance_after", BigInteger, nullable=False),
    Column("posted_at", Time, nullable=False),
    Index("ix_postings_account", "account_id", "id"),
)

holds = Table(
    "holds",
    metadata,
    Column("id", Id, primary_key=True),
    Column("customer_id", Id, ForeignKey("users.id")),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("credit_account_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("payee_id", Id, ForeignKey("payees.id")),
    Column("amount", BigInteger, nullable=False),
    Column("posted_amount", BigInteger, nullable=False, server_default="0"),
    Column("currency", String(3), nullable=False),
    Column("status", String(10), nullable=False),
    Column("memo", String(200)),
    Column("expires_at", Time, nullable=False),
    Column("created_at", Time, nullable=False),
    Column("resolved_at", Time),
    Column("transfer_id", Id, ForeignKey("transfers.id")),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("status IN ('pending', 'posted', 'voided', 'expired')", name="status"),
    Index("ix_holds_pending", "account_id", "status", "expires_at"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("principal_id", Id, primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("operation", String(40), nullable=False),
    Column("request_hash", String(64), nullable=False),
    # 'ok' with the result document, or 'error' with the error's kind/code/message.
    Column("outcome", String(8), nullable=False),
    Column("result", Text, nullable=False),
    Column("created_at", Time, nullable=False),
)

auth_tokens = Table(
    "auth_tokens",
    metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False, index=True),
    Column("kind", String(10), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("scope", String(16), nullable=False),
    # Access and refresh tokens issued from one login share a family, so the
    # reuse of a rotated refresh token can revoke all of them at once.
    Column("family_id", Id, index=True),
    Column("name", String(100)),
    Column("created_at", Time, nullable=False),
    Column("expires_at", Time),
    Column("used_at", Time),
    Column("revoked_at", Time),
    CheckConstraint("kind IN ('access', 'refresh', 'api')", name="kind"),
    CheckConstraint("scope IN ('customer', 'operator', 'admin')", name="scope"),
)

__all__ = [
    "accounts",
    "auth_tokens",
    "holds",
    "idempotency_keys",
    "limits",
    "metadata",
    "payees",
    "postings",
    "transfers",
    "users",
]


# -- the assistant -----------------------------------------------------------

conversations = Table(
    "conversations",
    metadata,
    Column("id", Id, primary_key=True),
    Column("customer_id", Id, ForeignKey("users.id"), nullable=False),
    Column("channel", String(20), nullable=False),
    # The dialogue state as JSON; ``version`` guards concurrent turns.
    Column("state", Text, nullable=False),
    Column("version", Integer, nullable=False, server_default="0"),
    Column("created_at", Time, nullable=False),
    Column("updated_at", Time, nullable=False),
    Index("ix_conversations_customer", "customer_id", "channel", "updated_at"),
)

chat_messages = Table(
    "chat_messages",
    metadata,
    Column("id", Id, primary_key=True),
    Column(
        "conversation_id", Id, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("role", String(10), nullable=False),
    Column("text", Text),
    Column("payload", String(200)),
    Column("intent", String(40)),
    Column("confidence", Float),
    # Assistant turns: the replies as sent (the channel-neutral model).
    Column("replies", Text),
    Column("created_at", Time, nullable=False),
    CheckConstraint("role IN ('user', 'assistant')", name="role"),
    Index("ix_chat_messages_conversation", "conversation_id", "created_at"),
)

chat_feedback = Table(
    "chat_feedback",
    metadata,
    Column("id", Id, primary_key=True),
    Column("customer_id", Id, ForeignKey("users.id"), nullable=False),
    # Kept after the conversation is deleted, without its text.
    Column("message_id", Id),
    Column("intent", String(40)),
    Column("helpful", Boolean, nullable=False),
    Column("comment", String(1000)),
    Column("created_at", Time, nullable=False),
)

# Text-free records of what the assistant understood and how tasks ended,
# for the team's analytics; they survive a customer deleting a conversation.
assistant_events = Table(
    "assistant_events",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("kind", String(10), nullable=False),
    Column("intent", String(40), nullable=False),
    Column("confidence", Float),
    Column("fallback", Boolean, nullable=False, server_default=false()),
    Column("outcome", String(12)),
    Column("channel", String(20), nullable=False),
    Column("created_at", Time, nullable=False),
    CheckConstraint("kind IN ('turn', 'task')", name="kind"),
    Index("ix_assistant_events_created", "created_at"),
)

support_tickets = Table(
    "support_tickets",
    metadata,
    Column("id", Id, primary_key=True),
    Column("customer_id", Id, ForeignKey("users.id"), nullable=False),
    Column("conversation_id", Id),
    Column("subject", String(500), nullable=False),
    Column("status", String(10), nullable=False, server_default="open"),
    Column("created_at", Time, nullable=False),
    Column("closed_at", Time),
    CheckConstraint("status IN ('open', 'closed')", name="status"),
    Index("ix_support_tickets_status", "status", "created_at"),
)

# -- channels ----------------------------------------------------------------

telegram_links = Table(
    "telegram_links",
    metadata,
    # One customer per Telegram chat; a chat is linked by a one-time code.
    Column("chat_id", BigInteger, primary_key=True, autoincrement=False),
    Column("customer_id", Id, ForeignKey("users.id"), nullable=False, index=True),
    Column("linked_at", Time, nullable=False),
)

telegram_link_codes = Table(
    "telegram_link_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("customer_id", Id, ForeignKey("users.id"), nullable=False),
    Column("created_at", Time, nullable=False),
    Column("expires_at", Time, nullable=False),
    Column("used_at", Time),
)

# -- the audit log -------------------------------------------------------------
# Append-only: triggers (migration 0004) refuse UPDATE and DELETE on both tables.

ledger_entries = Table(
    "ledger_entries",
    metadata,
    # The leaf index in the Merkle tree: 0, 1, 2, ... with no gaps.
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    # The canonical JSON exactly as hashed into the leaf.
    Column("entry", Text, nullable=False),
    Column("leaf_hash", LargeBinary, nullable=False),
    Column("event_type", String(40), nullable=False),
    Column("customer_id", Id),
    # The transfer, hold, payee or token the entry is about.
    Column("subject_id", String(64)),
    Column("created_at", Time, nullable=False),
    Index("ix_ledger_entries_customer", "customer_id", "seq"),
    Index("ix_ledger_entries_subject", "subject_id"),
)

ledger_checkpoints = Table(
    "ledger_checkpoints",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root_hash", LargeBinary, nullable=False),
    # The signed note, as published.
    Column("note", Text, nullable=False),
    Column("key_id", String(8), nullable=False),
    Column("created_at", Time, nullable=False),
)

# -- events, notifications and webhooks ----------------------------------------

_SEQ = BigInteger().with_variant(Integer, "sqlite")

# The transactional outbox: written in the same transaction as the change it
# describes; the dispatcher marks rows dispatched once every consumer has them.
outbox_events = Table(
    "outbox_events",
    metadata,
    Column("seq", _SEQ, primary_key=True, autoincrement=True),
    Column("id", String(40), nullable=False, unique=True),
    Column("type", String(60), nullable=False),
    Column("customer_id", Id),
    Column("subject_id", String(64)),
    Column("data", Text, nullable=False),
    Column("created_at", Time, nullable=False),
    Column("dispatched_at", Time),
    Index("ix_outbox_events_pending", "dispatched_at", "seq"),
    Index("ix_outbox_events_customer", "customer_id", "seq"),
)

# Which events each durable consumer has handled: its idempotency record.
event_consumers = Table(
    "event_consumers",
    metadata,
    Column("consumer", String(40), primary_key=True),
    Column("event_id", String(40), primary_key=True),
    Column("processed_at", Time, nullable=False),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Id, primary_key=True),
    Column("customer_id", Id, ForeignKey("users.id"), nullable=False),
    Column("category", String(20), nullable=False),
    Column("priority", String(10), nullable=False),
    # 'pending' waits in a grouping window; 'grouped' was folded into a summary.
    Column("status", String(10), nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("amount", BigInteger),
    Column("silent", Boolean, nullable=False, server_default=false()),
    Column("event_id", String(40)),
    Column("data", Text, nullable=False),
    Column("created_at", Time, nullable=False),
    Column("sent_at", Time),
    Column("delivered_at", Time),
    Column("read_at", Time),
    CheckConstraint("priority IN ('critical', 'high', 'medium', 'low')", name="priority"),
    CheckConstraint("status IN ('pending', 'sent', 'grouped')", name="status"),
    Index("ix_notifications_inbox", "customer_id", "status", "created_at"),
    Index("ix_notifications_pending", "status", "created_at"),
)

notification_preferences = Table(
    "notification_preferences",
    metadata,
    Column("customer_id", Id, ForeignKey("users.id"), primary_key=True),
    # The preferences document as JSON (categories, channels, quiet hours, ...).
    Column("document", Text, nullable=False),
    Column("updated_at", Time, nullable=False),
)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", Id, primary_key=True),
    Column("customer_id", Id, ForeignKey("users.id"), nullable=False, index=True),
    Column("url", String(2000), nullable=False),
    # JSON list of event types, or NULL for every type.
    Column("event_types", Text),
    # Kept to sign deliveries; shown to the customer once, at creation.
    Column("secret", String(100), nullable=False),
    Column("created_at", Time, nullable=False),
    Column("deleted_at", Time),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Id, primary_key=True),
    Column("endpoint_id", Id, ForeignKey("webhook_endpoints.id"), nullable=False),
    Column("event_id", String(40), nullable=False),
    Column("event_type", String(60), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", Time),
    Column("last_status", Integer),
    Column("last_error", String(500)),
    Column("created_at", Time, nullable=False),
    Column("updated_at", Time, nullable=False),
    CheckConstraint("status IN ('pending', 'succeeded', 'failed', 'dead')", name="status"),
    Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    Index("ix_webhook_deliveries_endpoint", "endpoint_id", "created_at"),
    Index("ix_webhook_deliveries_once", "endpoint_id", "event_id", unique=True),
)

# Message ids of verified inbound webhooks, so a replay is recognised.
inbound_messages = Table(
    "inbound_messages",
    metadata,
    Column("source", String(40), primary_key=True),
    Column("message_id", String(100), primary_key=True),
    Column("received_at", Time, nullable=False),
    Column("outcome", Text, nullable=False),
)

known_devices = Table(
    "known_devices",
    metadata,
    Column("user_id", Id, ForeignKey("users.id"), primary_key=True),
    Column("device_hash", String(64), primary_key=True),
    Column("first_seen", Time, nullable=False),
)

# -- trading and wealth --------------------------------------------------------

trading_orders = Table(
    "trading_orders",
    metadata,
    Column("id", Id, primary_key=True),
    Column("customer_id", Id, ForeignKey("users.id"), nullable=False),
    # The client's order id (the Idempotency-Key); a resend returns the same order.
    Column("client_order_id", String(255), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("symbol", String(20), nullable=False),
    Column("side", String(4), nullable=False),
    Column("order_type", String(10), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("limit_price", BigInteger),
    Column("trigger_price", BigInteger),
    Column("status", String(20), nullable=False),
    Column("filled_quantity", BigInteger, nullable=False, server_default="0"),
    Column("filled_value", BigInteger, nullable=False, server_default="0"),
    Column("charges", BigInteger, nullable=False, server_default="0"),
    Column("hold_id", Id),
    Column("amo", Boolean, nullable=False, server_default=false()),
    Column("triggered", Boolean, nullable=False, server_default=false()),
    Column("valid_until", Time, nullable=False),
    Column("reason", String(200)),
    Column("created_at", Time, nullable=False),
    Column("updated_at", Time, nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("side IN ('buy', 'sell')", name="side"),
    CheckConstraint("order_type IN ('market', 'limit', 'stop_loss')", name="order_type"),
    CheckConstraint(
        "status IN ('open', 'partially_filled', 'filled', 'cancelled', 'rejected', 'expired')",
        name="status",
    ),
    Index("ix_trading_orders_client", "customer_id", "client_order_id", unique=True),
    Index("ix_trading_orders_status", "status", "valid_until"),
)

trading_trades = Table(
    "trading_trades",
    metadata,
    Column("id", Id, primary_key=True),
    Column("order_id", Id, ForeignKey("trading_orders.id"), nullable=False, index=True),
    Column("customer_id", Id, ForeignKey("users.id"), nullable=False),
    Column("symbol", String(20), nullable=False),
    Column("side", String(4), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("price", BigInteger, nullable=False),
    Column("value", BigInteger, nullable=False),
    # The itemised contract note lines, as JSON; ``charges`` is their total.
    Column("charges", BigInteger, nullable=False),
    Column("charge_lines", Text, nullable=False),
    Column("transfer_id", Id, ForeignKey("transfers.id")),
    Column("executed_at", Time, nullable=False),
    Index("ix_trading_trades_customer", "customer_id", "executed_at"),
)

holdings = Table(
    "holdings",
    metadata,
    Column("customer_id", Id, ForeignKey("users.id"), primary_key=True),
    Column("symbol", String(20), primary_key=True),
    Column("quantity", BigInteger, nullable=False),
    # Cost basis of the shares held (paise, charges excluded); average = cost / quantity.
    Column("cost", BigInteger, nullable=False),
    Column("realised_pnl", BigInteger, nullable=False, server_default="0"),
    Column("updated_at", Time, nullable=False),
    CheckConstraint("quantity >= 0", name="quantity_non_negative"),
)

price_alerts = Table(
    "price_alerts",
    metadata,
    Column("id", Id, primary_key=True),
    Column("customer_id", Id, ForeignKey("users.id"), nullable=False, index=True),
    Column("symbol", String(20), nullable=False),
    Column("direction", String(5), nullable=False),
    Column("price", BigInteger, nullable=False),
    Column("status", String(10), nullable=False),
    Column("created_at", Time, nullable=False),
    Column("triggered_at", Time),
    CheckConstraint("direction IN ('above', 'below')", name="direction"),
    CheckConstraint("status IN ('active', 'triggered', 'cancelled')", name="status"),
    Index("ix_price_alerts_active", "status", "symbol"),
)

wealth_snapshots = Table(
    "wealth_snapshots",
    metadata,
    Column("customer_id", Id, ForeignKey("users.id"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("net_worth", BigInteger, nullable=False),
    Column("cash", BigInteger, nullable=False),
    Column("deposits", BigInteger, nullable=False),
    Column("investments", BigInteger, nullable=False),
    Column("created_at", Time, nullable=False),
)

# -- forecasts (domain/predictions) --------------------------------------------

balance_watch = Table(
    "balance_watch",
    metadata,
    Column("customer_id", Id, ForeignKey("users.id"), primary_key=True),
    # Warn when the balance may go below this before the next salary; 0 is "below zero".
    Column("minimum", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("updated_at", Time, nullable=False),
    CheckConstraint("minimum >= 0", name="minimum_non_negative"),
)

# -- rules (auto-actions) ---------------------------------------------------------------

rules = Table(
    "rules",
    metadata,
    Column("id", Id, primary_key=True),
    Column("customer_id", Id, ForeignKey("users.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("status", String(10), nullable=False),
    # The trigger index: an event looks up only the rules of its kind and customer
    # (or, for market triggers, of its symbol).
    Column("trigger_kind", String(20), nullable=False),
    Column("trigger_key", String(60)),
    # The rule's document (trigger, conditions, actions, safety) as JSON.
    Column("definition", Text, nullable=False),
    Column("template", String(40)),
    Column("failures", Integer, nullable=False, server_default="0"),
    # Market and portfolio triggers fire on the edge: whether the condition held last time.
    Column("armed", Boolean, nullable=False, server_default=false()),
    # Time-based triggers: the next slot to run, claimed once by the scheduler.
    Column("next_due", Time),
    # The rules version at the rule's last change (see ``rules_version``).
    Column("rev", BigInteger, nullable=False, server_default="0"),
    Column("created_at", Time, nullable=False),
    Column("updated_at", Time, nullable=False),
    CheckConstraint("status IN ('active', 'paused', 'deleted')", name="status"),
    Index("ix_rules_trigger", "trigger_kind", "customer_id", "status"),
    Index("ix_rules_key", "trigger_kind", "trigger_key", "status"),
    Index("ix_rules_due", "status", "next_due"),
    Index("ix_rules_customer", "customer_id", "created_at"),
    Index("ix_rules_rev", "rev"),
)

# One row: bumped in every transaction that changes what rules fire (create, change,
# pause, resume, delete). Its row lock orders those transactions, so the evaluator's
# in-memory index catches up by reading the rules changed since the version it holds.
rules_version = Table(
    "rules_version",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
)

rule_executions = Table(
    "rule_executions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("rule_id", Id, ForeignKey("rules.id"), nullable=False),
    Column("customer_id", Id, ForeignKey("users.id"), nullable=False),
    # What set it off: an event id, a schedule slot, a price crossing. One execution
    # per (rule, trigger), whatever the redeliveries and restarts.
    Column("trigger_ref", String(80), nullable=False),
    Column("status", String(20), nullable=False),
    Column("amount", BigInteger),
    # The resolved steps (accounts, amounts, symbols) as JSON.
    Column("plan", Text, nullable=False),
    Column("reason", String(300)),
    Column("created_at", Time, nullable=False),
    Column("updated_at", Time, nullable=False),
    Column("expires_at", Time),
    Column("finished_at", Time),
    CheckConstraint(
        "status IN ('awaiting_approval', 'pending', 'done', 'failed', 'skipped', 'rejected',"
        " 'expired')",
        name="status",
    ),
    Index("ix_rule_executions_trigger", "rule_id", "trigger_ref", unique=True),
    Index("ix_rule_executions_customer", "customer_id", "created_at"),
    Index("ix_rule_executions_status", "status", "created_at"),
)
