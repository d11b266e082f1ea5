"""The bank queries a model may call, each answering only about the customer at hand.

Reads are answered with masked data (``XXXX1234``, ``r***@okaxis``). The one
tool that would move money, ``propose_transfer``, only checks and returns a
proposal; the assistant then asks the customer to confirm it as usual.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from anthropic.types import ToolParam

from bot.context import Turn
from bot.flows.common import account_type
from bot.formatting import rupees
from bot.llm import masking
from bot.llm.advice import TransferProposal
from domain.banking.model import AccountType
from domain.banking.views import HistoryFilter

_ACCOUNT_KINDS = [t.value for t in AccountType if t is not AccountType.SETTLEMENT]
_ACCOUNT = {"type": "string", "enum": _ACCOUNT_KINDS}

TOOLS: list[ToolParam] = [
    {
        "name": "get_balances",
        "description": "The customer's accounts with balances and available amounts.",
        "input_schema": {"type": "object", "properties": {}},
    },
    {
        "name": "recent_transactions",
        "description": "The customer's recent transactions in one account, newest first.",
        "input_schema": {
            "type": "object",
            "properties": {
                "account": _ACCOUNT,
                "days": {"type": "integer", "minimum": 1, "maximum": 365},
                "limit": {"type": "integer", "minimum": 1, "maximum": 20},
            },
        },
    },
    {
        "name": "spending_summary",
        "description": "What the customer spent between two dates (default: this month), "
        "by category and by merchant.",
        "input_schema": {
            "type": "object",
            "properties": {
                "start": {"type": "string", "format": "date"},
                "end": {"type": "string", "format": "date"},
            },
        },
    },
    {
        "name": "list_payees",
        "description": "The customer's saved payees, with the ids propose_transfer needs.",
        "input_schema": {"type": "object", "properties": {}},
    },
    {
        "name": "propose_transfer",
        "description": "Suggest a transfer to a saved payee or between the customer's own "
        "accounts. It does NOT send money: the customer is shown the details and must "
        "confirm. Give payee_id (from list_payees) or to_account, and the amount in rupees.",
        "input_schema": {
            "type": "object",
            "properties": {
                "payee_id": {"type": "string"},
                "to_account": _ACCOUNT,
                "from_account": _ACCOUNT,
                "amount_rupees": {"type": "string", "description": "e.g. '1500' or '99.50'"},
            },
            "required": ["amount_rupees"],
        },
    },
]
PROPOSE = "propose_transfer"


class ToolError(Exception):
    """A bad tool call; the message goes back to the model as the tool's result."""


async def run(turn: Turn, name: str, args: dict[str, Any]) -> dict[str, Any]:
    """Answer a read-only tool call about ``turn.customer``."""
    if name == "get_balances":
        return await _balances(turn)
    if name == "recent_transactions":
        return await _transactions(turn, args)
    if name == "spending_summary":
        return await _spending(turn, args)
    if name == "list_payees":
        return await _payees(turn)
    raise ToolError(f"There is no tool called {name!r}.")


async def _balances(turn: Turn) -> dict[str, Any]:
    accounts = await turn.banking.accounts(turn.customer.id)
    return {
        "accounts": [
            {
                "type": a.type.value,
                "name": a.name,
                "number": masking.account_number(a.number),
                "balance": rupees(a.balance, a.currency),
                "available": rupees(a.available, a.currency),
            }
            for a in accounts
        ]
    }


async def _transactions(turn: Turn, args: dict[str, Any]) -> dict[str, Any]:
    accounts = await turn.banking.accounts(turn.customer.id)
    kind = account_type(_str(args.get("account"))) or AccountType.SAVINGS
    account = next((a for a in accounts if a.type is kind), accounts[0] if accounts else None)
    if account is None:
        return {"transactions": []}
    days = _int(args.get("days"), 30, 1, 365)
    start, end = turn.day_bounds(turn.today() - timedelta(days=days - 1), turn.today())
    page = await turn.banking.history(
        turn.customer.id,
        account.id,
        HistoryFilter(start=start, end=end, limit=_int(args.get("limit"), 10, 1, 20)),
    )
    return {
        "account": f"{account.name} {masking.account_number(account.number)}",
        "transactions": [
            {
                "date": item.posted_at.astimezone(turn.zone).date().isoformat(),
                "description": masking.text(item.merchant or item.counterparty or item.kind),
                "category": item.category,
                "amount": rupees(item.amount, item.currency),
            }
            for item in page.items
        ],
    }


async def _spending(turn: Turn, args: dict[str, Any]) -> dict[str, Any]:
    today = turn.today()
    first = _date(args.get("start"), today.replace(day=1))
    last = min(_date(args.get("end"), today), today)
    if first > last or (last - first).days > 366:
        raise ToolError("Give a start date on or before the end date, at most a year apart.")
    start, end = turn.day_bounds(first, last)
    summary = await turn.banking.spending(turn.customer.id, start, end)
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "total": rupees(summary.total),
        "transactions": summary.count,
        "by_category": {line.label: rupees(line.total) for line in summary.by_category},
        "by_merchant": {masking.text(m.label): rupees(m.total) for m in summary.by_merchant[:10]},
    }


async def _payees(turn: Turn) -> dict[str, Any]:
    payees = await turn.banking.payees(turn.customer.id)
    return {
        "payees": [
            {
                "payee_id": p.id,
                "name": p.name,
                "nickname": p.nickname,
                "pays_to": masking.upi_id(p.upi_id)
                if p.upi_id
                else masking.account_number(p.account_number),
            }
            for p in payees
        ]
    }


async def propose(turn: Turn, args: dict[str, Any]) -> TransferProposal:
    """Check a suggested transfer against the customer's own payees and accounts."""
    amount = _paise(args.get("amount_rupees"))
    slots: dict[str, str | int] = {"amount": amount}
    accounts = await turn.banking.accounts(turn.customer.id)
    payee_id = _str(args.get("payee_id"))
    to_kind = account_type(_str(args.get("to_account")))
    if payee_id:
        payees = await turn.banking.payees(turn.customer.id)
        if not any(p.id == payee_id for p in payees):
            raise ToolError("That payee_id is not one of the customer's payees.")
        slots["payee_id"] = payee_id
    elif to_kind is not None:
        target = next((a for a in accounts if a.type is to_kind), None)
        if target is None:
            raise ToolError(f"The customer has no {to_kind.value} account.")
        slots["to_account_id"] = target.id
    else:
        raise ToolError("Give payee_id or to_account.")
    from_kind = account_type(_str(args.get("from_account")))
    if from_kind is not None:
        source = next((a for a in accounts if a.type is from_kind), None)
        if source is None:
            raise ToolError(f"The customer has no {from_kind.value} account.")
        slots["from_account_id"] = source.id
    return TransferProposal(slots)


def _paise(value: Any) -> int:
    try:
        amount = Decimal(str(value).replace(",", "").replace("₹", "").strip())
    except InvalidOperation:
        raise ToolError("amount_rupees must be a number of rupees, like '1500'.") from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise ToolError("amount_rupees must be positive, in rupees and paise.")
    return int(amount * 100)


def _str(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _int(value: Any, default: int, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        return default
    return max(lo, min(hi, value))


def _date(value: Any, default: date) -> date:
    if value is None:
        return default
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ToolError(f"{value!r} is not a date like 2026-11-01.") from None
