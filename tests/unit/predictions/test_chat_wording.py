"""Which wording reaches the forecast flow, and which is left to the others."""

from __future__ import annotations

import pytest

from bot.flows.forecasts import recognise
from bot.understanding import Understanding


def understood(text: str) -> str:
    return recognise(Understanding(text, "out_of_scope", 0.2, False)).intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("will I run out of money before payday?", "spending_forecast"),
        ("forecast my balance for next month", "spending_forecast"),
        ("will my cash last till salary", "spending_forecast"),
        ("anything unusual on my account?", "unusual_activity"),
        ("any strange transactions lately", "unusual_activity"),
        ("why did I get this alert?", "alert_reason"),
        ("why was I notified", "alert_reason"),
        ("explain this notification", "alert_reason"),
        ("set my balance watch to 5000", "balance_watch"),
        ("turn off balance watch", "balance_watch"),
        ("keep a minimum balance of 10000", "balance_watch"),
    ],
)
def test_forecast_wording_is_recognised(text: str, intent: str) -> None:
    assert understood(text) == intent


@pytest.mark.parametrize(
    "text",
    [
        "mute notifications until 8am",
        "why am I not getting notifications on telegram",
        "if balance goes below 10000 alert me",
        "what is the minimum balance for a savings account",
        "i think this debit is fraud",
    ],
)
def test_other_wording_is_left_as_the_nlu_read_it(text: str) -> None:
    assert understood(text) == "out_of_scope"


def test_a_button_press_is_never_reread() -> None:
    pressed = Understanding("forecast", "affirm", 1.0, True, payload="/affirm")
    assert recognise(pressed) is pressed
