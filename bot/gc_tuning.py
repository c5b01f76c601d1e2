"""Process-wide tuning applied once the bot has started."""

from __future__ import annotations

import gc

# Young-generation threshold: CPython's default (700) runs a collection every 700 net
# container allocations. One update allocates hundreds (PTB objects, dicts, frames), so a
# burst of check-ins spent ~20 % of its CPU in the collector (bench/checkin_burst.py);
# 10,000 cuts that to a few percent at the price of a little more young garbage between
# collections. Older generations keep their default ratios.
YOUNG_THRESHOLD = 10_000
_tuned = False


def tune_gc() -> None:
    """Freeze what startup allocated (modules, handlers, caches: they live for the whole
    process and need not be scanned again) and make young collections rarer.

    Once per process: a test session builds many apps, and freezing each one's objects
    would keep them all alive after their tests end.
    """
    global _tuned
    if _tuned:
        return
    _tuned = True
    gc.collect()
    gc.freeze()
    young, older, oldest = gc.get_threshold()
    gc.set_threshold(max(YOUNG_THRESHOLD, young), older, oldest)
