"""What a message may claim about itself before anything else believes it.

Telegram keeps an update for 24 hours, so a genuine message handled now was sent within the
last day; a date further back, or ahead of our clock by more than the clocks may disagree, is
forged or broken. JSON also carries numbers Python reads as infinite (1e400): those are no
coordinate or accuracy at all.
"""

from __future__ import annotations

import math
from datetime import datetime

# How far the bot's clock and Telegram's may disagree.
CLOCK_SLACK_S = 300
# Telegram drops an update it could not deliver for this long.
MAX_AGE_S = 86_400


def plausible_time(sent: datetime, now: datetime) -> bool:
    age = (now - sent).total_seconds()
    return -CLOCK_SLACK_S <= age <= MAX_AGE_S + CLOCK_SLACK_S


def finite_or_nan(value: float) -> float:
    """A non-finite number becomes NaN: the rules read it as invalid, and SQLite stores it
    as NULL, so no Infinity ever reaches a row or an export."""
    number = float(value)
    return number if math.isfinite(number) else math.nan


def optional_finite(value: float | None) -> float | None:
    return None if value is None else finite_or_nan(value)
