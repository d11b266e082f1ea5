"""Charges and P&L against examples worked by hand (all figures in paise)."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

import pytest

from domain.errors import Rejected
from domain.trading.charges import ChargeRates, Charges, delivery_charges
from domain.trading.market import Quote
from domain.trading.portfolio import Holding, TodayTrades, apply_fill, position


def test_buying_ten_infy_at_1500_costs_17_rupees_80_in_charges() -> None:
    # STT 0.1% of ₹15,000 = ₹15; exchange 44.55p -> 45p; SEBI 1.5p -> 2p;
    # stamp 0.015% = 225p; GST 18% of (0 + 45 + 2) = 8.46p -> 8p.
    assert delivery_charges("buy", 15_000_00) == Charges(0, 1500, 45, 2, 225, 8)
    assert delivery_charges("buy", 15_000_00).total == 1780


def test_selling_ten_at_1600_pays_no_stamp_duty() -> None:
    # STT ₹16; exchange 47.52p -> 48p; SEBI 1.6p -> 2p; GST 18% of 50p = 9p.
    assert delivery_charges("sell", 16_000_00) == Charges(0, 1600, 48, 2, 0, 9)


def test_stt_is_rounded_to_the_whole_rupee() -> None:
    assert delivery_charges("buy", 1_234_56).stt == 100  # ₹1.23456 -> ₹1
    assert delivery_charges("sell", 1_500_00).stt == 200  # ₹1.50 -> ₹2 (half up)


def test_brokerage_is_configurable_and_taxed_with_gst() -> None:
    rates = ChargeRates(brokerage_rate=Fraction(3, 10_000), brokerage_cap_minor=2000)
    c = delivery_charges("buy", 15_000_00, rates)
    assert c.brokerage == 450  # 0.03% of ₹15,000
    assert c.gst == 89  # 18% of (450 + 45 + 2) = 89.46p
    assert delivery_charges("buy", 1_00_00_000_00, rates).brokerage == 2000  # capped at ₹20


def test_the_itemised_lines_add_up_to_the_total() -> None:
    c = delivery_charges("buy", 98_765_43)
    assert sum(v for _, v in c.lines()) == c.total
    assert Charges.from_json(c.to_json()) == c


def test_average_cost_and_realised_pnl_follow_each_fill() -> None:
    h = Holding("INFY", 0, 0)
    h = apply_fill(h, "buy", 10, 15_000_00)
    h = apply_fill(h, "buy", 5, 8_000_00)
    assert (h.quantity, h.cost, h.average_cost) == (15, 23_000_00, 1533_33)
    h = apply_fill(h, "sell", 6, 10_200_00)  # 6 at ₹1,700; cost removed ₹9,200
    assert (h.quantity, h.cost, h.realised) == (9, 13_800_00, 1_000_00)
    h = apply_fill(h, "sell", 9, 12_600_00)  # the rest at ₹1,400: a ₹1,200 loss
    assert (h.quantity, h.cost, h.realised) == (0, 0, -200_00)


def test_selling_more_than_held_is_refused() -> None:
    with pytest.raises(Rejected):
        apply_fill(Holding("TCS", 2, 800_000), "sell", 3, 1)


def test_day_pnl_counts_todays_buys_from_their_price_not_the_previous_close() -> None:
    quote = Quote("INFY", 1620_00, 1550_00, 1550_00, 1630_00, 1540_00, 1, datetime.now(UTC), True)
    h = Holding("INFY", 15, 23_000_00)
    p = position(h, "Infosys", quote, TodayTrades(bought_qty=5, bought_value=8_000_00))
    # 10 held overnight gained ₹70 each; 5 bought today at ₹1,600 gained ₹20 each.
    assert p.day_pnl == 800_00
    assert p.market_value == 24_300_00
    assert p.unrealised == 1_300_00
