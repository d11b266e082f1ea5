"""Garbage-collector settings for a long-running server process.

Start-up builds a large heap that lives as long as the process (the NLU
model, spaCy's vocabulary, compiled SQL, the instrument list). CPython's
cyclic collector would walk all of it again on every full collection, and
under load it runs a young collection every 700 new container objects.
Serving, almost all garbage is freed by reference counting anyway, so:
freeze what start-up built (never scanned again) and collect less often.
"""

from __future__ import annotations

import gc

# Young objects per collection: 700 by default, which under load means a
# collection every few requests; older generations as CPython's defaults.
SERVING_THRESHOLDS = (50_000, 20, 100)


def settle_for_serving() -> None:
    """Collect once, freeze the survivors and set the serving thresholds."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_THRESHOLDS)
