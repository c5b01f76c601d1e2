"""Pure leave/make-up rules: typed days, counting across month ends, overlaps, follow-ups."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.rules.leave import (
    DayProblem,
    Followup,
    can_cancel,
    can_end_early,
    check_last_day,
    effective_last_day,
    followup_due,
    is_retroactive,
    leave_days,
    makeup_day_allowed,
    needs_admin_approval,
    overlaps,
    parse_day,
)

TODAY = date(2026, 11, 25)
days_ = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


def test_parse_iso_and_relative_words() -> None:
    assert parse_day("2026-11-30", TODAY).day == date(2026, 11, 30)
    assert parse_day(" 2026/12/1 ", TODAY).day == date(2026, 12, 1)
    assert parse_day("today", TODAY).day == TODAY
    assert parse_day("Tomorrow", TODAY).day == date(2026, 11, 26)
    assert parse_day("今天", TODAY).day == TODAY
    assert parse_day("明天", TODAY).day == date(2026, 11, 26)
    assert parse_day("yesterday", TODAY).day == date(2026, 11, 24)


def test_tomorrow_crosses_month_and_year_ends() -> None:
    assert parse_day("tomorrow", date(2026, 11, 30)).day == date(2026, 12, 1)
    assert parse_day("明天", date(2026, 12, 31)).day == date(2027, 1, 1)


def test_malformed_and_out_of_range() -> None:
    for bad in ("", None, "2026-13-01", "2026-02-30", "next week", "25/11/2026", "🙂", "x" * 20000):
        parsed = parse_day(bad, TODAY)
        assert parsed.day is None and parsed.problem is DayProblem.MALFORMED, bad
    assert parse_day("2020-01-01", TODAY).problem is DayProblem.TOO_FAR_PAST
    assert parse_day("2028-01-01", TODAY).problem is DayProblem.TOO_FAR_AHEAD
    assert check_last_day(date(2026, 12, 3), date(2026, 12, 2)) is DayProblem.BEFORE_FIRST
    assert check_last_day(date(2026, 12, 3), date(2026, 12, 3)) is None


def test_leave_days_inclusive_across_month_ends() -> None:
    assert leave_days(TODAY, TODAY) == 1
    assert leave_days(date(2026, 11, 29), date(2026, 12, 2)) == 4
    assert leave_days(date(2027, 2, 27), date(2027, 3, 2)) == 4  # not a leap year
    assert leave_days(date(2028, 2, 27), date(2028, 3, 2)) == 5  # 2028 is
    assert leave_days(date(2026, 12, 30), date(2027, 1, 2)) == 4
    assert leave_days(date(2026, 12, 3), date(2026, 12, 2)) == 0


@given(days_, st.integers(0, 400))
def test_leave_days_counts_every_day_once(first: date, length: int) -> None:
    last = first + timedelta(days=length)
    assert leave_days(first, last) == length + 1
    assert leave_days(first, last) == len({first + timedelta(days=i) for i in range(length + 1)})


@given(days_, days_, days_, days_)
def test_overlap_matches_shared_days(a1: date, a2: date, b1: date, b2: date) -> None:
    a1, a2 = sorted((a1, a2))
    b1, b2 = sorted((b1, b2))
    shared = max(a1, b1) <= min(a2, b2)
    assert overlaps(a1, a2, b1, b2) is shared
    assert overlaps(a1, a2, b1, b2) is overlaps(b1, b2, a1, a2)


def test_overlap_edges() -> None:
    assert overlaps(date(2026, 11, 28), date(2026, 12, 1), date(2026, 12, 1), date(2026, 12, 5))
    assert not overlaps(
        date(2026, 11, 28), date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 5)
    )


def test_ended_early_releases_the_return_day_onwards() -> None:
    assert effective_last_day(date(2026, 12, 10), None) == date(2026, 12, 10)
    assert effective_last_day(date(2026, 12, 10), date(2026, 12, 5)) == date(2026, 12, 4)


def test_retroactive_and_second_approval() -> None:
    assert is_retroactive(date(2026, 11, 24), TODAY)
    assert not is_retroactive(TODAY, TODAY)
    assert not needs_admin_approval("leave", 5, 5)
    assert needs_admin_approval("leave", 6, 5)
    assert not needs_admin_approval("makeup", 60, 5)


def test_cancel_and_end_early_windows() -> None:
    assert can_cancel("pending", date(2026, 11, 1), TODAY)
    assert can_cancel("awaiting_admin", TODAY, TODAY)
    assert can_cancel("approved", date(2026, 11, 26), TODAY)
    assert not can_cancel("approved", TODAY, TODAY)
    assert not can_cancel("rejected", date(2026, 12, 1), TODAY)
    assert can_end_early("approved", date(2026, 11, 20), date(2026, 11, 30), None, TODAY)
    assert not can_end_early("approved", date(2026, 11, 20), date(2026, 11, 30), TODAY, TODAY)
    assert not can_end_early("approved", date(2026, 11, 26), date(2026, 11, 30), None, TODAY)


def test_makeup_days() -> None:
    assert makeup_day_allowed(date(2026, 11, 20), TODAY, after_cutoff=False)
    assert makeup_day_allowed(TODAY, TODAY, after_cutoff=True)
    assert not makeup_day_allowed(TODAY, TODAY, after_cutoff=False)
    assert not makeup_day_allowed(date(2026, 11, 26), TODAY, after_cutoff=True)


T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


def test_followups_at_24_and_48_hours() -> None:
    h = timedelta(hours=1)
    assert followup_due(T0, None, None, T0 + 23 * h) is Followup.NONE
    assert followup_due(T0, None, None, T0 + 24 * h) is Followup.REMIND
    assert followup_due(T0, T0 + 24 * h, None, T0 + 30 * h) is Followup.NONE
    assert followup_due(T0, T0 + 24 * h, None, T0 + 48 * h) is Followup.ESCALATE
    assert followup_due(T0, T0 + 24 * h, T0 + 48 * h, T0 + 100 * h) is Followup.NONE
    # Down for three days: straight to the escalation, no stale reminder.
    assert followup_due(T0, None, None, T0 + 72 * h) is Followup.ESCALATE


@given(st.integers(0, 200 * 3600), st.booleans(), st.booleans())
def test_followups_never_repeat(age_s: int, reminded: bool, escalated: bool) -> None:
    now = T0 + timedelta(seconds=age_s)
    due = followup_due(T0, now if reminded else None, now if escalated else None, now)
    if escalated:
        assert due is Followup.NONE
    if reminded and due is not Followup.NONE:
        assert due is Followup.ESCALATE
    if age_s < 24 * 3600:
        assert due is Followup.NONE
