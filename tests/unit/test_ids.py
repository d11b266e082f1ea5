from __future__ import annotations

import base64
import os
import time

from domain.ids import encode, new_id

_RFC_TO_CROCKFORD = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
)


def test_ids_spell_rfc_4648_base32_in_crockfords_alphabet() -> None:
    for raw in [bytes(16), b"\xff" * 16, *(os.urandom(16) for _ in range(500))]:
        expected = base64.b32encode(raw)[:26].decode().translate(_RFC_TO_CROCKFORD)
        assert encode(raw) == expected


def test_ids_carry_their_prefix_and_sort_by_creation_time() -> None:
    first = new_id("ord")
    time.sleep(0.002)
    second = new_id("ord")
    assert first.startswith("ord_") and len(first) == 30
    assert first < second
