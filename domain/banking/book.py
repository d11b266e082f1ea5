"""The ledger book: applies money commands to an in-memory working set.

A batch loads the accounts, payees, holds and limit usage its commands touch
(with the rows locked), applies each command here in order, and writes back
what the book recorded. Each apply either records everything for that command
or raises a ``DomainError`` having changed nothing, so one bad command never
spoils the others in its batch.

Invariants kept here: every transfer posts one debit and one equal credit;
an account's balance only changes through postings; a no-overdraft account's
available balance (balance - held) never goes below zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.banking import limits as limit_rules
from domain.banking.commands import (
    ExecuteOrder,
    ExternalPosting,
    MakeTransfer,
    PlaceHold,
    PlaceOrderHold,
    PostHold,
    SettleTrade,
    VoidHold,
)
from domain.banking.model import (
    CHARGES_ACCOUNT_ID,
    EXCHANGE_ACCOUNT_ID,
    AccountState,
    AccountType,
    Hold,
    HoldStatus,
    Limits,
    Payee,
    Posting,
    Transfer,
    TransferKind,
    settlement_account_id,
)
from domain.errors import InvalidInput, NotFound, Rejected
from domain.ids import new_id
from domain.money import Money, format_minor

_ACCOUNT_NOT_FOUND = "No such account."


@dataclass
class Book:
    now: datetime
    accounts: dict[str, AccountState]
    payees: dict[str, Payee] = field(default_factory=dict)
    holds: dict[str, Hold] = field(default_factory=dict)
    limits: dict[str, Limits] = field(default_factory=dict)
    usage: dict[str, limit_rules.Usage] = field(default_factory=dict)
    # What the batch must write.
    transfers: list[Transfer] = field(default_factory=list)
    postings: list[Posting] = field(default_factory=list)
    new_holds: list[Hold] = field(default_factory=list)
    changed_holds: dict[str, Hold] = field(default_factory=dict)
    touched: set[str] = field(default_factory=set)
    # Attachments of the commands applied, with their results, for the batch hooks.
    attached: list[tuple[object, dict[str, Any]]] = field(default_factory=list)

    # -- lookups ---------------------------------------------------------

    def _own_account(self, account_id: str, customer_id: str | None) -> AccountState:
        account = self.accounts.get(account_id)
        if account is None or account.type is AccountType.SETTLEMENT:
            raise NotFound("account_not_found", _ACCOUNT_NOT_FOUND)
        if customer_id is not None and account.customer_id != customer_id:
            raise NotFound("account_not_found", _ACCOUNT_NOT_FOUND)
        return account

    def _payee(self, payee_id: str, customer_id: str) -> Payee:
        payee = self.payees.get(payee_id)
        if payee is None or payee.customer_id != customer_id:
            raise NotFound("payee_not_found", "No such payee. Add the payee first.")
        return payee

    def _settlement(self, currency: str) -> AccountState:
        account = self.accounts.get(settlement_account_id(currency))
        if account is None:
            raise Rejected("currency_unsupported", f"{currency} payments are not supported.")
        return account

    def _destination(
        self, customer_id: str, to_account_id: str | None, payee_id: str | None, currency: str
    ) -> tuple[AccountState, Payee | None]:
        if (to_account_id is None) == (payee_id is None):
            raise InvalidInput(
                "invalid_destination", "Give exactly one of 'to_account_id' or 'payee_id'."
            )
        if payee_id is not None:
            payee = self._payee(payee_id, customer_id)
            return self._settlement(currency), payee
        assert to_account_id is not None
        return self._own_account(to_account_id, customer_id), None

    # -- checks ------------------------------------------------------------

    @staticmethod
    def _same_currency(amount: Money, *accounts: AccountState) -> None:
        for account in accounts:
            if account.currency != amount.currency:
                raise InvalidInput(
                    "currency_mismatch",
                    f"The account is in {account.currency}; the amount is in {amount.currency}.",
                )

    @staticmethod
    def _funds(account: AccountState, amount: int, what: str = "This transfer") -> None:
        if account.no_overdraft and account.available < amount:
            raise Rejected(
                "insufficient_funds",
                f"Not enough money: {format_minor(account.available, account.currency)} "
                f"available; {what.lower()} needs {format_minor(amount, account.currency)}.",
            )

    def _check_limits(self, customer_id: str, amount: int) -> None:
        limits = self.limits.get(customer_id)
        if limits is not None:
            limit_rules.check(
                limits, self.usage.setdefault(customer_id, limit_rules.Usage()), amount
            )

    # -- recording ---------------------------------------------------------

    def _post(
        self,
        *,
        kind: TransferKind,
        customer_id: str | None,
        debit: AccountState,
        credit: AccountState,
        amount: Money,
        created_by: str | None,
        memo: str | None = None,
        category: str | None = None,
        merchant: str | None = None,
        counterparty: str | None = None,
        payee_id: str | None = None,
        hold_id: str | None = None,
        posted_at: datetime | None = None,
    ) -> Transfer:
        when = posted_at or self.now
        transfer = Transfer(
            id=new_id("trf"),
            customer_id=customer_id,
            kind=kind,
            debit_account_id=debit.id,
            credit_account_id=credit.id,
            amount=amount,
            memo=memo,
            category=category,
            merchant=merchant,
            counterparty=counterparty,
            payee_id=payee_id,
            hold_id=hold_id,
            created_by=created_by,
            created_at=self.now,
            posted_at=when,
        )
        debit.balance -= amount.minor
        credit.balance += amount.minor
        self.postings.append(Posting(transfer.id, debit.id, -amount.minor, debit.balance, when))
        self.postings.append(Posting(transfer.id, credit.id, amount.minor, credit.balance, when))
        self.transfers.append(transfer)
        self.touched.update((debit.id, credit.id))
        return transfer

    # -- commands ------------------------------------------------------------

    def transfer(self, cmd: MakeTransfer) -> Transfer:
        source = self._own_account(cmd.from_account_id, cmd.customer_id)
        target, payee = self._destination(
            cmd.customer_id, cmd.to_account_id, cmd.payee_id, source.currency
        )
        if target.id == source.id:
            raise InvalidInput("same_account", "Choose two different accounts.")
        self._same_currency(cmd.amount, source, target)
        if payee is not None:
            self._check_limits(cmd.customer_id, cmd.amount.minor)
        self._funds(source, cmd.amount.minor)
        transfer = self._post(
            kind=TransferKind.PAYEE if payee else TransferKind.INTERNAL,
            customer_id=cmd.customer_id,
            debit=source,
            credit=target,
            amount=cmd.amount,
            created_by=cmd.principal_id,
            memo=cmd.memo,
            category=cmd.category or "transfers",
            merchant=cmd.merchant,
            counterparty=payee.name if payee else None,
            payee_id=payee.id if payee else None,
        )
        if payee is not None:
            self.usage.setdefault(cmd.customer_id, limit_rules.Usage()).add(cmd.amount.minor)
        return transfer

    def external(self, cmd: ExternalPosting) -> Transfer:
        account = self._own_account(cmd.account_id, None)
        if account.customer_id is None:
            raise NotFound("account_not_found", _ACCOUNT_NOT_FOUND)
        world = self._settlement(account.currency)
        self._same_currency(cmd.amount, account)
        if cmd.posted_at is not None and cmd.posted_at > self.now:
            raise InvalidInput("invalid_posted_at", "'posted_at' cannot be in the future.")
        if cmd.direction == "credit":
            debit, credit, kind = world, account, TransferKind.EXTERNAL_CREDIT
        elif cmd.direction == "debit":
            self._funds(account, cmd.amount.minor, "This debit")
            debit, credit, kind = account, world, TransferKind.EXTERNAL_DEBIT
        else:
            raise InvalidInput("invalid_direction", "'direction' must be 'credit' or 'debit'.")
        return self._post(
            kind=kind,
            customer_id=account.customer_id,
            debit=debit,
            credit=credit,
            amount=cmd.amount,
            created_by=cmd.principal_id,
            memo=cmd.memo,
            category=cmd.category,
            merchant=cmd.merchant,
            counterparty=cmd.counterparty,
            posted_at=cmd.posted_at,
        )

    def place_hold(self, cmd: PlaceHold) -> Hold:
        source = self._own_account(cmd.account_id, cmd.customer_id)
        target, payee = self._destination(
            cmd.customer_id, cmd.to_account_id, cmd.payee_id, source.currency
        )
        if target.id == source.id:
            raise InvalidInput("same_account", "Choose two different accounts.")
        self._same_currency(cmd.amount, source, target)
        if cmd.expires_at <= self.now:
            raise InvalidInput("invalid_expiry", "'expires_at' must be in the future.")
        if payee is not None:
            limits = self.limits.get(cmd.customer_id)
            if limits is not None and cmd.amount.minor > limits.per_transfer:
                limit_rules.check(limits, limit_rules.Usage(), cmd.amount.minor)
        self._funds(source, cmd.amount.minor, "This hold")
        return self._reserve(
            cmd.customer_id, source, target, payee, cmd.amount, cmd.expires_at, cmd.memo
        )

    def _reserve(
        self,
        customer_id: str,
        source: AccountState,
        target: AccountState,
        payee: Payee | None,
        amount: Money,
        expires_at: datetime,
        memo: str | None,
    ) -> Hold:
        hold = Hold(
            id=new_id("hld"),
            customer_id=customer_id,
            account_id=source.id,
            credit_account_id=target.id,
            payee_id=payee.id if payee else None,
            amount=amount,
            posted_amount=0,
            status=HoldStatus.PENDING,
            memo=memo,
            expires_at=expires_at,
            created_at=self.now,
        )
        source.held += amount.minor
        self.touched.add(source.id)
        self.holds[hold.id] = hold
        self.new_holds.append(hold)
        return hold

    def _pending_hold(self, hold_id: str, customer_id: str | None) -> Hold:
        hold = self.holds.get(hold_id)
        if hold is None or (customer_id is not None and hold.customer_id != customer_id):
            raise NotFound("hold_not_found", "No such hold.")
        if hold.status is HoldStatus.PENDING and hold.expires_at <= self.now:
            self.expire(hold)
        if hold.status is not HoldStatus.PENDING:
            raise Rejected("hold_not_pending", f"This hold is already {hold.status.value}.")
        return hold

    def _release(self, hold: Hold, status: HoldStatus) -> None:
        account = self.accounts[hold.account_id]
        # A trade hold may already have spent part of itself on fills.
        account.held -= hold.amount.minor - hold.posted_amount
        hold.status = status
        hold.resolved_at = self.now
        self.touched.add(account.id)
        self.changed_holds[hold.id] = hold

    def post_hold(self, cmd: PostHold) -> Hold:
        hold = self._pending_hold(cmd.hold_id, cmd.customer_id)
        amount = cmd.amount or hold.amount
        if amount.currency != hold.amount.currency:
            raise InvalidInput(
                "currency_mismatch", f"The hold is in {hold.amount.currency}; the amount is not."
            )
        if amount.minor > hold.amount.minor:
            raise InvalidInput(
                "amount_above_hold",
                f"Cannot post {amount.format()}; the hold is for {hold.amount.format()}.",
            )
        if hold.payee_id is not None and hold.customer_id is not None:
            self._check_limits(hold.customer_id, amount.minor)
        source = self.accounts[hold.account_id]
        target = self.accounts[hold.credit_account_id]
        # The hold's reservation is released first, so the posting spends it.
        self._release(hold, HoldStatus.POSTED)
        payee = self.payees.get(hold.payee_id) if hold.payee_id else None
        transfer = self._post(
            kind=TransferKind.PAYEE if hold.payee_id else TransferKind.INTERNAL,
            customer_id=hold.customer_id,
            debit=source,
            credit=target,
            amount=amount,
            created_by=cmd.principal_id,
            memo=hold.memo,
            category="transfers",
            counterparty=payee.name if payee else None,
            payee_id=hold.payee_id,
            hold_id=hold.id,
        )
        if hold.payee_id is not None and hold.customer_id is not None:
            self.usage.setdefault(hold.customer_id, limit_rules.Usage()).add(amount.minor)
        hold.posted_amount = amount.minor
        hold.transfer_id = transfer.id
        return hold

    def void_hold(self, cmd: VoidHold) -> Hold:
        hold = self._pending_hold(cmd.hold_id, cmd.customer_id)
        self._release(hold, HoldStatus.VOIDED)
        return hold

    def expire(self, hold: Hold) -> None:
        """Release a pending hold whose time has passed."""
        if hold.status is HoldStatus.PENDING:
            self._release(hold, HoldStatus.EXPIRED)

    # -- trading ---------------------------------------------------------------

    def _bank_account(self, account_id: str) -> AccountState:
        account = self.accounts.get(account_id)
        if account is None:
            raise Rejected("trading_unavailable", "Trading is not set up at this bank yet.")
        return account

    def _trading_account(self, account_id: str, customer_id: str) -> AccountState:
        account = self._own_account(account_id, customer_id)
        if account.type is not AccountType.TRADING:
            raise InvalidInput("not_trading_account", "Trades settle in a trading account.")
        return account

    def place_order_hold(self, cmd: PlaceOrderHold) -> Hold:
        source = self._trading_account(cmd.account_id, cmd.customer_id)
        exchange = self._bank_account(EXCHANGE_ACCOUNT_ID)
        self._same_currency(cmd.amount, source, exchange)
        if cmd.amount.minor <= 0:
            raise InvalidInput("invalid_amount", "A hold must be for more than zero.")
        if cmd.expires_at <= self.now:
            raise InvalidInput("invalid_expiry", "'expires_at' must be in the future.")
        self._funds(source, cmd.amount.minor, "This order")
        return self._reserve(
            cmd.customer_id, source, exchange, None, cmd.amount, cmd.expires_at, cmd.memo
        )

    def settle_trade(self, cmd: SettleTrade) -> dict[str, Any]:
        """Post one fill: value to or from the exchange, charges to the bank; all or nothing."""
        transfers, hold = self._settle(cmd)
        return {
            "id": transfers[0].id,
            "transfers": [t.to_json() for t in transfers],
            "hold": hold.to_json() if hold else None,
        }

    def _settle(self, cmd: SettleTrade) -> tuple[list[Transfer], Hold | None]:
        account = self._trading_account(cmd.account_id, cmd.customer_id)
        exchange = self._bank_account(EXCHANGE_ACCOUNT_ID)
        charges = self._bank_account(CHARGES_ACCOUNT_ID)
        self._same_currency(cmd.value, account)
        self._same_currency(cmd.charges, account)
        if cmd.value.minor <= 0 or cmd.charges.minor < 0:
            raise InvalidInput("invalid_amount", "A fill needs a positive value.")
        if cmd.side not in ("buy", "sell"):
            raise InvalidInput("invalid_side", "'side' must be 'buy' or 'sell'.")
        hold: Hold | None = None
        if cmd.side == "buy":
            cost = cmd.value.minor + cmd.charges.minor
            if cmd.hold_id is not None:
                hold = self._pending_hold(cmd.hold_id, cmd.customer_id)
                if hold.account_id != account.id or hold.credit_account_id != exchange.id:
                    raise NotFound("hold_not_found", "No such hold.")
                if cost > hold.amount.minor - hold.posted_amount:
                    raise Rejected(
                        "amount_above_hold",
                        f"This fill needs {format_minor(cost)}; the order holds less.",
                    )
            else:
                self._funds(account, cost, "This trade")
            legs = [(account, exchange, cmd.value), (account, charges, cmd.charges)]
        else:
            if cmd.hold_id is not None:
                raise InvalidInput("invalid_hold", "A sell spends no hold.")
            self._funds(account, cmd.charges.minor - cmd.value.minor, "This trade")
            legs = [(exchange, account, cmd.value), (account, charges, cmd.charges)]
        if hold is not None:
            # Spend the fill's share of the hold; the rest stays reserved.
            account.held -= cost
            hold.posted_amount += cost
            self.changed_holds[hold.id] = hold
            self.touched.add(account.id)
        transfers = [
            self._post(
                kind=TransferKind.TRADE,
                customer_id=cmd.customer_id,
                debit=debit,
                credit=credit,
                amount=amount,
                created_by=cmd.principal_id,
                memo=cmd.memo if credit is not charges else f"Charges: {cmd.memo or 'trade'}",
                category="investments" if credit is not charges else "charges",
                counterparty="NSE" if exchange in (debit, credit) else None,
                hold_id=hold.id if hold else None,
            )
            for debit, credit, amount in legs
            if amount.minor > 0
        ]
        if hold is not None:
            hold.transfer_id = transfers[0].id
            if cmd.final:
                self._release(hold, HoldStatus.POSTED)
        return transfers, hold

    def execute_order(self, cmd: ExecuteOrder) -> dict[str, Any]:
        """Reserve a buy's cash and settle what fills now: all of it, or nothing."""
        account = self._trading_account(cmd.account_id, cmd.customer_id)
        exchange = self._bank_account(EXCHANGE_ACCOUNT_ID)
        if cmd.side not in ("buy", "sell"):
            raise InvalidInput("invalid_side", "'side' must be 'buy' or 'sell'.")
        # Every check comes before the first change, so a refusal leaves nothing behind.
        cost = 0
        if cmd.value is not None:
            charges = cmd.charges or Money(0, cmd.value.currency)
            self._same_currency(cmd.value, account)
            self._same_currency(charges, account)
            if cmd.value.minor <= 0 or charges.minor < 0:
                raise InvalidInput("invalid_amount", "A fill needs a positive value.")
            cost = cmd.value.minor + charges.minor
            if cmd.side == "sell":
                self._funds(account, charges.minor - cmd.value.minor, "This trade")
        if cmd.side == "sell":
            if cmd.hold is not None:
                raise InvalidInput("invalid_hold", "A sell spends no hold.")
        else:
            if cmd.hold is None or cmd.expires_at is None:
                raise InvalidInput("missing_hold", "A buy reserves its cash with a hold.")
            self._same_currency(cmd.hold, account, exchange)
            if cmd.hold.minor <= 0:
                raise InvalidInput("invalid_amount", "A hold must be for more than zero.")
            if cmd.expires_at <= self.now:
                raise InvalidInput("invalid_expiry", "'expires_at' must be in the future.")
            if cost > cmd.hold.minor:
                raise Rejected(
                    "amount_above_hold",
                    f"This fill needs {format_minor(cost)}; the order holds less.",
                )
            self._funds(account, cmd.hold.minor, "This order")
        hold = None
        if cmd.hold is not None and cmd.expires_at is not None:
            hold = self._reserve(
                cmd.customer_id, account, exchange, None, cmd.hold, cmd.expires_at, cmd.hold_memo
            )
        result: dict[str, Any] = {"id": cmd.order_id, "hold": None, "transfers": []}
        if cmd.value is not None:
            transfers, _ = self._settle(
                SettleTrade(
                    principal_id=cmd.principal_id,
                    idempotency_key=cmd.idempotency_key,
                    customer_id=cmd.customer_id,
                    account_id=cmd.account_id,
                    side=cmd.side,
                    value=cmd.value,
                    charges=cmd.charges or Money(0, cmd.value.currency),
                    hold_id=hold.id if hold else None,
                    final=cmd.final,
                    memo=cmd.memo,
                )
            )
            # Ids only, as the hold below: no full documents built just to be dropped.
            result["transfers"] = [{"id": t.id} for t in transfers]
        if hold is not None:
            # Ids and status only: this answer is stored under the key of every order.
            result["hold"] = {"id": hold.id, "status": hold.status.value}
        return result
