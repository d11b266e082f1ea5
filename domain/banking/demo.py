"""The demo bank, planned without I/O: who is in it and six months of their history.

``plan(reference)`` turns a reference date (today in the bank's time zone)
into the same list of items every time: opening credits, then the bank-feed
history in time order, then the few movements that happen "now", when the
plan is loaded. The opening credit of each account is computed so that the
balance after everything is exactly the advertised one, and ``plan`` refuses
to return a plan in which any balance would ever go below zero.

The loader (``bot.demo``) posts the items through the banking services;
nothing here touches a database.
"""

from __future__ import annotations

import calendar
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from domain.banking.model import AccountType

SEED = 20_261_116

CATEGORIES = (
    "salary",
    "rent",
    "food",
    "groceries",
    "utilities",
    "shopping",
    "travel",
    "entertainment",
    "transfers",
)

OPENING_COUNTERPARTY = "Opening balance"


def rupees(amount: int) -> int:
    """Whole rupees in paise."""
    return amount * 100


@dataclass(frozen=True, slots=True)
class DemoAccount:
    key: str  # how plan items name the account
    type: AccountType
    name: str
    balance: int  # paise, after the whole history


@dataclass(frozen=True, slots=True)
class DemoPayee:
    name: str
    nickname: str | None = None
    account_number: str | None = None
    ifsc: str | None = None
    upi_id: str | None = None

    @property
    def label(self) -> str:
        return self.nickname or self.name


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    username: str
    full_name: str
    accounts: tuple[DemoAccount, ...]
    payees: tuple[DemoPayee, ...]


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    full_name: str
    role: Literal["customer", "operator", "admin"]


@dataclass(frozen=True, slots=True)
class PlannedPosting:
    """A bank-feed credit or debit on one account, dated in the past."""

    key: str
    username: str
    account: str
    direction: Literal["credit", "debit"]
    amount: int
    counterparty: str
    category: str | None
    merchant: str | None
    memo: str | None
    posted_at: datetime


@dataclass(frozen=True, slots=True)
class PlannedTransfer:
    """A transfer the customer makes when the plan is loaded (the engine dates it)."""

    key: str
    username: str
    from_account: str
    amount: int
    memo: str
    to_account: str | None = None  # one of the customer's own accounts, or
    payee: str | None = None  # a payee's label (nickname or name)
    category: str | None = None


PlanItem = PlannedPosting | PlannedTransfer


ASHA = DemoCustomer(
    username="asha",
    full_name="Asha Verma",
    accounts=(
        DemoAccount("savings", AccountType.SAVINGS, "Savings account", rupees(2_45_000)),
        DemoAccount("current", AccountType.CURRENT, "Current account", rupees(58_000)),
        DemoAccount("fd", AccountType.FIXED_DEPOSIT, "Fixed deposit", rupees(5_00_000)),
        DemoAccount("trading", AccountType.TRADING, "Trading cash", rupees(75_000)),
    ),
    payees=(
        DemoPayee("Ravi Kumar", account_number="50100234567812", ifsc="HDFC0001234"),
        DemoPayee("Priya Sharma", upi_id="priya.sharma@okicici"),
        DemoPayee("Sunita Verma", nickname="Mom", account_number="31245678901", ifsc="SBIN0004567"),
        DemoPayee(
            "Mehta Properties",
            nickname="Landlord",
            account_number="912020045678123",
            ifsc="UTIB0000123",
        ),
        DemoPayee("BESCOM", nickname="Electricity", upi_id="bescom.billpay@hdfcbank"),
    ),
)

VIKRAM = DemoCustomer(
    username="vikram",
    full_name="Vikram Rao",
    accounts=(
        DemoAccount("savings", AccountType.SAVINGS, "Savings account", rupees(80_000)),
        DemoAccount("current", AccountType.CURRENT, "Current account", rupees(15_000)),
    ),
    payees=(
        DemoPayee("Kavya Rao", upi_id="kavya.rao@oksbi"),
        DemoPayee("Deepak Nair", account_number="20481234567", ifsc="ICIC0002048"),
    ),
)

CUSTOMERS = (ASHA, VIKRAM)
OPERATOR = DemoUser("ops", "Operations Desk", "operator")
USERS = (
    *(DemoUser(c.username, c.full_name, "customer") for c in CUSTOMERS),
    OPERATOR,
)


@dataclass(frozen=True, slots=True)
class DemoPlan:
    reference: date
    timezone: str
    items: tuple[PlanItem, ...]

    def for_customer(self, username: str) -> list[PlanItem]:
        return [i for i in self.items if i.username == username]

    def balances(self) -> dict[tuple[str, str], int]:
        """Each (username, account key)'s balance after the whole plan."""
        final: dict[tuple[str, str], int] = {}
        for (who, account), balance in running_balances(self.items):
            final[(who, account)] = balance
        return final


def running_balances(items: Iterable[PlanItem]) -> Iterator[tuple[tuple[str, str], int]]:
    """Yield (account, balance after) for every posting the items make, in order."""
    balances: dict[tuple[str, str], int] = {}

    def move(account: tuple[str, str], amount: int) -> tuple[tuple[str, str], int]:
        balances[account] = balances.get(account, 0) + amount
        return account, balances[account]

    for item in items:
        if isinstance(item, PlannedPosting):
            sign = 1 if item.direction == "credit" else -1
            yield move((item.username, item.account), sign * item.amount)
        else:
            yield move((item.username, item.from_account), -item.amount)
            if item.to_account is not None:
                yield move((item.username, item.to_account), item.amount)


# -- the plan ------------------------------------------------------------------


def history_months(reference: date, count: int = 6) -> list[date]:
    """The first days of the ``count`` whole months before ``reference``'s, then its own.

    The history is always ``count`` whole months, whatever the day of the month;
    the reference's own month holds what happened in it before that day.
    """
    this_month = reference.replace(day=1)
    return [_add_months(this_month, -n) for n in range(count, -1, -1)]


def _add_months(first: date, n: int) -> date:
    index = first.year * 12 + first.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def _days_in(month: date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def _month_name(month: date) -> str:
    return f"{calendar.month_name[month.month]} {month.year}"


@dataclass(slots=True)
class _Draft:
    """A posting before it has its key; sorted by when it happened."""

    day: date
    at: time
    slug: str
    posting: PlannedPosting


class _Planner:
    def __init__(self, customer: DemoCustomer, reference: date, zone: ZoneInfo) -> None:
        self.customer = customer
        self.reference = reference
        self.zone = zone
        self.rng = random.Random(f"{SEED}:{customer.username}:{reference.isoformat()}")
        self.drafts: list[_Draft] = []

    def when(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=self.zone).astimezone(UTC)

    def random_time(self) -> time:
        return time(self.rng.randint(8, 22), self.rng.randrange(0, 60))

    def add(
        self,
        day: date,
        account: str,
        direction: Literal["credit", "debit"],
        amount: int,
        counterparty: str,
        *,
        category: str | None,
        merchant: str | None = None,
        memo: str | None = None,
        at: time | None = None,
    ) -> None:
        # The history is the past: nothing on or after the reference day.
        if day >= self.reference:
            return
        at = at or self.random_time()
        posting = PlannedPosting(
            key="",
            username=self.customer.username,
            account=account,
            direction=direction,
            amount=amount,
            counterparty=counterparty,
            category=category,
            merchant=merchant,
            memo=memo,
            posted_at=self.when(day, at),
        )
        self.drafts.append(
            _Draft(day, at, (merchant or counterparty).lower().replace(" ", "-"), posting)
        )

    def spend(
        self,
        month: date,
        times: tuple[int, int],
        account: str,
        merchants: tuple[str, ...],
        category: str,
        low: int,
        high: int,
    ) -> None:
        """A random number of card or UPI spends at random merchants on random days."""
        for _ in range(self.rng.randint(*times)):
            merchant = self.rng.choice(merchants)
            day = month.replace(day=self.rng.randint(1, _days_in(month)))
            amount = rupees(self.rng.randint(low, high))
            self.add(day, account, "debit", amount, merchant, category=category, merchant=merchant)

    def history(self) -> list[PlannedPosting]:
        """The drafts in time order, keyed by customer, day and position."""
        self.drafts.sort(key=lambda d: (d.posting.posted_at, d.slug))
        return [
            replace(
                d.posting,
                key=f"{self.customer.username}/{d.day.isoformat()}/{n:03d}-{d.slug}",
            )
            for n, d in enumerate(self.drafts)
        ]


def _asha(p: _Planner, months: list[date]) -> list[PlannedTransfer]:
    """Six months of a salaried life in Bengaluru; returns what she does today."""
    for n, month in enumerate(months):
        previous = _month_name(_add_months(month, -1))
        p.add(
            month,
            "savings",
            "credit",
            rupees(85_000),
            "Acme Corp",
            category="salary",
            memo=f"Salary for {previous}",
            at=time(9, 15),
        )
        if month != months[-1]:
            # Rent and money for Mom are payee transfers in real life, but the
            # engine dates a payee transfer "now" and history must lie in the
            # past, so the history books them as bank-feed debits naming the
            # same people. This month's rent is a real payee transfer (below).
            p.add(
                month,
                "savings",
                "debit",
                rupees(28_000),
                "Mehta Properties",
                category="rent",
                memo=f"Rent for {_month_name(month)}",
                at=time(18, 30),
            )
        p.add(
            month.replace(day=3),
            "savings",
            "debit",
            rupees(15_000),
            "Sunita Verma",
            category="transfers",
            memo="Monthly transfer to Mom",
            at=time(20, 0),
        )
        p.add(
            month.replace(day=12),
            "savings",
            "debit",
            rupees(p.rng.randint(1_100, 2_400)),
            "BESCOM",
            category="utilities",
            merchant="BESCOM",
            memo="Electricity bill",
        )
        p.add(
            month.replace(day=18),
            "savings",
            "debit",
            rupees(599),
            "Airtel",
            category="utilities",
            merchant="Airtel",
            memo="Postpaid phone bill",
        )
        p.add(
            month.replace(day=22),
            "current",
            "debit",
            rupees(649),
            "Netflix",
            category="entertainment",
            merchant="Netflix",
            memo="Netflix subscription",
        )
        p.spend(month, (3, 4), "savings", ("BigBasket",), "groceries", 900, 3_800)
        p.spend(month, (6, 10), "current", ("Swiggy", "Zomato"), "food", 180, 850)
        p.spend(month, (1, 3), "current", ("Amazon",), "shopping", 299, 4_999)
        p.spend(month, (3, 7), "current", ("Uber",), "travel", 120, 640)
        p.spend(month, (0, 1), "current", ("BookMyShow",), "entertainment", 400, 1_200)
        if n % 2 == 1:
            p.add(
                month.replace(day=p.rng.randint(5, 25)),
                "current",
                "debit",
                rupees(p.rng.randint(600, 1_800)),
                "Priya Sharma",
                category="transfers",
                memo="Dinner split",
            )
    # Charged twice a few minutes apart last month: "anything unusual?" finds it.
    last_whole = months[-2]
    for at in (time(13, 5), time(13, 8)):
        p.add(
            last_whole.replace(day=20),
            "current",
            "debit",
            rupees(486),
            "Swiggy",
            category="food",
            merchant="Swiggy",
            at=at,
        )
    latest = _month_name(months[-1])
    return [
        PlannedTransfer(
            key="asha/today/savings-to-current",
            username="asha",
            from_account="savings",
            to_account="current",
            amount=rupees(20_000),
            memo="Top-up for card spends",
        ),
        PlannedTransfer(
            key="asha/today/savings-to-trading",
            username="asha",
            from_account="savings",
            to_account="trading",
            amount=rupees(10_000),
            memo="Add trading cash",
        ),
        PlannedTransfer(
            key="asha/today/rent",
            username="asha",
            from_account="savings",
            payee="Landlord",
            amount=rupees(28_000),
            memo=f"Rent for {latest}",
            category="rent",
        ),
    ]


def _vikram(p: _Planner, months: list[date]) -> list[PlannedTransfer]:
    """A short history: last month and this one so far, salaries and a few spends."""
    for month in months[-2:]:
        p.add(
            month,
            "savings",
            "credit",
            rupees(36_000),
            "Zenith Logistics",
            category="salary",
            memo="Salary",
            at=time(10, 0),
        )
        p.add(
            month.replace(day=15),
            "savings",
            "debit",
            rupees(399),
            "Jio",
            category="utilities",
            merchant="Jio",
            memo="Prepaid recharge",
        )
        p.spend(month, (3, 5), "savings", ("Zomato",), "food", 150, 700)
        p.spend(month, (2, 4), "current", ("Uber",), "travel", 110, 520)
        p.spend(month, (1, 2), "savings", ("BigBasket",), "groceries", 700, 2_600)
        p.spend(month, (1, 2), "current", ("Amazon",), "shopping", 349, 2_999)
    return []


_HISTORIES = {"asha": _asha, "vikram": _vikram}


def plan(reference: date, timezone: str = "Asia/Kolkata") -> DemoPlan:
    """The demo's postings and transfers for a reference date, the same every time."""
    zone = ZoneInfo(timezone)
    months = history_months(reference)
    items: list[PlanItem] = []
    later: list[PlanItem] = []
    for customer in CUSTOMERS:
        planner = _Planner(customer, reference, zone)
        today = _HISTORIES[customer.username](planner, months)
        history = planner.history()
        first_day = min(h.posted_at for h in history).astimezone(zone).date()
        opening_day = first_day - timedelta(days=1)
        net = dict.fromkeys((a.key for a in customer.accounts), 0)
        for (_, key), balance in running_balances([*history, *today]):
            net[key] = balance
        for account in customer.accounts:
            opening = account.balance - net[account.key]
            if opening <= 0:
                raise ValueError(f"demo plan for {customer.username} needs no opening credit")
            items.append(
                PlannedPosting(
                    key=f"{customer.username}/opening/{account.key}",
                    username=customer.username,
                    account=account.key,
                    direction="credit",
                    amount=opening,
                    counterparty=OPENING_COUNTERPARTY,
                    category=None,
                    merchant=None,
                    memo="Balance brought forward",
                    posted_at=planner.when(opening_day, time(9, 0)),
                )
            )
        items.extend(history)
        later.extend(today)
    result = DemoPlan(reference, timezone, (*items, *later))
    for (who, key), balance in running_balances(result.items):
        if balance < 0:
            raise ValueError(f"demo plan overdraws {who}'s {key} account")
    return result
