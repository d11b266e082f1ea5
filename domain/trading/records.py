"""Trading rows as the domain sees them: orders, trades and alerts, to and from storage."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.trading.charges import Charges
from domain.trading.journal import FillRecord
from domain.trading.orders import Order, OrderRequest, OrderStatus, OrderType, Side

# One encoder for every trade's charge lines (json.dumps builds one per call given options).
_ENCODER = json.JSONEncoder(separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class Trade:
    id: str
    order_id: str
    symbol: str
    side: Side
    quantity: int
    price: int
    value: int
    charges: Charges
    transfer_id: str | None
    executed_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "order_id": self.order_id,
            "symbol": self.symbol,
            "side": self.side.value,
            "quantity": self.quantity,
            "price": {"minor": self.price, "currency": "INR"},
            "value": {"minor": self.value, "currency": "INR"},
            "charges": self.charges.to_json(),
            "transfer_id": self.transfer_id,
            "executed_at": self.executed_at.isoformat(),
        }


def request_hash(request: OrderRequest) -> str:
    return hashlib.sha256(request.fingerprint().encode()).hexdigest()


def order_from_row(row: Any) -> Order:
    return Order(
        id=row.id,
        customer_id=row.customer_id,
        client_order_id=row.client_order_id,
        account_id=row.account_id,
        symbol=row.symbol,
        side=Side(row.side),
        order_type=OrderType(row.order_type),
        quantity=row.quantity,
        limit_price=row.limit_price,
        trigger_price=row.trigger_price,
        status=OrderStatus(row.status),
        filled_quantity=row.filled_quantity,
        filled_value=row.filled_value,
        charges=row.charges,
        hold_id=row.hold_id,
        amo=bool(row.amo),
        triggered=bool(row.triggered),
        valid_until=row.valid_until,
        reason=row.reason,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def trade_from_row(row: Any) -> Trade:
    return Trade(
        id=row.id,
        order_id=row.order_id,
        symbol=row.symbol,
        side=Side(row.side),
        quantity=row.quantity,
        price=row.price,
        value=row.value,
        charges=Charges.from_json(json.loads(row.charge_lines)),
        transfer_id=row.transfer_id,
        executed_at=row.executed_at,
    )


def order_values(o: Order) -> dict[str, Any]:
    """The columns a live order changes as it fills, triggers and ends."""
    return {
        "status": o.status.value,
        "filled_quantity": o.filled_quantity,
        "filled_value": o.filled_value,
        "charges": o.charges,
        "triggered": o.triggered,
        "reason": o.reason,
        "updated_at": o.updated_at,
    }


def new_order_row(order: Order, request: OrderRequest) -> dict[str, Any]:
    return {
        "id": order.id,
        "customer_id": order.customer_id,
        "client_order_id": order.client_order_id,
        "request_hash": request_hash(request),
        "account_id": order.account_id,
        "symbol": order.symbol,
        "side": order.side.value,
        "order_type": order.order_type.value,
        "quantity": order.quantity,
        "limit_price": order.limit_price,
        "trigger_price": order.trigger_price,
        "hold_id": order.hold_id,
        "amo": order.amo,
        "valid_until": order.valid_until,
        "created_at": order.created_at,
        **order_values(order),
    }


def fill_entry(order: Order, trade: Trade | None) -> dict[str, Any]:
    """A fill's trade row and holding change, as journal ``Entry`` fields."""
    if trade is None:
        return {}
    return {
        "trade": {
            "id": trade.id,
            "order_id": order.id,
            "customer_id": order.customer_id,
            "symbol": trade.symbol,
            "side": trade.side.value,
            "quantity": trade.quantity,
            "price": trade.price,
            "value": trade.value,
            "charges": trade.charges.total,
            "charge_lines": _ENCODER.encode(trade.charges.to_json()),
            "transfer_id": trade.transfer_id,
            "executed_at": trade.executed_at,
        },
        "fill": FillRecord(
            order.customer_id,
            order.symbol,
            trade.side.value,
            trade.quantity,
            trade.value,
            trade.executed_at,
        ),
    }


def alert_json(row: dict[str, Any]) -> dict[str, Any]:
    when = row.get("triggered_at")
    return {
        "id": row["id"],
        "symbol": row["symbol"],
        "direction": row["direction"],
        "price": {"minor": row["price"], "currency": "INR"},
        "status": row["status"],
        "created_at": row["created_at"].isoformat(),
        "triggered_at": when.isoformat() if when else None,
    }
