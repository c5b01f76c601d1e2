"""Pure catch-up rules: which timed notices are owed after an outage, given the schedule,
the clock and what the sent-notice log holds; each once, marked late when it is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.rules.catchup import (
    LATE_AFTER,
    MONTHLY_BACKLOG,
    Notice,
    daily_overdue,
    followup_late,
    last_digest_due,
    monthly_due,
    monthly_overdue,
    rollcall_close_late,
    team_overdue,
    vacancy_overdue,
    weekly_overdue,
)
from bot.rules.reminders import MEMBER_KINDS, Kind
from bot.rules.team_hours import Schedule, local_datetime

SH = "Asia/Shanghai"
ZONES = st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "America/New_York", "Pacific/Apia"])
INSTANTS = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)
OUTAGES = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=500))


def _sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(SH)).astimezone(UTC)


def test_down_across_the_first_at_0800_owes_last_months_report_late() -> None:
    created = _sh(2026, 11, 10, 9, 0)
    [report] = monthly_overdue(SH, _sh(2026, 12, 1, 9, 30), created)
    assert (report.kind, report.period, report.late) == ("monthly_compliance", "2026-11", True)
    assert report.due == _sh(2026, 12, 1, 8, 0)
    # Before 08:00 on the 1st nothing is owed; at 08:02 it is, not late yet.
    assert monthly_overdue(SH, _sh(2026, 12, 1, 7, 59), created) == []
    assert not monthly_overdue(SH, _sh(2026, 12, 1, 8, 2), created)[-1].late
    # Sent already: nothing owed.
    assert (
        monthly_overdue(SH, _sh(2026, 12, 1, 9, 30), created, {("monthly_compliance", "2026-11")})
        == []
    )


def test_a_long_outage_owes_every_month_since_the_team_existed_oldest_first() -> None:
    created = _sh(2026, 7, 20, 9, 0)
    owed = monthly_overdue(SH, _sh(2026, 11, 3, 12, 0), created)
    assert [o.period for o in owed] == ["2026-07", "2026-08", "2026-09", "2026-10"]
    assert all(o.late for o in owed)


def test_down_across_monday_0800_owes_that_weeks_digest_until_next_monday() -> None:
    created = _sh(2026, 11, 1, 9, 0)
    # Monday 30 November 08:00 covers 23–29 November; still owed on Sunday 6 December.
    for now in (_sh(2026, 11, 30, 10, 0), _sh(2026, 12, 2, 9, 0), _sh(2026, 12, 6, 23, 0)):
        [digest] = weekly_overdue(SH, now, created)
        assert (digest.period, digest.due, digest.late) == (
            "2026-11-23",
            _sh(2026, 11, 30, 8),
            True,
        )
    # Next Monday 08:00 a fresh digest replaces it.
    [fresh] = weekly_overdue(SH, _sh(2026, 12, 7, 8, 1), created)
    assert (fresh.period, fresh.late) == ("2026-11-30", False)
    assert (
        weekly_overdue(SH, _sh(2026, 12, 2, 9, 0), created, {("weekly_digest", "2026-11-23")}) == []
    )
    # A team created after that Monday was never owed it.
    assert weekly_overdue(SH, _sh(2026, 12, 2, 9, 0), _sh(2026, 12, 1, 9, 0)) == []


def test_daily_notices_are_todays_and_leave_the_digest_to_the_weekly_rule() -> None:
    monday = _sh(2026, 11, 30, 21, 30)
    owed = daily_overdue(Schedule(), 30, SH, monday)
    assert [o.kind for o in owed] == [Kind.DIARY_REMINDER, Kind.SUMMARY]
    assert all(o.period == "2026-11-30" and o.late for o in owed)
    assert (
        daily_overdue(Schedule(), 30, SH, monday, {("summary", "2026-11-30")})[-1].kind
        == Kind.DIARY_REMINDER
    )


def test_vacancy_reminder_is_owed_from_0900_to_midnight() -> None:
    assert vacancy_overdue(SH, _sh(2026, 11, 30, 8, 59)) == []
    [owed] = vacancy_overdue(SH, _sh(2026, 11, 30, 23, 0))
    assert (owed.kind, owed.period, owed.late) == (Notice.VACANCY_REMINDER, "2026-11-30", True)


def test_followups_and_closings_are_late_only_well_past_their_moment() -> None:
    created = _sh(2026, 11, 1, 9, 0)
    mark = timedelta(hours=24)
    assert followup_late(created, mark, created + mark + timedelta(minutes=15)) is None
    assert followup_late(created, mark, created + mark + timedelta(hours=5)) == created + mark
    deadline = _sh(2026, 11, 2, 10, 30)
    assert rollcall_close_late(deadline, deadline + timedelta(seconds=3)) is None
    assert rollcall_close_late(deadline, deadline + timedelta(hours=2)) == deadline


@given(ZONES, INSTANTS, OUTAGES, st.integers(min_value=1, max_value=MONTHLY_BACKLOG))
def test_monthly_owed_once_each_within_bounds(
    tz: str, created: datetime, outage: timedelta, backlog: int
) -> None:
    now = created + outage
    owed = monthly_overdue(tz, now, created, backlog=backlog)
    periods = [o.period for o in owed]
    assert periods == sorted(set(periods)) and len(owed) <= backlog
    for o in owed:
        year, month = map(int, o.period.split("-"))
        assert o.due == monthly_due(year, month, tz)
        assert created < o.due <= now
        assert o.late == (now - o.due > LATE_AFTER)
        assert local_datetime(o.due, tz).strftime("%d %H:%M") == "01 08:00"
    # Exactly once: with what was owed logged as sent, nothing is owed any more.
    sent = {(o.kind, o.period) for o in owed}
    assert monthly_overdue(tz, now, created, sent, backlog=backlog) == []
    # Complete: the most recent month due after creation is never skipped.
    if owed or outage < timedelta(days=40):
        return
    raise AssertionError("a 40-day outage after creation always owes a report")


@given(ZONES, INSTANTS, OUTAGES)
def test_weekly_owes_only_the_latest_digest_once(
    tz: str, created: datetime, outage: timedelta
) -> None:
    now = created + outage
    owed = weekly_overdue(tz, now, created)
    due = last_digest_due(tz, now)
    assert now - timedelta(days=8) < due <= now
    local = local_datetime(due, tz)
    assert local.weekday() == 0 and local.strftime("%H:%M") == "08:00"
    assert len(owed) == (1 if due > created else 0)
    for o in owed:
        assert o.due == due and o.late == (now - due > LATE_AFTER)
        assert weekly_overdue(tz, now, created, {(o.kind, o.period)}) == []


@given(ZONES, INSTANTS)
def test_daily_owed_ones_are_due_today_and_never_repeat(tz: str, now: datetime) -> None:
    schedule = Schedule(evening_enabled=True)
    owed = daily_overdue(schedule, 30, tz, now)
    today = local_datetime(now, tz).date().isoformat()
    for o in owed:
        assert o.period == today and o.due <= now and o.kind != Kind.WEEKLY_DIGEST
    sent = {(o.kind, o.period) for o in owed}
    assert daily_overdue(schedule, 30, tz, now, sent) == []


@given(ZONES, INSTANTS, OUTAGES, st.booleans())
def test_whatever_a_team_is_owed_goes_out_once(
    tz: str, created: datetime, outage: timedelta, evening: bool
) -> None:
    schedule = Schedule(evening_enabled=evening)
    now = created + outage
    owed = team_overdue(schedule, 30, tz, now, created)
    keys = [(o.kind, o.period) for o in owed]
    assert len(keys) == len(set(keys))
    assert all(o.due <= now and o.late == (now - o.due > LATE_AFTER) for o in owed)
    # Once the team-wide ones are logged, only the per-person member notices remain (the
    # fan-out de-duplicates those per person).
    again = team_overdue(schedule, 30, tz, now, created, set(keys))
    assert {o.kind for o in again} <= {k.value for k in MEMBER_KINDS}
