"""Identifiers: a short type prefix plus 26 time-ordered base32 characters.

The first 48 bits are the millisecond clock, so ids sort by creation time,
which keeps index inserts local and lets listings order by id; 80 random
bits follow. Crockford's alphabet (no I, L, O, U) keeps them unambiguous.
"""

from __future__ import annotations

import os
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Two characters per 10 bits: an order placed makes about ten ids, and the
# standard library's base32 is pure Python, a loop over every 5 bits.
_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]
# 128 bits, padded with two zero bits to 130 as RFC 4648 base32 pads them: 13 pairs.
_SHIFTS = range(120, -1, -10)


def encode(raw: bytes) -> str:
    """The 26 characters for 16 bytes: RFC 4648 base32 (unpadded) in Crockford's alphabet."""
    n = int.from_bytes(raw, "big") << 2
    pairs = _PAIRS
    return "".join([pairs[(n >> s) & 1023] for s in _SHIFTS])


def new_id(prefix: str) -> str:
    raw = (time.time_ns() // 1_000_000).to_bytes(6, "big") + os.urandom(10)
    return f"{prefix}_{encode(raw)}"
