"""Token-bucket rate limits, kept per process (per token and per client IP)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from domain.errors import RateLimited


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Allows ``per_minute`` requests per key, with bursts up to the same number."""

    def __init__(
        self,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.per_minute = per_minute
        self._rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._max_keys = max_keys

    def hit(self, key: str, what: str = "requests") -> None:
        """Take one token for ``key`` or raise ``RateLimited`` with a retry time."""
        if self.per_minute <= 0:
            return
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._max_keys:
                self._evict(now)
            bucket = self._buckets[key] = _Bucket(float(self.per_minute), now)
        else:
            bucket.tokens = min(
                float(self.per_minute), bucket.tokens + (now - bucket.updated) * self._rate
            )
            bucket.updated = now
        if bucket.tokens < 1.0:
            wait = max(1, int((1.0 - bucket.tokens) / self._rate + 0.999))
            raise RateLimited(
                "rate_limited", f"Too many {what}; try again in {wait} s.", retry_after=wait
            )
        bucket.tokens -= 1.0

    def _evict(self, now: float) -> None:
        # Full buckets carry no state worth keeping.
        full = [
            k
            for k, b in self._buckets.items()
            if b.tokens + (now - b.updated) * self._rate >= self.per_minute
        ]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= self._max_keys:
            self._buckets.clear()
