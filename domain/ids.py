"""Identifiers: a short type prefix plus 26 time-ordered base32 characters.

The first 48 bits are the millisecond clock, so ids sort by creation time,
which keeps index inserts local and lets listings order by id; 80 random
bits follow. Crockford's alphabet (no I, L, O, U) keeps them unambiguous.
"""

from __future__ import annotations

import base64
import os
import time

# RFC 4648 base32 -> Crockford base32, preserving order.
_CROCKFORD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHJKMNPQRSTVWXYZ")


def new_id(prefix: str) -> str:
    raw = (time.time_ns() // 1_000_000).to_bytes(6, "big") + os.urandom(10)
    return f"{prefix}_{base64.b32encode(raw)[:26].decode().translate(_CROCKFORD)}"
