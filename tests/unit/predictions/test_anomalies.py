"""Unusual debits and Balance Watch from hand-built histories: pure functions, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.predictions.anomalies import Charge, Flag, check, robust_z, scan
from domain.predictions.forecast_watch import due_soon, low_balance

NOW = datetime(2026, 11, 16, 5, 0, tzinfo=UTC)
LARGE = 50_000_00


def spend(amount: int, merchant: str | None = None, balance_after: int | None = None) -> Charge:
    return Charge(NOW, amount, merchant, "trf_1", balance_after=balance_after)


def kinds(flags: list[Flag]) -> list[str]:
    return [f.kind for f in flags]


def daily(merchant: str, amounts: list[int], days: int = 40) -> list[Charge]:
    """Earlier charges, one a day ending yesterday, oldest first."""
    start = NOW - timedelta(days=len(amounts))
    return [Charge(start + timedelta(days=n), a, merchant) for n, a in enumerate(amounts)]


def test_a_payment_at_or_over_the_large_threshold_is_a_large_debit() -> None:
    (flag,) = check(spend(LARGE), [], large=LARGE)
    assert flag.kind == "large_debit"
    assert flag.reason == "₹50,000.00 left your account: a large payment."
    assert flag.detail == "It is at or over the large-payment amount of ₹50,000.00."


def test_a_payment_three_times_the_usual_is_unusual_even_below_the_threshold() -> None:
    usual = [Charge(NOW - timedelta(days=d), 4_000_00, f"Shop {d}") for d in range(1, 7)]
    (flag,) = check(spend(15_000_00), usual, large=LARGE)
    assert flag.kind == "large_debit"
    assert "larger than usual" in flag.reason
    assert flag.detail == "It is 3.8 times your typical payment of ₹4,000.00 over the last 90 days."


def test_a_normal_payment_or_too_short_a_history_says_nothing() -> None:
    usual = [Charge(NOW - timedelta(days=d), 4_000_00, f"Shop {d}") for d in range(1, 7)]
    assert check(spend(5_000_00), usual, large=LARGE) == []
    few = usual[:4]
    assert check(spend(15_000_00), few, large=LARGE) == []


def test_the_same_merchant_and_amount_within_a_day_is_a_possible_duplicate() -> None:
    earlier = [Charge(NOW - timedelta(hours=3), 649_00, "Netflix")]
    (flag,) = check(spend(649_00, "Netflix"), earlier, large=LARGE)
    assert flag.kind == "duplicate_charge"
    assert flag.reason == "Netflix charged ₹649.00 twice within a day."
    assert flag.detail == "The same amount at the same merchant 180 minutes after the first charge."


def test_a_repeat_after_a_day_or_of_another_amount_is_not_a_duplicate() -> None:
    older = [Charge(NOW - timedelta(hours=25), 649_00, "Netflix")]
    assert "duplicate_charge" not in kinds(check(spend(649_00, "Netflix"), older, large=LARGE))
    other = [Charge(NOW - timedelta(hours=1), 199_00, "Netflix")]
    assert check(spend(649_00, "Netflix"), other, large=LARGE) == []


def test_a_monthly_charge_that_went_up_is_flagged_with_last_months_amount() -> None:
    months = [Charge(NOW - timedelta(days=d), 499_00, "Spotify") for d in (60, 30)]
    (flag,) = check(spend(599_00, "Spotify"), months, large=LARGE)
    assert flag.kind == "recurring_increase"
    assert flag.reason == "Spotify charged ₹599.00, up from ₹499.00 last month."
    assert flag.detail == (
        "Spotify charged ₹499.00 in each of the two months before; this time ₹100.00 more."
    )


def test_a_monthly_charge_that_stayed_the_same_or_fell_is_not_flagged() -> None:
    months = [Charge(NOW - timedelta(days=d), 499_00, "Spotify") for d in (60, 30)]
    assert check(spend(499_00, "Spotify"), months, large=LARGE) == []
    assert check(spend(399_00, "Spotify"), months, large=LARGE) == []


def test_a_bill_that_varies_or_a_merchant_paid_now_and_then_has_no_regular_charge() -> None:
    varies = [Charge(NOW - timedelta(days=60), 1_400_00, "BESCOM")]
    varies.append(Charge(NOW - timedelta(days=30), 1_900_00, "BESCOM"))
    assert check(spend(2_300_00, "BESCOM"), varies, large=LARGE) == []
    once = [Charge(NOW - timedelta(days=30), 499_00, "Amazon")]
    assert check(spend(899_00, "Amazon"), once, large=LARGE) == []


def test_rent_is_large_against_small_spends_but_not_unusual_once_paid_before() -> None:
    spends = [Charge(NOW - timedelta(days=d), 400_00, "Swiggy") for d in range(2, 12)]
    rent = Charge(NOW - timedelta(days=30), 28_000_00, None, counterparty="Mehta Properties")
    this_month = Charge(NOW, 28_000_00, None, "trf_1", counterparty="Mehta Properties")
    assert check(this_month, [rent, *spends], large=LARGE) == []
    assert kinds(check(this_month, spends, large=LARGE)) == ["large_debit"]


def test_far_above_the_usual_at_a_merchant_has_a_robust_z_score_over_the_limit() -> None:
    usual = daily("Uber", [300_00, 350_00, 280_00, 320_00, 310_00, 290_00])
    (flag,) = check(spend(1_900_00, "Uber"), usual, large=LARGE)
    assert flag.kind == "unusual_for_merchant"
    assert flag.reason == "₹1,900.00 at Uber, far above your usual ₹305.00 there."
    assert "robust z-score is 70.5" in flag.detail
    assert check(spend(420_00, "Uber"), usual, large=LARGE) == []  # z = 5.1, but not three times


def test_robust_z_ignores_one_wild_value_in_the_sample() -> None:
    sample = [100, 110, 90, 105, 95, 10_000]
    assert robust_z(120, sample) == robust_z(120, [*sample[:-1], 115])
    assert robust_z(500, [500, 500, 500]) == 0.0  # the MAD floor keeps it finite


def test_a_large_first_payment_to_a_new_merchant_is_flagged_once_there_is_a_history() -> None:
    history = daily("Cafe", [5_000_00] * 35)
    (flag,) = check(spend(12_000_00, "Jewellers"), history, large=LARGE)
    assert flag.kind == "new_merchant_large"
    assert flag.reason == "₹12,000.00 at Jewellers, a merchant you haven't paid before."
    assert check(spend(12_000_00, "Jewellers"), history[-9:], large=LARGE) == []  # too little
    assert check(spend(2_000_00, "Jewellers"), history, large=LARGE) == []  # too small
    # A known merchant is judged against its own history instead.
    assert check(spend(12_000_00, "Cafe"), history, large=LARGE) == []
    assert kinds(check(spend(16_000_00, "Cafe"), history, large=LARGE)) == [
        "large_debit",
        "unusual_for_merchant",
    ]


def test_scan_flags_each_charge_against_the_ones_before_it_newest_first() -> None:
    history = [
        *daily("Swiggy", [400_00, 450_00, 380_00, 420_00]),
        Charge(NOW - timedelta(minutes=3), 486_00, "Swiggy", "trf_a"),
        Charge(NOW, 486_00, "Swiggy", "trf_b"),
    ]
    (flag,) = scan(list(reversed(history)), NOW - timedelta(days=30), large=LARGE)
    assert (flag.kind, flag.charge.transfer_id) == ("duplicate_charge", "trf_b")
    assert scan(history, NOW + timedelta(seconds=1), large=LARGE) == []


def test_a_balance_below_the_known_debits_due_warns_of_a_low_balance() -> None:
    flag = low_balance(spend(1_000_00, balance_after=2_000_00), 5_000_00)
    assert flag is not None and flag.kind == "low_balance"
    assert flag.reason == "₹2,000.00 left, but ₹5,000.00 of known payments are due soon."
    assert low_balance(spend(1_000_00, balance_after=9_000_00), 5_000_00) is None
    assert low_balance(spend(1_000_00, balance_after=9_000_00), 0) is None


def test_balance_watch_adds_the_customers_minimum_to_what_is_due() -> None:
    flag = low_balance(spend(1_000_00, balance_after=9_000_00), 5_000_00, minimum=5_000_00)
    assert flag is not None
    assert flag.detail.endswith("your Balance Watch minimum is ₹5,000.00.")
    alone = low_balance(spend(1_000_00, balance_after=4_000_00), 0, minimum=5_000_00)
    assert alone is not None
    assert alone.reason == "₹4,000.00 left, below your Balance Watch minimum of ₹5,000.00."


def test_known_debits_due_are_last_months_charges_falling_due_within_a_week() -> None:
    history = [
        Charge(NOW - timedelta(days=27), 1_200_00, "Gym"),  # due in 3 days
        Charge(NOW - timedelta(days=28), 800_00, "Broadband"),  # due in 2 days
        Charge(NOW - timedelta(days=10), 500_00, "Cafe"),  # due in 20 days: too far
        Charge(NOW - timedelta(days=40), 300_00, "Old"),  # was due 10 days ago
        Charge(NOW - timedelta(days=26), 999_00, None),  # no merchant: not recurring
    ]
    assert due_soon(history, NOW) == 2_000_00
    # Only the latest charge at a merchant counts.
    assert due_soon([*history, Charge(NOW - timedelta(days=57), 1_100_00, "Gym")], NOW) == 2_000_00
