"""The ledger book applied directly: each command records everything or nothing."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from domain.banking.book import Book
from domain.banking.commands import ExternalPosting, PostHold, VoidHold
from domain.banking.limits import Usage
from domain.banking.model import AccountState, HoldStatus, TransferKind
from domain.errors import DomainError, InvalidInput, NotFound, Rejected
from domain.money import Money
from tests.unit.banking.books import (
    ASHA,
    LIMITS,
    NOW,
    RAVI,
    SETTLEMENT,
    account,
    book,
    hold,
    rupees,
    transfer,
)


def snapshot(b: Book) -> tuple[dict[str, AccountState], int, int, int, dict[str, Usage]]:
    return (
        copy.deepcopy(b.accounts),
        len(b.transfers),
        len(b.postings),
        len(b.new_holds),
        # An empty usage entry appearing is no change: it reads as nothing used.
        {k: copy.copy(u) for k, u in b.usage.items() if u != Usage()},
    )


def refused(b: Book, action: object, error: type[DomainError], code: str) -> DomainError:
    """Run ``action`` expecting a refusal that leaves the book untouched."""
    assert callable(action)
    before = snapshot(b)
    with pytest.raises(error) as info:
        action()
    assert info.value.code == code
    assert snapshot(b) == before
    return info.value


def total(b: Book) -> int:
    return sum(a.balance for a in b.accounts.values())


def post(hold_id: str, amount: int | None = None, customer: str | None = ASHA) -> PostHold:
    return PostHold(
        principal_id=customer or "usr_op",
        idempotency_key="k2",
        customer_id=customer,
        hold_id=hold_id,
        amount=rupees(amount) if amount is not None else None,
    )


# -- transfers ------------------------------------------------------------------


def test_own_transfer_debits_one_account_and_credits_the_other() -> None:
    b = book(account("acc_a", balance=10_000), account("acc_b"))
    t = b.transfer(transfer("acc_a", 2_500, to="acc_b"))
    assert (b.accounts["acc_a"].balance, b.accounts["acc_b"].balance) == (7_500, 2_500)
    assert t.kind is TransferKind.INTERNAL
    assert (t.debit_account_id, t.credit_account_id, t.amount) == ("acc_a", "acc_b", rupees(2_500))
    assert [(p.account_id, p.amount, p.balance_after) for p in b.postings] == [
        ("acc_a", -2_500, 7_500),
        ("acc_b", 2_500, 2_500),
    ]
    assert all(p.transfer_id == t.id for p in b.postings)
    assert b.touched == {"acc_a", "acc_b"}
    assert total(b) == 0


def test_own_transfers_do_not_count_towards_payment_limits() -> None:
    b = book(account("acc_a", balance=10_000_000), account("acc_b"))
    b.limits[ASHA] = LIMITS
    b.transfer(transfer("acc_a", LIMITS.monthly + 1, to="acc_b"))
    assert b.usage.get(ASHA, Usage()) == Usage()


def test_payee_transfer_credits_the_settlement_account() -> None:
    b = book(account("acc_a", balance=10_000))
    t = b.transfer(transfer("acc_a", 4_000, payee_id="pay_ravi"))
    assert t.kind is TransferKind.PAYEE
    assert t.credit_account_id == SETTLEMENT
    assert (t.payee_id, t.counterparty) == ("pay_ravi", "Ravi Kumar")
    assert b.accounts[SETTLEMENT].balance == -10_000 + 4_000
    assert b.accounts["acc_a"].balance == 6_000
    assert total(b) == 0


def test_insufficient_funds_is_rejected_and_changes_nothing() -> None:
    b = book(account("acc_a", balance=1_000), account("acc_b"))
    err = refused(
        b, lambda: b.transfer(transfer("acc_a", 1_001, to="acc_b")), Rejected, "insufficient_funds"
    )
    assert "₹10.00 available" in err.message and "₹10.01" in err.message


def test_held_money_is_not_available_to_spend() -> None:
    b = book(account("acc_a", balance=1_000, held=600), account("acc_b"))
    refused(
        b, lambda: b.transfer(transfer("acc_a", 401, to="acc_b")), Rejected, "insufficient_funds"
    )
    b.transfer(transfer("acc_a", 400, to="acc_b"))
    assert b.accounts["acc_a"].available == 0


def test_an_overdraft_account_may_go_below_zero() -> None:
    b = book(account("acc_a", balance=0, no_overdraft=False), account("acc_b"))
    b.transfer(transfer("acc_a", 700, to="acc_b"))
    assert b.accounts["acc_a"].balance == -700


def test_an_amount_in_another_currency_is_refused() -> None:
    b = book(account("acc_a", balance=10_000), account("acc_b"))
    refused(
        b,
        lambda: b.transfer(transfer("acc_a", 100, to="acc_b", currency="USD")),
        InvalidInput,
        "currency_mismatch",
    )


def test_accounts_in_different_currencies_are_refused() -> None:
    b = book(account("acc_a", balance=10_000), account("acc_usd", currency="USD"))
    refused(
        b,
        lambda: b.transfer(transfer("acc_a", 100, to="acc_usd")),
        InvalidInput,
        "currency_mismatch",
    )


@pytest.mark.parametrize(("src", "dst"), [("acc_ravi", "acc_a"), ("acc_a", "acc_ravi")])
def test_someone_elses_account_is_not_found(src: str, dst: str) -> None:
    b = book(account("acc_a", balance=10_000), account("acc_ravi", RAVI, balance=10_000))
    refused(b, lambda: b.transfer(transfer(src, 100, to=dst)), NotFound, "account_not_found")


def test_an_unknown_account_is_not_found() -> None:
    b = book(account("acc_a", balance=10_000))
    refused(
        b, lambda: b.transfer(transfer("acc_a", 100, to="acc_nope")), NotFound, "account_not_found"
    )


def test_the_settlement_account_cannot_be_named_by_a_customer() -> None:
    b = book(account("acc_a", balance=10_000))
    refused(
        b, lambda: b.transfer(transfer("acc_a", 100, to=SETTLEMENT)), NotFound, "account_not_found"
    )
    refused(
        b, lambda: b.transfer(transfer(SETTLEMENT, 100, to="acc_a")), NotFound, "account_not_found"
    )


def test_someone_elses_payee_is_not_found() -> None:
    b = book(account("acc_ravi", RAVI, balance=10_000))
    refused(
        b,
        lambda: b.transfer(transfer("acc_ravi", 100, payee_id="pay_ravi", customer=RAVI)),
        NotFound,
        "payee_not_found",
    )


def test_a_transfer_to_the_same_account_is_refused() -> None:
    b = book(account("acc_a", balance=10_000))
    refused(b, lambda: b.transfer(transfer("acc_a", 100, to="acc_a")), InvalidInput, "same_account")


def test_a_transfer_needs_exactly_one_destination() -> None:
    b = book(account("acc_a", balance=10_000), account("acc_b"))
    refused(b, lambda: b.transfer(transfer("acc_a", 100)), InvalidInput, "invalid_destination")
    refused(
        b,
        lambda: b.transfer(transfer("acc_a", 100, to="acc_b", payee_id="pay_ravi")),
        InvalidInput,
        "invalid_destination",
    )


def test_a_currency_without_a_settlement_account_cannot_be_paid_out() -> None:
    b = book(account("acc_usd", currency="USD", balance=10_000))
    refused(
        b,
        lambda: b.transfer(transfer("acc_usd", 100, payee_id="pay_ravi", currency="USD")),
        Rejected,
        "currency_unsupported",
    )


# -- external postings ---------------------------------------------------------------


def external(account_id: str, direction: str, amount: int, **kw: object) -> ExternalPosting:
    return ExternalPosting(
        principal_id="usr_op",
        idempotency_key="k",
        account_id=account_id,
        direction=direction,
        amount=rupees(amount),
        counterparty="Acme Payroll",
        **kw,  # type: ignore[arg-type]
    )


def test_a_salary_credit_moves_money_in_from_settlement() -> None:
    b = book(account("acc_a"))
    t = b.external(external("acc_a", "credit", 90_000, category="salary"))
    assert t.kind is TransferKind.EXTERNAL_CREDIT
    assert (t.debit_account_id, t.credit_account_id) == (SETTLEMENT, "acc_a")
    assert t.customer_id == ASHA
    assert b.accounts["acc_a"].balance == 90_000
    assert total(b) == 0


def test_a_card_spend_cannot_overdraw() -> None:
    b = book(account("acc_a", balance=500))
    refused(b, lambda: b.external(external("acc_a", "debit", 501)), Rejected, "insufficient_funds")
    b.external(external("acc_a", "debit", 500))
    assert b.accounts["acc_a"].balance == 0


def test_an_external_posting_in_the_future_is_refused() -> None:
    b = book(account("acc_a"))
    refused(
        b,
        lambda: b.external(external("acc_a", "credit", 1, posted_at=NOW + timedelta(seconds=1))),
        InvalidInput,
        "invalid_posted_at",
    )


def test_an_external_posting_in_the_past_keeps_its_date() -> None:
    b = book(account("acc_a"))
    t = b.external(external("acc_a", "credit", 1, posted_at=NOW - timedelta(days=3)))
    assert t.posted_at == NOW - timedelta(days=3)
    assert t.created_at == NOW
    assert b.postings[-1].posted_at == NOW - timedelta(days=3)


def test_an_unknown_direction_is_refused() -> None:
    b = book(account("acc_a", balance=500))
    refused(
        b, lambda: b.external(external("acc_a", "sideways", 1)), InvalidInput, "invalid_direction"
    )


# -- holds ------------------------------------------------------------------------------

LATER = NOW + timedelta(hours=1)


def test_placing_a_hold_reserves_funds_without_moving_them() -> None:
    b = book(account("acc_a", balance=10_000), account("acc_b"))
    h = b.place_hold(hold("acc_a", 6_000, LATER, to="acc_b"))
    a = b.accounts["acc_a"]
    assert (a.balance, a.held, a.available) == (10_000, 6_000, 4_000)
    assert h.status is HoldStatus.PENDING
    assert b.transfers == [] and b.postings == []
    assert b.new_holds == [h]


def test_a_hold_above_the_available_balance_is_rejected() -> None:
    b = book(account("acc_a", balance=10_000, held=5_000), account("acc_b"))
    refused(
        b,
        lambda: b.place_hold(hold("acc_a", 5_001, LATER, to="acc_b")),
        Rejected,
        "insufficient_funds",
    )


def test_a_hold_must_expire_in_the_future() -> None:
    b = book(account("acc_a", balance=10_000), account("acc_b"))
    refused(
        b, lambda: b.place_hold(hold("acc_a", 1, NOW, to="acc_b")), InvalidInput, "invalid_expiry"
    )


def test_posting_part_of_a_hold_moves_that_part_and_releases_the_rest() -> None:
    b = book(account("acc_a", balance=10_000), account("acc_b"))
    h = b.place_hold(hold("acc_a", 6_000, LATER, to="acc_b"))
    posted = b.post_hold(post(h.id, 2_500))
    a, target = b.accounts["acc_a"], b.accounts["acc_b"]
    assert (a.balance, a.held, a.available) == (7_500, 0, 7_500)
    assert target.balance == 2_500
    assert posted.status is HoldStatus.POSTED
    assert posted.posted_amount == 2_500
    assert posted.transfer_id == b.transfers[-1].id
    assert b.transfers[-1].hold_id == h.id
    assert total(b) == 0


def test_posting_a_hold_in_full_by_default() -> None:
    b = book(account("acc_a", balance=10_000))
    h = b.place_hold(hold("acc_a", 6_000, LATER, payee_id="pay_ravi"))
    b.post_hold(post(h.id))
    assert b.accounts["acc_a"].balance == 4_000
    assert b.accounts[SETTLEMENT].balance == -10_000 + 6_000
    assert b.transfers[-1].kind is TransferKind.PAYEE


def test_posting_more_than_the_hold_is_refused() -> None:
    b = book(account("acc_a", balance=10_000), account("acc_b"))
    h = b.place_hold(hold("acc_a", 6_000, LATER, to="acc_b"))
    refused(b, lambda: b.post_hold(post(h.id, 6_001)), InvalidInput, "amount_above_hold")
    assert b.holds[h.id].status is HoldStatus.PENDING


def test_voiding_a_hold_releases_it_and_it_cannot_be_posted_after() -> None:
    b = book(account("acc_a", balance=10_000), account("acc_b"))
    h = b.place_hold(hold("acc_a", 6_000, LATER, to="acc_b"))
    b.void_hold(VoidHold(principal_id=ASHA, idempotency_key="v", customer_id=ASHA, hold_id=h.id))
    assert b.accounts["acc_a"].available == 10_000
    assert h.status is HoldStatus.VOIDED
    err = refused(b, lambda: b.post_hold(post(h.id)), Rejected, "hold_not_pending")
    assert "voided" in err.message


def test_an_expired_hold_cannot_be_posted_and_its_funds_are_free_again() -> None:
    b = book(account("acc_a", balance=10_000), account("acc_b"))
    h = b.place_hold(hold("acc_a", 6_000, LATER, to="acc_b"))
    b.now = LATER
    with pytest.raises(Rejected) as info:
        b.post_hold(post(h.id))
    assert info.value.code == "hold_not_pending"
    assert "expired" in info.value.message
    assert h.status is HoldStatus.EXPIRED
    assert b.accounts["acc_a"].available == 10_000
    assert b.transfers == []


def test_expiring_a_hold_twice_releases_it_once() -> None:
    b = book(account("acc_a", balance=10_000), account("acc_b"))
    h = b.place_hold(hold("acc_a", 6_000, LATER, to="acc_b"))
    b.expire(h)
    b.expire(h)
    assert b.accounts["acc_a"].held == 0


def test_someone_elses_hold_is_not_found() -> None:
    b = book(account("acc_a", balance=10_000), account("acc_b"))
    h = b.place_hold(hold("acc_a", 6_000, LATER, to="acc_b"))
    refused(b, lambda: b.post_hold(post(h.id, customer=RAVI)), NotFound, "hold_not_found")


def test_an_operator_may_post_any_hold() -> None:
    b = book(account("acc_a", balance=10_000), account("acc_b"))
    h = b.place_hold(hold("acc_a", 6_000, LATER, to="acc_b"))
    assert b.post_hold(post(h.id, customer=None)).status is HoldStatus.POSTED


# -- limits ----------------------------------------------------------------------------


def limited(usage: Usage | None = None) -> Book:
    b = book(account("acc_a", balance=10_000_000), account("acc_b"))
    b.limits[ASHA] = LIMITS
    if usage is not None:
        b.usage[ASHA] = usage
    return b


def test_payments_add_to_the_limit_usage() -> None:
    b = limited()
    b.transfer(transfer("acc_a", 30_000, payee_id="pay_ravi"))
    b.transfer(transfer("acc_a", 30_000, payee_id="pay_ravi"))
    assert b.usage[ASHA] == Usage(day=60_000, week=60_000, month=60_000)


def test_a_payment_above_the_per_transfer_limit_is_rejected() -> None:
    b = limited()
    err = refused(
        b,
        lambda: b.transfer(transfer("acc_a", 50_001, payee_id="pay_ravi")),
        Rejected,
        "limit_per_transfer",
    )
    assert "per-transfer limit of ₹500.00" in err.message


def test_the_daily_limit_counts_earlier_payments_of_the_day() -> None:
    b = limited()
    b.transfer(transfer("acc_a", 50_000, payee_id="pay_ravi"))
    err = refused(
        b,
        lambda: b.transfer(transfer("acc_a", 30_001, payee_id="pay_ravi")),
        Rejected,
        "limit_daily",
    )
    assert "you can still send ₹300.00" in err.message
    b.transfer(transfer("acc_a", 30_000, payee_id="pay_ravi"))


@pytest.mark.parametrize(
    ("usage", "code"),
    [
        (Usage(day=0, week=110_000, month=110_000), "limit_weekly"),
        (Usage(day=0, week=0, month=260_000), "limit_monthly"),
    ],
)
def test_weekly_and_monthly_limits_count_earlier_payments(usage: Usage, code: str) -> None:
    b = limited(usage)
    refused(b, lambda: b.transfer(transfer("acc_a", 45_000, payee_id="pay_ravi")), Rejected, code)


def test_a_hold_to_a_payee_above_the_per_transfer_limit_is_rejected_up_front() -> None:
    b = limited()
    refused(
        b,
        lambda: b.place_hold(hold("acc_a", 50_001, LATER, payee_id="pay_ravi")),
        Rejected,
        "limit_per_transfer",
    )


def test_posting_a_payee_hold_counts_against_the_limits_when_posted() -> None:
    b = limited(Usage(day=70_000, week=70_000, month=70_000))
    h = b.place_hold(hold("acc_a", 20_000, LATER, payee_id="pay_ravi"))
    refused(b, lambda: b.post_hold(post(h.id)), Rejected, "limit_daily")
    assert h.status is HoldStatus.PENDING
    b.post_hold(post(h.id, 10_000))
    assert b.usage[ASHA].day == 80_000


def test_amounts_are_money_not_floats() -> None:
    b = book(account("acc_a", balance=10_000), account("acc_b"))
    t = b.transfer(transfer("acc_a", 1, to="acc_b"))
    assert isinstance(t.amount, Money) and type(t.amount.minor) is int
