"""Property: any sequence of commands, accepted or refused, keeps the ledger's invariants."""

from __future__ import annotations

import copy
from collections import defaultdict
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.banking.book import Book
from domain.banking.commands import ExternalPosting, PostHold, VoidHold
from domain.banking.model import AccountState, HoldStatus
from domain.errors import DomainError
from tests.unit.banking.books import ASHA, LIMITS, NOW, RAVI, account, book, hold, rupees, transfer

ACCOUNTS = ["acc_a1", "acc_a2", "acc_a3", "acc_r1"]
OWNER = {"acc_a1": ASHA, "acc_a2": ASHA, "acc_a3": ASHA, "acc_r1": RAVI}
amounts = st.integers(min_value=1, max_value=60_000)
accounts = st.sampled_from(ACCOUNTS)

operations = st.one_of(
    st.tuples(st.just("transfer"), accounts, accounts, amounts),
    st.tuples(st.just("pay"), accounts, amounts),
    st.tuples(st.just("credit"), accounts, amounts),
    st.tuples(st.just("debit"), accounts, amounts),
    st.tuples(st.just("hold"), accounts, accounts, amounts, st.integers(1, 120)),
    st.tuples(st.just("post"), st.integers(0, 20), st.none() | amounts),
    st.tuples(st.just("void"), st.integers(0, 20)),
    st.tuples(st.just("tick"), st.integers(1, 90)),
)


def fresh() -> Book:
    b = book(
        account("acc_a1", ASHA, 50_000),
        account("acc_a2", ASHA, 0),
        account("acc_a3", ASHA, 0, no_overdraft=False),
        account("acc_r1", RAVI, 20_000),
    )
    b.limits[ASHA] = LIMITS
    return b


def apply(b: Book, op: tuple[object, ...], hold_ids: list[str]) -> None:
    match op:
        case ("transfer", str(src), str(dst), int(amount)):
            b.transfer(transfer(src, amount, to=dst, customer=OWNER[src]))
        case ("pay", str(src), int(amount)):
            b.transfer(transfer(src, amount, payee_id="pay_ravi", customer=OWNER[src]))
        case ("credit" | "debit" as direction, str(acc), int(amount)):
            b.external(
                ExternalPosting(
                    principal_id="usr_op",
                    idempotency_key="k",
                    account_id=acc,
                    direction=direction,
                    amount=rupees(amount),
                    counterparty="Bank feed",
                )
            )
        case ("hold", str(src), str(dst), int(amount), int(minutes)):
            expires = b.now + timedelta(minutes=minutes)
            h = b.place_hold(hold(src, amount, expires, to=dst, customer=OWNER[src]))
            hold_ids.append(h.id)
        case ("post", int(pick), amount) if hold_ids:
            b.post_hold(
                PostHold(
                    principal_id="usr_op",
                    idempotency_key="k",
                    customer_id=None,
                    hold_id=hold_ids[pick % len(hold_ids)],
                    amount=rupees(amount) if isinstance(amount, int) else None,
                )
            )
        case ("void", int(pick)) if hold_ids:
            hold_id = hold_ids[pick % len(hold_ids)]
            b.void_hold(
                VoidHold(
                    principal_id="usr_op", idempotency_key="k", customer_id=None, hold_id=hold_id
                )
            )
        case ("tick", int(minutes)):
            b.now += timedelta(minutes=minutes)
            for h in list(b.holds.values()):
                if h.status is HoldStatus.PENDING and h.expires_at <= b.now:
                    b.expire(h)


def state(b: Book) -> tuple[dict[str, AccountState], int, int]:
    return copy.deepcopy(b.accounts), len(b.transfers), len(b.postings)


def check_invariants(b: Book, opening: dict[str, int]) -> None:
    assert sum(a.balance for a in b.accounts.values()) == 0
    assert sum(p.amount for p in b.postings) == 0
    for a in b.accounts.values():
        if a.no_overdraft:
            assert a.balance - a.held >= 0, a
        assert a.held >= 0
    pending: dict[str, int] = defaultdict(int)
    for h in b.holds.values():
        if h.status is HoldStatus.PENDING:
            pending[h.account_id] += h.amount.minor
    for a in b.accounts.values():
        assert a.held == pending[a.id], a
    # Each transfer posts -x on its debit account and +x on its credit account.
    by_transfer: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for p in b.postings:
        by_transfer[p.transfer_id].append((p.account_id, p.amount))
    assert len(by_transfer) == len(b.transfers)
    for t in b.transfers:
        assert by_transfer[t.id] == [
            (t.debit_account_id, -t.amount.minor),
            (t.credit_account_id, t.amount.minor),
        ]
        assert t.amount.minor > 0
    # Balance is the opening balance plus the account's postings.
    moved: dict[str, int] = defaultdict(int)
    for p in b.postings:
        moved[p.account_id] += p.amount
    for a in b.accounts.values():
        assert a.balance == opening[a.id] + moved[a.id]


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operations, max_size=40))
def test_random_commands_keep_every_invariant(ops: list[tuple[object, ...]]) -> None:
    b = fresh()
    assert b.now == NOW
    opening = {a.id: a.balance for a in b.accounts.values()}
    hold_ids: list[str] = []
    for op in ops:
        before = state(b)
        try:
            apply(b, op, hold_ids)
        except DomainError:
            # A refused command records nothing, except that a hold found
            # expired on the way is released (which moves no money).
            after = state(b)
            assert after[1:] == before[1:]
            for acc_id, acc in after[0].items():
                assert acc.balance == before[0][acc_id].balance
        check_invariants(b, opening)
