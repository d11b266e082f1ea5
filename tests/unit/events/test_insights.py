"""Proactive insights from hand-built histories: pure functions, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.notifications.insights import Charge, Spend, due_soon, insights
from domain.notifications.model import Draft

NOW = datetime(2026, 11, 16, 5, 0, tzinfo=UTC)
LARGE = 50_000_00


def spend(amount: int, merchant: str | None = None, balance_after: int | None = None) -> Spend:
    return Spend("usr_a", "evt_1", NOW, amount, "INR", merchant, balance_after)


def kinds(drafts: list[Draft]) -> list[str]:
    return [str(d.data["insight"]) for d in drafts]


def test_a_payment_at_or_over_the_large_threshold_is_a_large_debit() -> None:
    (draft,) = insights(spend(LARGE), [], upcoming=0, large=LARGE)
    assert draft.data["insight"] == "large_debit"
    assert draft.body == "₹50,000.00 left your account: a large payment."


def test_a_payment_three_times_the_usual_is_unusual_even_below_the_threshold() -> None:
    usual = [Charge(NOW - timedelta(days=d), 4_000_00, f"Shop {d}") for d in range(1, 7)]
    (draft,) = insights(spend(15_000_00), usual, upcoming=0, large=LARGE)
    assert draft.data["insight"] == "large_debit"
    assert "larger than usual" in draft.body


def test_a_normal_payment_or_too_short_a_history_says_nothing() -> None:
    usual = [Charge(NOW - timedelta(days=d), 4_000_00, f"Shop {d}") for d in range(1, 7)]
    assert insights(spend(5_000_00), usual, upcoming=0, large=LARGE) == []
    few = usual[:4]
    assert insights(spend(15_000_00), few, upcoming=0, large=LARGE) == []


def test_the_same_merchant_and_amount_within_a_day_is_a_possible_duplicate() -> None:
    earlier = [Charge(NOW - timedelta(hours=3), 649_00, "Netflix")]
    (draft,) = insights(spend(649_00, "Netflix"), earlier, upcoming=0, large=LARGE)
    assert draft.data == {"insight": "duplicate_charge", "source_event_id": "evt_1"}
    assert draft.body == "Netflix charged ₹649.00 twice within a day."


def test_a_repeat_after_a_day_or_of_another_amount_is_not_a_duplicate() -> None:
    older = [Charge(NOW - timedelta(hours=25), 649_00, "Netflix")]
    assert "duplicate_charge" not in kinds(
        insights(spend(649_00, "Netflix"), older, upcoming=0, large=LARGE)
    )
    other = [Charge(NOW - timedelta(hours=1), 199_00, "Netflix")]
    assert insights(spend(649_00, "Netflix"), other, upcoming=0, large=LARGE) == []


def test_a_monthly_charge_that_went_up_is_flagged_with_last_months_amount() -> None:
    last_month = [Charge(NOW - timedelta(days=30), 499_00, "Spotify")]
    (draft,) = insights(spend(599_00, "Spotify"), last_month, upcoming=0, large=LARGE)
    assert draft.data["insight"] == "recurring_increase"
    assert draft.body == "Spotify charged ₹599.00, up from ₹499.00 last month."


def test_a_monthly_charge_that_stayed_the_same_or_fell_is_not_flagged() -> None:
    last_month = [Charge(NOW - timedelta(days=30), 499_00, "Spotify")]
    assert insights(spend(499_00, "Spotify"), last_month, upcoming=0, large=LARGE) == []
    assert insights(spend(399_00, "Spotify"), last_month, upcoming=0, large=LARGE) == []


def test_a_balance_below_the_known_debits_due_warns_of_a_low_balance() -> None:
    (draft,) = insights(spend(1_000_00, balance_after=2_000_00), [], upcoming=5_000_00, large=LARGE)
    assert draft.data["insight"] == "low_balance"
    assert draft.body == "₹2,000.00 left, but ₹5,000.00 of known payments are due soon."
    assert (
        insights(spend(1_000_00, balance_after=9_000_00), [], upcoming=5_000_00, large=LARGE) == []
    )


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
