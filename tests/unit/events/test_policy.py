"""Preferences, quiet hours, priority and grouping of notifications: pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from domain.errors import InvalidInput
from domain.events.model import Event
from domain.notifications.model import Category, Channel, Draft, Preferences, Priority, Setting
from domain.notifications.policy import decide, groupable, in_quiet_hours
from domain.notifications.rules import draft_for, summary

ZONE = "Asia/Kolkata"
# 23:30 in Kolkata.
LATE = datetime(2026, 11, 16, 18, 0, tzinfo=UTC)
# 10:30 in Kolkata.
MORNING = datetime(2026, 11, 16, 5, 0, tzinfo=UTC)
NIGHT = Preferences(quiet_start=time(22, 0), quiet_end=time(7, 0))


def draft(
    category: Category = Category.TRANSFER,
    priority: Priority = Priority.MEDIUM,
    amount: int | None = 1_000_00,
) -> Draft:
    return Draft("usr_a", category, priority, "Transfer completed", "₹1,000.00 sent.", amount)


def test_quiet_hours_spanning_midnight_are_read_on_the_customers_clock() -> None:
    assert in_quiet_hours(NIGHT, LATE, ZONE)
    assert not in_quiet_hours(NIGHT, MORNING, ZONE)
    # 23:30 in Kolkata is 18:00 in London: not quiet there.
    assert not in_quiet_hours(NIGHT, LATE, "Europe/London")
    day = Preferences(quiet_start=time(10, 0), quiet_end=time(11, 0))
    assert in_quiet_hours(day, MORNING, ZONE) and not in_quiet_hours(day, LATE, ZONE)


def test_quiet_hours_keep_a_notification_in_the_inbox_without_pushing_it() -> None:
    d = decide(NIGHT, draft(), LATE, ZONE)
    assert (d.keep, d.push) == (True, False)
    assert decide(NIGHT, draft(), MORNING, ZONE).push


def test_critical_notifications_go_through_quiet_hours_mutes_and_off_categories() -> None:
    prefs = NIGHT.with_changes(
        muted_until=LATE + timedelta(hours=1), categories={Category.SECURITY: Setting.OFF}
    )
    d = decide(prefs, draft(Category.SECURITY, Priority.CRITICAL, None), LATE, ZONE)
    assert (d.keep, d.push, d.silent) == (True, True, False)


def test_a_mute_holds_pushes_until_it_ends() -> None:
    prefs = Preferences(muted_until=MORNING + timedelta(hours=1))
    assert not decide(prefs, draft(), MORNING, ZONE).push
    assert decide(prefs, draft(), MORNING + timedelta(hours=2), ZONE).push


def test_a_category_off_makes_nothing_and_silent_delivers_without_sound() -> None:
    off = Preferences(categories={Category.TRADE: Setting.OFF})
    assert not decide(off, draft(Category.TRADE), MORNING, ZONE).keep
    assert decide(off, draft(Category.TRANSFER), MORNING, ZONE).keep
    quiet = Preferences(categories={Category.TRADE: Setting.SILENT})
    d = decide(quiet, draft(Category.TRADE), MORNING, ZONE)
    assert (d.keep, d.push, d.silent) == (True, True, True)


def test_low_priority_is_silent_and_the_chosen_channels_are_passed_on() -> None:
    prefs = Preferences(channels=frozenset({Channel.TELEGRAM}))
    d = decide(prefs, draft(Category.HOLD, Priority.LOW), MORNING, ZONE)
    assert d.silent and d.channels == frozenset({Channel.TELEGRAM})


def test_a_minimum_amount_drops_small_money_notifications_only() -> None:
    prefs = Preferences(min_amount=10_000_00)
    assert not decide(prefs, draft(amount=9_999_99), MORNING, ZONE).keep
    assert decide(prefs, draft(amount=10_000_00), MORNING, ZONE).keep
    assert decide(prefs, draft(Category.ACCOUNT, Priority.HIGH, None), MORNING, ZONE).keep


def test_only_medium_and_low_wait_in_the_grouping_window() -> None:
    assert groupable(draft(priority=Priority.MEDIUM)) and groupable(draft(priority=Priority.LOW))
    assert not groupable(draft(priority=Priority.HIGH))
    assert not groupable(draft(priority=Priority.CRITICAL))


def test_a_group_of_transfers_becomes_one_summary_with_the_total() -> None:
    drafts = [draft(amount=a) for a in (15_000_00, 20_000_00, 10_000_00)]
    merged = summary(drafts)
    assert merged.title == "3 transfers completed (₹45,000 total)"
    assert merged.amount == 45_000_00 and merged.data["grouped"] == 3


def test_a_group_of_trades_is_summed_as_volume_and_keeps_the_highest_priority() -> None:
    trades = [draft(Category.TRADE, Priority.LOW, 30_000_00) for _ in range(4)]
    trades.append(draft(Category.TRADE, Priority.MEDIUM, 30_000_00))
    merged = summary(trades)
    assert merged.title == "5 trades executed (₹1,50,000 volume)"
    assert merged.priority is Priority.MEDIUM


def test_a_group_of_one_is_left_as_it_is() -> None:
    one = draft()
    assert summary([one]) is one


def test_each_event_type_maps_to_its_category_and_priority() -> None:
    def of(kind: str, **data: object) -> Draft:
        d = draft_for(Event(kind, "usr_a", dict(data), MORNING))
        assert d is not None
        return d

    money = {"amount": {"minor": 500_00, "currency": "INR"}}
    assert of("credit.received", **money).priority is Priority.HIGH
    assert of("debit.posted", **money, merchant="Swiggy").body == "₹500.00 spent at Swiggy."
    assert of("hold.placed", **money).category is Category.HOLD
    assert of("hold.expired", **money).body == "₹500.00 released (the hold expired)."
    assert of("security.new_device_login", device="Firefox").priority is Priority.CRITICAL
    assert of("rule.failed", summary="No money").priority is Priority.CRITICAL
    assert draft_for(Event("credit.received", None, money, MORNING)) is None
    assert draft_for(Event("external.crm.ping", "usr_a", {}, MORNING)) is None


def test_preferences_read_partially_over_the_current_ones_and_refuse_bad_input() -> None:
    base = Preferences(categories={Category.TRADE: Setting.OFF})
    prefs = Preferences.from_json({"quiet_hours": {"start": "22:00", "end": "07:00"}}, base)
    assert prefs.setting(Category.TRADE) is Setting.OFF and prefs.quiet_start == time(22, 0)
    assert Preferences.from_json(prefs.to_json()).to_json() == prefs.to_json()
    bad_documents: list[dict[str, object]] = [
        {"categories": {"trade": "loud"}},
        {"channels": []},
        {"muted_until": "2026-11-16T10:00:00"},
        {"min_amount": -1},
        {"volume": 3},
    ]
    for bad in bad_documents:
        with pytest.raises(InvalidInput):
            Preferences.from_json(bad)
