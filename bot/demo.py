"""Load the demo bank (``swayam demo``) through the services.

Every step looks before it writes, so running it again changes nothing:
users, accounts and payees are found by name, and every planned posting or
transfer is sent under an idempotency key made from the plan's reference date
and the item's own key (``demo:2026-11-16:asha/2026-06-01/000-acme-corp``).
A load that stopped half-way picks up where it stopped: the reference date is
read back from the keys already stored, so the plan is the same one even on
another day, and only the missing items are sent.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.bootstrap import Container
from bot.settings import Settings
from domain import schema
from domain.banking import demo
from domain.banking.commands import MakeTransfer
from domain.banking.engine import Receipt
from domain.banking.views import AccountView
from domain.errors import Conflict, DomainError
from domain.identity.model import Scope
from domain.money import Money, format_minor
from domain.trading import demo as trading_demo

KEY_PREFIX = "demo:"
PASSWORD_FILE = "demo-password"


class DemoError(Exception):
    """The demo could not be loaded; the message says why."""


@dataclass(frozen=True, slots=True)
class Password:
    value: str | None  # None: the users exist and their password is not known here
    source: str


@dataclass(slots=True)
class CustomerSummary:
    full_name: str
    username: str
    accounts: list[AccountView]


@dataclass(slots=True)
class DemoResult:
    reference: date
    password: Password
    created_users: list[str] = field(default_factory=list)
    created_accounts: int = 0
    created_payees: int = 0
    posted: int = 0
    already_posted: int = 0
    customers: list[CustomerSummary] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.created_users or self.created_accounts or self.created_payees or self.posted
        )


# -- the password ------------------------------------------------------------------


def password_path(settings: Settings) -> Path:
    return settings.data_dir / PASSWORD_FILE


def read_password(settings: Settings) -> Password | None:
    """The demo password from SWAYAM_DEMO_PASSWORD or the data dir, if there is one."""
    if settings.demo_password is not None:
        return Password(settings.demo_password.get_secret_value(), "SWAYAM_DEMO_PASSWORD")
    path = password_path(settings)
    if path.exists():
        return Password(path.read_text(encoding="utf-8").strip(), str(path))
    return None


def create_password(settings: Settings) -> Password:
    """Generate a password and keep it in the data dir, readable by its owner only."""
    path = password_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(12)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(value + "\n")
    return Password(value, f"{path} (generated)")


# -- loading -----------------------------------------------------------------------


async def load(container: Container, *, today: date | None = None) -> DemoResult:
    """Create what is missing of the demo bank; the container must be started."""
    settings = container.settings
    identity, banking = container.identity, container.banking
    existing = {u.username: await identity.get_user_by_username(u.username) for u in demo.USERS}
    password = read_password(settings)
    if password is None:
        if all(existing.values()):
            password = Password(None, "not stored: set SWAYAM_DEMO_PASSWORD")
        else:
            # Stored before any user is created, so a crash cannot lose it.
            password = create_password(settings)

    user_ids: dict[str, str] = {}
    created: list[str] = []
    for user in demo.USERS:
        record = existing[user.username]
        if record is not None:
            user_ids[user.username] = record.id
            continue
        if password.value is None:
            raise DemoError(f"user '{user.username}' is missing and the demo password is unknown")
        try:
            user_ids[user.username] = await identity.create_user(
                user.username, user.full_name, password.value, role=Scope(user.role)
            )
            created.append(user.username)
        except Conflict:  # another process made it just now
            again = await identity.get_user_by_username(user.username)
            assert again is not None
            user_ids[user.username] = again.id

    # Demo customers approve large chat transfers with SWAYAM_DEMO_PIN.
    for customer in demo.CUSTOMERS:
        cid = user_ids[customer.username]
        if not await container.pins.has_pin(cid):
            await container.pins.set_pin(cid, settings.demo_pin.get_secret_value())

    result = DemoResult(reference=date.min, password=password, created_users=created)
    accounts: dict[tuple[str, str], str] = {}
    payees: dict[tuple[str, str], str] = {}
    for customer in demo.CUSTOMERS:
        cid = user_ids[customer.username]
        have = {(a.type, a.name): a.id for a in await banking.accounts(cid)}
        for account in customer.accounts:
            found = have.get((account.type, account.name))
            if found is None:
                found = (await banking.open_account(cid, account.type, account.name)).id
                result.created_accounts += 1
            accounts[(customer.username, account.key)] = found
        saved = {p.name.lower(): p.id for p in await banking.payees(cid)}
        for payee in customer.payees:
            payee_id = saved.get(payee.name.lower())
            if payee_id is None:
                added = await banking.add_payee(
                    cid,
                    payee.name,
                    nickname=payee.nickname,
                    account_number=payee.account_number,
                    ifsc=payee.ifsc,
                    upi_id=payee.upi_id,
                )
                payee_id = added.id
                result.created_payees += 1
            payees[(customer.username, payee.label)] = payee_id

    done, reference = await _stored_keys(container, set(user_ids.values()))
    if reference is None:
        zone = ZoneInfo(settings.timezone)
        reference = today or container.clock.now().astimezone(zone).date()
    result.reference = reference
    plan = demo.plan(reference, settings.timezone)
    operator_id = user_ids[demo.OPERATOR.username]

    pending = []
    for item in plan.items:
        key = f"{KEY_PREFIX}{reference.isoformat()}:{item.key}"
        customer_id = user_ids[item.username]
        principal = operator_id if isinstance(item, demo.PlannedPosting) else customer_id
        if (principal, key) in done:
            result.already_posted += 1
            continue
        pending.append(_send(container, item, key, principal, customer_id, accounts, payees))
    # The engine applies commands in the order they were submitted, and each
    # coroutine submits before its first await, so gathering keeps the plan's
    # order while letting group commit carry many items per transaction.
    outcomes = await asyncio.gather(*pending, return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            if isinstance(outcome, DomainError):
                raise DemoError(f"the demo history was refused: {outcome.message}") from outcome
            raise outcome
        result.posted += 0 if outcome.replayed else 1
        result.already_posted += 1 if outcome.replayed else 0

    trading = container.markets.trading
    for username, symbol, quantity, average in trading_demo.HOLDINGS:
        await trading.transfer_in(user_ids[username], symbol, quantity, quantity * average)
    for customer in demo.CUSTOMERS:
        await container.markets.wealth.snapshot(user_ids[customer.username])
        views = await banking.accounts(user_ids[customer.username])
        result.customers.append(CustomerSummary(customer.full_name, customer.username, views))
    return result


async def _send(
    container: Container,
    item: demo.PlanItem,
    key: str,
    principal: str,
    customer_id: str,
    accounts: dict[tuple[str, str], str],
    payees: dict[tuple[str, str], str],
) -> Receipt:
    if isinstance(item, demo.PlannedPosting):
        return await container.banking.external_posting(
            principal_id=principal,
            idempotency_key=key,
            account_id=accounts[(item.username, item.account)],
            direction=item.direction,
            amount=Money(item.amount),
            counterparty=item.counterparty,
            category=item.category,
            merchant=item.merchant,
            memo=item.memo,
            posted_at=item.posted_at,
        )
    # Straight to the engine: the service's transfer has no category, and
    # this month's rent should read as rent, not as a plain transfer.
    return await container.engine.submit(
        MakeTransfer(
            principal_id=principal,
            idempotency_key=key,
            customer_id=customer_id,
            from_account_id=accounts[(item.username, item.from_account)],
            to_account_id=accounts[(item.username, item.to_account)] if item.to_account else None,
            payee_id=payees[(item.username, item.payee)] if item.payee else None,
            amount=Money(item.amount),
            memo=item.memo,
            category=item.category,
        )
    )


async def _stored_keys(
    container: Container, principals: set[str]
) -> tuple[set[tuple[str, str]], date | None]:
    """The demo keys already used, and the reference date they were made for."""
    k = schema.idempotency_keys
    query = select(k.c.principal_id, k.c.key).where(
        k.c.principal_id.in_(principals), k.c.key.startswith(KEY_PREFIX)
    )
    async with container.db.reading() as conn:
        found = {(r.principal_id, r.key) for r in await conn.execute(query)}
    dates = sorted({key[len(KEY_PREFIX) :].split(":", 1)[0] for _, key in found})
    return found, date.fromisoformat(dates[0]) if dates else None


# -- the report --------------------------------------------------------------------


def render(result: DemoResult, url: str | None = None) -> str:
    """What ``swayam demo`` prints: what changed, the customers, and how to sign in."""
    lines = []
    if result.changed:
        parts = []
        if result.created_users:
            parts.append(f"{len(result.created_users)} users")
        if result.created_accounts:
            parts.append(f"{result.created_accounts} accounts")
        if result.created_payees:
            parts.append(f"{result.created_payees} payees")
        if result.posted:
            parts.append(f"{result.posted} transactions")
        lines.append(f"Demo data loaded: {', '.join(parts)}.")
    else:
        lines.append("Demo data is already loaded; nothing changed.")
    lines.append(f"History: six whole months and this month up to {result.reference:%d %B %Y}.")
    lines.append("")
    for customer in result.customers:
        lines.append(f"{customer.full_name} (login: {customer.username})")
        width = max((len(a.name) for a in customer.accounts), default=0)
        for account in customer.accounts:
            money = format_minor(account.balance, account.currency)
            # Masked as the API shows it: enough to tell accounts apart.
            number = "XXXX" + account.number[-4:]
            lines.append(f"  {account.name:<{width}}  {number}  {money:>15}")
        lines.append("")
    logins = ", ".join(f"{u.username} ({u.role})" for u in demo.USERS)
    lines.append(f"Logins: {logins}")
    if result.password.value is not None:
        lines.append(f"Password: {result.password.value}   [{result.password.source}]")
    else:
        lines.append(f"Password: unknown ({result.password.source})")
    lines.append(
        "Chat payments of ₹50,000 or more ask for the PIN in SWAYAM_DEMO_PIN (1234 by default)."
    )
    if url:
        lines.append(f"Sign in: curl -s -X POST {url}/api/v1/auth/login \\")
        lines.append(
            '          -H "Content-Type: application/json" '
            '-d \'{"username": "asha", "password": "<password>"}\''
        )
    return "\n".join(lines)
