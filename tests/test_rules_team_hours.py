"""Tests for bot.rules.team_hours: timing boundaries, local days, DST, workdays."""

from __future__ import annotations

import os
import time as time_mod
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rules.team_hours import (
    Schedule,
    Timing,
    cutoff_utc,
    deadline_utc,
    in_evening_window,
    is_workday,
    local_datetime,
    local_day,
    local_to_utc,
    month_days,
    morning_timing,
    opens_utc,
    parse_hhmm,
)

FAST = settings(max_examples=80, deadline=None)
SH = "Asia/Shanghai"
DEFAULT = Schedule()


def sh(y: int, mo: int, d: int, h: int, mi: int, s: int = 0, us: int = 0) -> datetime:
    """A Shanghai wall time as an aware UTC instant (Shanghai is UTC+8, no DST)."""
    return datetime(y, mo, d, h, mi, s, us, tzinfo=timezone(timedelta(hours=8))).astimezone(UTC)


@pytest.fixture
def foreign_server_tz() -> Iterator[None]:
    """Pretend the server runs in a very different timezone; nothing may change."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "America/Los_Angeles"
    if hasattr(time_mod, "tzset"):
        time_mod.tzset()
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        if hasattr(time_mod, "tzset"):
            time_mod.tzset()


# ---------------------------------------------------------------- boundaries


@pytest.mark.parametrize(
    ("wall", "expected"),
    [
        ((0, 0, 0), Timing.TOO_EARLY),
        ((5, 29, 59), Timing.TOO_EARLY),
        ((5, 30, 0), Timing.ON_TIME),
        ((7, 30, 0), Timing.ON_TIME),
        ((7, 39, 59), Timing.ON_TIME),
        ((7, 40, 0), Timing.ON_TIME),
        ((7, 40, 1), Timing.LATE),
        ((11, 59, 59), Timing.LATE),
        ((12, 0, 0), Timing.MISSED),
        ((23, 59, 59), Timing.MISSED),
    ],
)
def test_morning_boundaries(wall: tuple[int, int, int], expected: Timing) -> None:
    assert morning_timing(sh(2026, 5, 6, *wall), SH, DEFAULT) is expected


def test_on_time_to_the_second() -> None:
    # 07:40:00.999999 is still the 07:40:00 second -> on time.
    assert morning_timing(sh(2026, 5, 6, 7, 40, 0, 999_999), SH, DEFAULT) is Timing.ON_TIME
    assert morning_timing(sh(2026, 5, 6, 5, 29, 59, 999_999), SH, DEFAULT) is Timing.TOO_EARLY


def test_custom_schedule_boundaries() -> None:
    s = Schedule(opens=time(6, 0), on_time=time(8, 0), grace_minutes=0, cutoff=time(9, 0))
    assert morning_timing(sh(2026, 5, 6, 8, 0, 0), SH, s) is Timing.ON_TIME
    assert morning_timing(sh(2026, 5, 6, 8, 0, 1), SH, s) is Timing.LATE
    assert morning_timing(sh(2026, 5, 6, 9, 0, 0), SH, s) is Timing.MISSED


def test_timing_rank_order() -> None:
    ranks = [t.rank for t in (Timing.TOO_EARLY, Timing.ON_TIME, Timing.LATE, Timing.MISSED)]
    assert ranks == [0, 1, 2, 3]


# ---------------------------------------------------------------- timezones


def test_shanghai_from_utc_timestamp(foreign_server_tz: None) -> None:
    # 23:35 UTC on 5 May is 07:35 on 6 May in Shanghai: on time, on the 6th.
    at = datetime(2026, 5, 5, 23, 35, tzinfo=UTC)
    assert morning_timing(at, SH, DEFAULT) is Timing.ON_TIME
    assert local_day(at, SH) == date(2026, 5, 6)
    assert local_datetime(at, SH).utcoffset() == timedelta(hours=8)
    # Same instant, naively read in the server's tz, would be the afternoon of the 5th.
    assert morning_timing(at, "America/Los_Angeles", DEFAULT) is Timing.MISSED


def test_local_day_across_midnight_and_month_end() -> None:
    assert local_day(datetime(2026, 1, 31, 23, 30, tzinfo=UTC), SH) == date(2026, 2, 1)
    assert local_day(datetime(2026, 1, 31, 15, 59, 59, tzinfo=UTC), SH) == date(2026, 1, 31)
    assert local_day(datetime(2026, 1, 31, 16, 0, tzinfo=UTC), SH) == date(2026, 2, 1)
    assert local_day(datetime(2026, 12, 31, 16, 0, tzinfo=UTC), SH) == date(2027, 1, 1)
    # New York is behind UTC: early UTC hours are the previous local day.
    assert local_day(datetime(2026, 3, 1, 3, 0, tzinfo=UTC), "America/New_York") == date(
        2026, 2, 28
    )


def test_non_utc_aware_input_is_fine() -> None:
    at = datetime(2026, 5, 6, 7, 35, tzinfo=ZoneInfo(SH))
    assert morning_timing(at, SH, DEFAULT) is Timing.ON_TIME


def test_naive_datetime_rejected() -> None:
    with pytest.raises(ValueError):
        morning_timing(datetime(2026, 5, 6, 7, 35), SH, DEFAULT)
    with pytest.raises(ValueError):
        local_day(datetime(2026, 5, 6, 7, 35), SH)


def test_unknown_timezone() -> None:
    with pytest.raises(ValueError):
        local_day(datetime(2026, 5, 6, tzinfo=UTC), "Mars/Olympus_Mons")


def test_berlin_across_dst_change() -> None:
    berlin = "Europe/Berlin"
    # Saturday 28 March 2026: CET (UTC+1). 06:39:59 UTC = 07:39:59 local -> on time.
    assert morning_timing(datetime(2026, 3, 28, 6, 39, 59, tzinfo=UTC), berlin, DEFAULT) == (
        Timing.ON_TIME
    )
    # Sunday 29 March 2026: CEST (UTC+2) from 01:00 UTC. The same UTC time is 08:39:59.
    assert morning_timing(datetime(2026, 3, 29, 6, 39, 59, tzinfo=UTC), berlin, DEFAULT) == (
        Timing.LATE
    )
    assert morning_timing(datetime(2026, 3, 29, 5, 40, 0, tzinfo=UTC), berlin, DEFAULT) == (
        Timing.ON_TIME
    )
    assert morning_timing(datetime(2026, 3, 29, 5, 40, 1, tzinfo=UTC), berlin, DEFAULT) == (
        Timing.LATE
    )
    # 03:29:59 CEST on the 29th is too early; 03:30 CEST = 01:30 UTC.
    assert morning_timing(datetime(2026, 3, 29, 3, 29, 59, tzinfo=UTC), berlin, DEFAULT) == (
        Timing.TOO_EARLY
    )


def test_new_york_dst() -> None:
    ny = "America/New_York"
    # Saturday 7 March 2026 is EST (UTC-5): 12:40 UTC = 07:40 local, on time.
    assert morning_timing(datetime(2026, 3, 7, 12, 40, tzinfo=UTC), ny, DEFAULT) == (Timing.ON_TIME)
    # Sunday 8 March: EDT (UTC-4) from 07:00 UTC; 12:40 UTC = 08:40 local, late.
    assert morning_timing(datetime(2026, 3, 8, 12, 40, tzinfo=UTC), ny, DEFAULT) == (Timing.LATE)
    assert morning_timing(datetime(2026, 3, 8, 11, 40, tzinfo=UTC), ny, DEFAULT) == (Timing.ON_TIME)
    # Sunday 1 November: back to EST at 06:00 UTC; 12:41 UTC = 07:41 local, late.
    assert morning_timing(datetime(2026, 11, 1, 12, 41, tzinfo=UTC), ny, DEFAULT) == (Timing.LATE)
    assert morning_timing(datetime(2026, 11, 1, 12, 40, tzinfo=UTC), ny, DEFAULT) == (
        Timing.ON_TIME
    )


# ---------------------------------------------------------------- deadlines


def test_deadline_utc_shanghai() -> None:
    assert deadline_utc(date(2026, 5, 6), SH, DEFAULT) == datetime(2026, 5, 5, 23, 40, tzinfo=UTC)
    assert opens_utc(date(2026, 5, 6), SH, DEFAULT) == datetime(2026, 5, 5, 21, 30, tzinfo=UTC)
    assert cutoff_utc(date(2026, 5, 6), SH, DEFAULT) == datetime(2026, 5, 6, 4, 0, tzinfo=UTC)


def test_deadline_utc_on_dst_days() -> None:
    berlin = "Europe/Berlin"
    assert deadline_utc(date(2026, 3, 28), berlin, DEFAULT) == datetime(
        2026, 3, 28, 6, 40, tzinfo=UTC
    )
    assert deadline_utc(date(2026, 3, 29), berlin, DEFAULT) == datetime(
        2026, 3, 29, 5, 40, tzinfo=UTC
    )
    # Autumn change on 25 October 2026: back to UTC+1.
    assert deadline_utc(date(2026, 10, 25), berlin, DEFAULT) == datetime(
        2026, 10, 25, 6, 40, tzinfo=UTC
    )
    ny = "America/New_York"
    assert deadline_utc(date(2026, 3, 8), ny, DEFAULT) == datetime(2026, 3, 8, 11, 40, tzinfo=UTC)
    assert deadline_utc(date(2026, 11, 1), ny, DEFAULT) == datetime(2026, 11, 1, 12, 40, tzinfo=UTC)


def test_deadline_is_the_last_on_time_second() -> None:
    for tz in (SH, "Europe/Berlin", "America/New_York"):
        for day in (date(2026, 3, 8), date(2026, 3, 29), date(2026, 10, 25), date(2026, 11, 1)):
            dl = deadline_utc(day, tz, DEFAULT)
            assert dl.tzinfo is UTC
            assert morning_timing(dl, tz, DEFAULT) is Timing.ON_TIME
            assert morning_timing(dl + timedelta(seconds=1), tz, DEFAULT) is Timing.LATE
            assert local_day(dl, tz) == day


def test_nonexistent_and_ambiguous_local_times_fold0() -> None:
    berlin = "Europe/Berlin"
    # 02:30 does not exist on 2026-03-29: read with the pre-transition offset (+1).
    assert local_to_utc(date(2026, 3, 29), time(2, 30), berlin) == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )
    # 02:30 happens twice on 2026-10-25: fold=0 is the first (CEST, +2).
    assert local_to_utc(date(2026, 10, 25), time(2, 30), berlin) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )
    # A schedule whose deadline falls in the gap still yields a consistent deadline.
    s = Schedule(opens=time(1, 0), on_time=time(2, 20), grace_minutes=10, cutoff=time(6, 0))
    dl = deadline_utc(date(2026, 3, 29), berlin, s)
    assert dl == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # = 03:30 CEST


# ---------------------------------------------------------------- properties


instants = st.datetimes(
    min_value=datetime(2020, 1, 1),
    max_value=datetime(2035, 12, 31),
    timezones=st.just(UTC),
)
zones = st.sampled_from([SH, "Europe/Berlin", "America/New_York", "UTC", "Asia/Kolkata"])


@FAST
@given(instants, st.integers(min_value=0, max_value=86_400), zones)
def test_timing_monotone_within_local_day(a: datetime, step: int, tz: str) -> None:
    b = a + timedelta(seconds=step)
    if local_day(a, tz) != local_day(b, tz):
        return
    assert morning_timing(a, tz, DEFAULT).rank <= morning_timing(b, tz, DEFAULT).rank


@FAST
@given(instants, zones)
def test_timing_agrees_with_utc_boundaries(at: datetime, tz: str) -> None:
    day = local_day(at, tz)
    t = morning_timing(at, tz, DEFAULT)
    if at < opens_utc(day, tz, DEFAULT):
        assert t is Timing.TOO_EARLY
    elif at < deadline_utc(day, tz, DEFAULT) + timedelta(seconds=1):
        assert t is Timing.ON_TIME
    elif at < cutoff_utc(day, tz, DEFAULT):
        assert t is Timing.LATE
    else:
        assert t is Timing.MISSED


@FAST
@given(instants, zones)
def test_local_datetime_same_instant(at: datetime, tz: str) -> None:
    loc = local_datetime(at, tz)
    # The same instant: compared as timestamps, because Python's == between zones calls
    # any time in a repeated (DST fall-back) hour unequal, even the right one.
    assert loc.timestamp() == at.timestamp()
    assert loc.date() == local_day(at, tz)


# ---------------------------------------------------------------- evening window


def test_evening_disabled_by_default() -> None:
    assert not in_evening_window(sh(2026, 5, 6, 21, 0), SH, DEFAULT)


@pytest.mark.parametrize(
    ("wall", "inside"),
    [
        ((19, 59, 59), False),
        ((20, 0, 0), True),
        ((22, 0, 0), True),
        ((23, 59, 0), True),
        ((23, 59, 59), True),
        ((0, 0, 0), False),
        ((7, 30, 0), False),
    ],
)
def test_evening_window(wall: tuple[int, int, int], inside: bool) -> None:
    s = Schedule(evening_enabled=True)
    assert in_evening_window(sh(2026, 5, 6, *wall), SH, s) is inside


def test_evening_end_with_seconds_is_exact() -> None:
    s = Schedule(evening_enabled=True, evening_end=time(22, 0, 30))
    assert in_evening_window(sh(2026, 5, 6, 22, 0, 30), SH, s)
    assert not in_evening_window(sh(2026, 5, 6, 22, 0, 31), SH, s)


# ---------------------------------------------------------------- workdays


def test_is_workday_default_every_day() -> None:
    assert all(is_workday(d, DEFAULT) for d in month_days(2026, 2))


def test_is_workday_subset_and_holidays() -> None:
    s = Schedule(
        workdays=frozenset({0, 1, 2, 3, 4}),
        holidays=frozenset({date(2026, 5, 1), date(2026, 5, 2)}),
    )
    assert not is_workday(date(2026, 5, 1), s)  # Friday, holiday
    assert not is_workday(date(2026, 5, 2), s)  # Saturday and holiday
    assert not is_workday(date(2026, 5, 3), s)  # Sunday
    assert is_workday(date(2026, 5, 4), s)  # Monday
    assert is_workday(date(2026, 5, 8), s)  # Friday
    assert not is_workday(date(2026, 5, 9), s)  # Saturday


@FAST
@given(st.dates(), st.frozensets(st.integers(0, 6)), st.frozensets(st.dates(), max_size=5))
def test_is_workday_property(day: date, workdays: frozenset[int], hols: frozenset[date]) -> None:
    s = Schedule(workdays=workdays, holidays=hols)
    assert is_workday(day, s) == (day.weekday() in workdays and day not in hols)


# ---------------------------------------------------------------- schedule validation


@pytest.mark.parametrize(
    "kwargs",
    [
        {"grace_minutes": -1},
        {"opens": time(8, 0)},
        {"cutoff": time(7, 35)},
        {"grace_minutes": 300},
        {"evening_start": time(23, 0), "evening_end": time(1, 0)},
        {"workdays": frozenset({7})},
        {"on_time": datetime(2026, 1, 1)},
    ],
)
def test_schedule_validation(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Schedule(**kwargs)  # type: ignore[arg-type]


def test_schedule_defaults() -> None:
    assert DEFAULT.opens == time(5, 30)
    assert DEFAULT.on_time == time(7, 30)
    assert DEFAULT.grace_minutes == 10
    assert DEFAULT.cutoff == time(12, 0)
    assert DEFAULT.on_time_until == time(7, 40)
    assert not DEFAULT.evening_enabled
    assert DEFAULT.workdays == frozenset(range(7))
    assert DEFAULT.holidays == frozenset()
    assert hash(DEFAULT) == hash(Schedule())


# ---------------------------------------------------------------- parsing, months


@pytest.mark.parametrize(
    ("text", "expected"),
    [("07:30", time(7, 30)), ("7:30", time(7, 30)), (" 0:00 ", time(0, 0)),
     ("23:59", time(23, 59)), ("12:05", time(12, 5))],
)  # fmt: skip
def test_parse_hhmm(text: str, expected: time) -> None:
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize(
    "text", ["", "7", "730", "07:3", "24:00", "7:60", "07:30:00", "07.30", "ab:cd", "-1:30",
             "０7:30", "07:30pm", "007:30"],
)  # fmt: skip
def test_parse_hhmm_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_hhmm(text)


def test_month_days() -> None:
    feb = month_days(2026, 2)
    assert len(feb) == 28 and feb[0] == date(2026, 2, 1) and feb[-1] == date(2026, 2, 28)
    assert len(month_days(2028, 2)) == 29
    assert len(month_days(2026, 12)) == 31
    assert month_days(2026, 4)[-1] == date(2026, 4, 30)
    with pytest.raises(ValueError):
        month_days(2026, 13)
    with pytest.raises(ValueError):
        month_days(2026, 0)


# Morning times checked one answer at a time (issue 13 item 3): whatever the check lets
# through, Schedule accepts; whatever it refuses, Schedule refuses too.
from hypothesis import given as _given  # noqa: E402
from hypothesis import strategies as _st  # noqa: E402

from bot.rules.morning import check_cutoff, check_on_time, suggested_cutoff  # noqa: E402


@_given(_st.times(), _st.times(), _st.integers(0, 120))
def test_stepwise_morning_checks_agree_with_schedule(on_time, cutoff, grace) -> None:
    on_time, cutoff = on_time.replace(second=0, microsecond=0), cutoff.replace(microsecond=0)
    ok = check_on_time(on_time, grace_minutes=grace) is None and (
        check_cutoff(on_time, cutoff, grace_minutes=grace) is None
    )
    try:
        Schedule(on_time=on_time, cutoff=cutoff, grace_minutes=grace)
        built = True
    except ValueError:
        built = False
    if ok:
        assert built
    if check_on_time(on_time, grace_minutes=grace) is None:
        Schedule(
            on_time=on_time,
            grace_minutes=grace,
            cutoff=suggested_cutoff(on_time, grace_minutes=grace),
        )


def test_local_datetime_keeps_the_first_of_a_repeated_hour() -> None:
    """05:00 UTC on 2024-11-03 is 01:00 EDT, the first of New York's two 01:00s."""
    at = datetime(2024, 11, 3, 5, 0, tzinfo=UTC)
    loc = local_datetime(at, "America/New_York")
    assert (loc.hour, loc.fold, loc.utcoffset()) == (1, 0, timedelta(hours=-4))
    assert loc.timestamp() == at.timestamp()
