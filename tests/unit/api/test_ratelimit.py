from __future__ import annotations

import pytest

from api.ratelimit import RateLimiter
from domain.errors import RateLimited


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeMonotonic:
    return FakeMonotonic()


def test_allows_a_burst_up_to_the_per_minute_rate(clock: FakeMonotonic) -> None:
    limiter = RateLimiter(3, clock=clock)
    for _ in range(3):
        limiter.hit("k")
    with pytest.raises(RateLimited):
        limiter.hit("k")


def test_says_how_long_to_wait_for_the_next_token(clock: FakeMonotonic) -> None:
    limiter = RateLimiter(6, clock=clock)  # one token every 10 s
    for _ in range(6):
        limiter.hit("k")
    with pytest.raises(RateLimited) as info:
        limiter.hit("k", "login attempts")
    assert info.value.retry_after == 10
    assert info.value.code == "rate_limited"
    assert "login attempts" in info.value.message


def test_retry_after_shrinks_as_time_passes(clock: FakeMonotonic) -> None:
    limiter = RateLimiter(6, clock=clock)
    for _ in range(6):
        limiter.hit("k")
    clock.now += 7.5
    with pytest.raises(RateLimited) as info:
        limiter.hit("k")
    assert info.value.retry_after == 3


def test_refills_at_the_per_minute_rate(clock: FakeMonotonic) -> None:
    limiter = RateLimiter(6, clock=clock)
    for _ in range(6):
        limiter.hit("k")
    clock.now += 10
    limiter.hit("k")
    with pytest.raises(RateLimited):
        limiter.hit("k")


def test_refill_never_exceeds_the_burst(clock: FakeMonotonic) -> None:
    limiter = RateLimiter(2, clock=clock)
    clock.now += 3600
    limiter.hit("k")
    limiter.hit("k")
    with pytest.raises(RateLimited):
        limiter.hit("k")


def test_keys_have_separate_buckets(clock: FakeMonotonic) -> None:
    limiter = RateLimiter(1, clock=clock)
    limiter.hit("10.0.0.1")
    limiter.hit("10.0.0.2")
    with pytest.raises(RateLimited):
        limiter.hit("10.0.0.1")


def test_a_rate_of_zero_turns_the_limiter_off(clock: FakeMonotonic) -> None:
    limiter = RateLimiter(0, clock=clock)
    for _ in range(10_000):
        limiter.hit("k")


def test_when_full_forgets_refilled_keys_but_keeps_spent_ones(clock: FakeMonotonic) -> None:
    limiter = RateLimiter(1, clock=clock, max_keys=2)
    limiter.hit("idle")
    clock.now += 120  # "idle" has refilled: nothing worth keeping
    limiter.hit("busy")
    limiter.hit("new")  # table full: "idle" goes, "busy" stays
    with pytest.raises(RateLimited):
        limiter.hit("busy")
