"""Team schedule rules: local day, morning timing, evening window, deadlines.

Pure functions: every instant is passed in as an *aware* datetime (naive ones are
rejected with ``ValueError``) and every timezone by IANA name; the server's own local
time never enters. Wall-clock comparisons are made on the team's local time.

Decisions:

* Comparisons are to the whole second (microseconds are dropped): with the defaults a
  check-in at 07:40:00.999 local is on time, 07:40:01 is late.
* The evening window is inclusive of its end *minute*: with the default end 23:59 the
  whole of 23:59:xx is inside.
* Local times that do not exist (spring-forward gap) or exist twice (fall-back) are
  resolved with ``fold=0`` under zoneinfo semantics: an ambiguous time means its first
  occurrence (the earlier instant); a nonexistent time is read with the offset in force
  before the transition, so e.g. 02:30 on 2026-03-29 in Europe/Berlin becomes 01:30 UTC
  (i.e. 03:30 CEST).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "Schedule",
    "Timing",
    "cutoff_utc",
    "deadline_utc",
    "get_zone",
    "in_evening_window",
    "is_workday",
    "local_datetime",
    "local_day",
    "local_to_utc",
    "month_days",
    "morning_timing",
    "on_time_until",
    "opens_utc",
    "parse_hhmm",
]


@lru_cache(maxsize=256)
def get_zone(tz: str) -> ZoneInfo:
    """ZoneInfo for an IANA name; raises ``ValueError`` for unknown names."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(f"unknown timezone {tz!r}") from exc


def _whole_second(t: time) -> time:
    return t.replace(microsecond=0, tzinfo=None)


@dataclass(frozen=True)
class Schedule:
    """A team's schedule in team-local wall time.

    Validated on construction: ``opens <= on_time``, ``grace_minutes >= 0``,
    ``on_time + grace <= cutoff`` (all within the same day), ``evening_start <=
    evening_end`` (no window across midnight), workdays within 0..6 (Mon=0).
    """

    opens: time = time(5, 30)
    on_time: time = time(7, 30)
    grace_minutes: int = 10
    cutoff: time = time(12, 0)
    evening_enabled: bool = False
    evening_start: time = time(20, 0)
    evening_end: time = time(23, 59)
    workdays: frozenset[int] = frozenset(range(7))
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        for name in ("opens", "on_time", "cutoff", "evening_start", "evening_end"):
            value = getattr(self, name)
            if not isinstance(value, time) or value.tzinfo is not None:
                raise ValueError(f"{name} must be a naive datetime.time")
        if isinstance(self.grace_minutes, bool) or not isinstance(self.grace_minutes, int):
            raise ValueError("grace_minutes must be an int")
        if self.grace_minutes < 0:
            raise ValueError("grace_minutes must be >= 0")
        if self.opens > self.on_time:
            raise ValueError("opens must not be after on_time")
        limit_s = (
            self.on_time.hour * 3600
            + self.on_time.minute * 60
            + self.on_time.second
            + self.grace_minutes * 60
        )
        cutoff_s = self.cutoff.hour * 3600 + self.cutoff.minute * 60 + self.cutoff.second
        if limit_s > cutoff_s:
            raise ValueError("on_time + grace must not be after cutoff")
        if self.evening_start > self.evening_end:
            raise ValueError("evening_start must not be after evening_end")
        if not all(isinstance(d, int) and 0 <= d <= 6 for d in self.workdays):
            raise ValueError("workdays must be weekday numbers 0 (Mon) .. 6 (Sun)")
        # Normalise plain sets/lists passed by callers into frozensets.
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        object.__setattr__(self, "holidays", frozenset(self.holidays))

    @property
    def on_time_until(self) -> time:
        """Last on-time wall-clock second: on_time + grace (guaranteed same day)."""
        return on_time_until(self)


class Timing(StrEnum):
    TOO_EARLY = "too_early"
    ON_TIME = "on_time"
    LATE = "late"
    MISSED = "missed"

    @property
    def rank(self) -> int:
        """Order through the morning: TOO_EARLY 0 < ON_TIME 1 < LATE 2 < MISSED 3."""
        return _TIMING_RANK[self]


_TIMING_RANK = {Timing.TOO_EARLY: 0, Timing.ON_TIME: 1, Timing.LATE: 2, Timing.MISSED: 3}


def _require_aware(at: datetime, name: str = "at_utc") -> None:
    if not isinstance(at, datetime):
        raise TypeError(f"{name} must be a datetime")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def local_datetime(at_utc: datetime, tz: str) -> datetime:
    """Aware instant -> aware local datetime in ``tz``."""
    _require_aware(at_utc)
    return at_utc.astimezone(get_zone(tz))


def local_day(at_utc: datetime, tz: str) -> date:
    """The team-local calendar day of an instant."""
    return local_datetime(at_utc, tz).date()


def on_time_until(schedule: Schedule) -> time:
    base = datetime.combine(date(2000, 1, 1), schedule.on_time)
    return (base + timedelta(minutes=schedule.grace_minutes)).time()


def morning_timing(at_utc: datetime, tz: str, schedule: Schedule) -> Timing:
    """Classify an instant by the team-local wall clock on its local day.

    ``< opens`` TOO_EARLY; ``<= on_time + grace`` ON_TIME (to the second);
    ``< cutoff`` LATE; ``>= cutoff`` MISSED.
    """
    t = _whole_second(local_datetime(at_utc, tz).time())
    if t < schedule.opens:
        return Timing.TOO_EARLY
    if t <= on_time_until(schedule):
        return Timing.ON_TIME
    if t < schedule.cutoff:
        return Timing.LATE
    return Timing.MISSED


def in_evening_window(at_utc: datetime, tz: str, schedule: Schedule) -> bool:
    """True iff the evening check is enabled and the local time is within
    ``evening_start .. evening_end`` (end minute inclusive)."""
    if not schedule.evening_enabled:
        return False
    t = local_datetime(at_utc, tz).time()
    minute = t.replace(second=0, microsecond=0, tzinfo=None)
    start = schedule.evening_start
    end = schedule.evening_end
    if end.second or end.microsecond:
        # An end given to the second is inclusive to that second.
        return start <= _whole_second(t) <= end
    return start <= _whole_second(t) and minute <= end


def is_workday(day: date, schedule: Schedule) -> bool:
    """Weekday in the team's workdays and not one of its holidays."""
    return day.weekday() in schedule.workdays and day not in schedule.holidays


def local_to_utc(day: date, wall: time, tz: str) -> datetime:
    """A team-local wall time on ``day`` as an aware UTC datetime (fold=0, see module
    docstring for gaps and repeats)."""
    local = datetime.combine(day, wall.replace(tzinfo=None, fold=0), tzinfo=get_zone(tz))
    return local.astimezone(UTC)


def deadline_utc(day: date, tz: str, schedule: Schedule) -> datetime:
    """The last on-time instant of ``day`` (on_time + grace, local) as aware UTC.

    A check-in is on time iff its local time, truncated to the second, is ``<=`` this
    wall time; i.e. instants strictly before ``deadline_utc + 1 s`` (and after opening).
    """
    return local_to_utc(day, on_time_until(schedule), tz)


def opens_utc(day: date, tz: str, schedule: Schedule) -> datetime:
    return local_to_utc(day, schedule.opens, tz)


def cutoff_utc(day: date, tz: str, schedule: Schedule) -> datetime:
    return local_to_utc(day, schedule.cutoff, tz)


_HHMM_RE = re.compile(r"^\s*([0-9]{1,2}):([0-9]{2})\s*$")


def parse_hhmm(text: str) -> time:
    """``"07:30"`` or ``"7:30"`` -> ``time(7, 30)``; ``ValueError`` otherwise."""
    if not isinstance(text, str):
        raise ValueError("time must be text like 07:30")
    m = _HHMM_RE.match(text)
    if m is None:
        raise ValueError(f"not a HH:MM time: {text!r}")
    hour, minute = int(m.group(1)), int(m.group(2))
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValueError(f"not a HH:MM time: {text!r}")
    return time(hour, minute)


def month_days(year: int, month: int) -> list[date]:
    """Every date of a calendar month, in order."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, got {month}")
    _, n = calendar.monthrange(year, month)
    return [date(year, month, d) for d in range(1, n + 1)]
