"""Checking a team's morning times one answer at a time, so a wizard can say what is wrong
with the answer just given instead of failing at the end (Schedule checks them all at once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.rules.team_hours import Schedule

DEFAULTS = Schedule()
LAST_MINUTE = time(23, 59)
# A cutoff suggested for a check-in time too late for the default 12:00: late for two hours.
SUGGESTED_LATE_WINDOW = timedelta(hours=2)


@dataclass(frozen=True)
class MorningProblem:
    """Why a time was refused: a catalog key and the time that bounds it."""

    key: str
    bound: time


def _plus(at: time, delta: timedelta) -> time | None:
    """`at + delta` on the same day, or None past midnight."""
    moved = datetime.combine(date(2000, 1, 1), at) + delta
    return moved.time() if moved.date() == date(2000, 1, 1) else None


def on_time_end(on_time: time, grace_minutes: int = DEFAULTS.grace_minutes) -> time | None:
    return _plus(on_time, timedelta(minutes=grace_minutes))


def check_on_time(
    on_time: time, *, opens: time = DEFAULTS.opens, grace_minutes: int = DEFAULTS.grace_minutes
) -> MorningProblem | None:
    if on_time < opens:
        return MorningProblem("morning.before_opens", opens)
    end = on_time_end(on_time, grace_minutes)
    if end is None or end > LAST_MINUTE:
        return MorningProblem("morning.past_midnight", LAST_MINUTE)
    return None


def check_cutoff(
    on_time: time, cutoff: time, *, grace_minutes: int = DEFAULTS.grace_minutes
) -> MorningProblem | None:
    end = on_time_end(on_time, grace_minutes)
    if end is None or cutoff < end:
        return MorningProblem("morning.cutoff_too_early", end or LAST_MINUTE)
    return None


def suggested_cutoff(on_time: time, *, grace_minutes: int = DEFAULTS.grace_minutes) -> time:
    """The default cutoff (12:00) when it fits, else a two-hour late window (at most 23:59)."""
    if check_cutoff(on_time, DEFAULTS.cutoff, grace_minutes=grace_minutes) is None:
        return DEFAULTS.cutoff
    end = on_time_end(on_time, grace_minutes) or LAST_MINUTE
    return min(_plus(end, SUGGESTED_LATE_WINDOW) or LAST_MINUTE, LAST_MINUTE)
