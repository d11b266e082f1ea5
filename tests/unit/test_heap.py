from __future__ import annotations

import gc

from bot.heap import SERVING_THRESHOLDS, settle_for_serving


def test_settling_for_serving_freezes_the_start_up_heap_and_collects_less_often() -> None:
    before = gc.get_threshold()
    try:
        settle_for_serving()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == SERVING_THRESHOLDS
        assert gc.isenabled()
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
