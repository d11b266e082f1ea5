"""The demo portfolio: shares Asha brought over from another broker (a demat transfer-in).

No cash moves for a transfer-in, so these become holdings with a cost basis
and nothing else; every later trade goes through orders and the money engine.
"""

from __future__ import annotations

# (username, symbol, quantity, average cost in paise)
HOLDINGS: tuple[tuple[str, str, int, int], ...] = (
    ("asha", "INFY", 40, 1650_00),
    ("asha", "TCS", 10, 3900_00),
    ("asha", "RELIANCE", 25, 1180_00),
    ("asha", "NIFTYBEES", 200, 250_00),
)
