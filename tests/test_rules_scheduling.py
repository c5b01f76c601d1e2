"""Pure rules of scheduling: reminder targets, due and catch-up times, summary, split,
roll-call judgement and the weekly draw."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.rules.checkin import Site
from bot.rules.reminders import (
    Kind,
    LeaveSpan,
    MemberDay,
    catch_up_kinds,
    due_times,
    reminder_targets,
)
from bot.rules.rollcall import AskAgain, DrawTeam, Outcome, RollcallAnswer, draw_week, judge_answer
from bot.rules.summary import Attendance, Member, PendingRequest, build_summary, render_summary
from bot.rules.team_hours import Schedule, local_datetime
from bot.rules.text import split_message

WED = date(2026, 11, 25)
SH = "Asia/Shanghai"


def test_reminder_targets_skip_leave_recalled_unreachable_and_done() -> None:
    members = [
        MemberDay(1),
        MemberDay(2, on_leave=True),
        MemberDay(3, state="recalled"),
        MemberDay(4, state="left"),
        MemberDay(5, unreachable=True),
        MemberDay(6, checked_in=True),
        MemberDay(7, wrote_diary=True),
    ]
    s = Schedule()
    assert reminder_targets(Kind.CHECKIN_REMINDER, members, WED, s) == [1, 7]
    assert reminder_targets(Kind.DEADLINE_NUDGE, members, WED, s) == [1, 7]
    assert reminder_targets(Kind.DIARY_REMINDER, members, WED, s) == [1, 6]
    # Evening reminders only when the team has the evening check on.
    assert reminder_targets(Kind.EVENING_REMINDER, members, WED, s) == []
    on = Schedule(evening_enabled=True)
    assert reminder_targets(Kind.EVENING_REMINDER, members, WED, on) == [1, 6, 7]


def test_no_member_reminders_on_holidays_or_non_workdays() -> None:
    members = [MemberDay(1)]
    assert (
        reminder_targets(Kind.CHECKIN_REMINDER, members, WED, Schedule(holidays=frozenset({WED})))
        == []
    )
    weekdays_only = Schedule(workdays=frozenset(range(5)))
    saturday = date(2026, 11, 28)
    assert reminder_targets(Kind.DIARY_REMINDER, members, saturday, weekdays_only) == []


def test_leave_span_and_early_end() -> None:
    span = LeaveSpan(1, date(2026, 11, 20), date(2026, 11, 30), ended_early_on=date(2026, 11, 25))
    assert span.covers(date(2026, 11, 20)) and span.covers(date(2026, 11, 25))
    assert not span.covers(date(2026, 11, 26)) and not span.covers(date(2026, 11, 19))


def test_due_times_follow_the_schedule_and_lead() -> None:
    s = Schedule(on_time=time(8, 0), grace_minutes=15)
    due = due_times(s, 45)
    assert due[Kind.CHECKIN_REMINDER] == time(7, 15)
    assert due[Kind.DEADLINE_NUDGE] == time(8, 15)
    assert due[Kind.DIARY_REMINDER] == time(20, 30) and due[Kind.SUMMARY] == time(21, 0)
    assert Kind.EVENING_REMINDER not in due
    # A lead longer than the morning clamps to midnight rather than yesterday.
    assert due_times(Schedule(opens=time(0, 10), on_time=time(0, 20)), 60)[
        Kind.CHECKIN_REMINDER
    ] == time(0, 0)


def _at(day: date, hh: int, mm: int, tz: str = SH) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def test_catch_up_only_what_still_makes_sense() -> None:
    s = Schedule()  # reminder 07:00, deadline 07:40, cutoff 12:00
    assert catch_up_kinds(s, 30, SH, _at(WED, 6, 59)) == []
    assert catch_up_kinds(s, 30, SH, _at(WED, 7, 5)) == [Kind.CHECKIN_REMINDER]
    # 07:50: too late to remind, but the deadline nudge is still worth sending.
    assert catch_up_kinds(s, 30, SH, _at(WED, 7, 50)) == [Kind.DEADLINE_NUDGE]
    assert catch_up_kinds(s, 30, SH, _at(WED, 12, 0)) == []
    assert catch_up_kinds(s, 30, SH, _at(WED, 21, 30)) == [Kind.DIARY_REMINDER, Kind.SUMMARY]
    monday = date(2026, 11, 30)
    assert Kind.WEEKLY_DIGEST in catch_up_kinds(s, 30, SH, _at(monday, 9, 0))
    assert Kind.WEEKLY_DIGEST not in catch_up_kinds(s, 30, SH, _at(WED, 9, 0))


def test_summary_groups_members() -> None:
    members = [Member(i, n) for i, n in enumerate(["Ann", "Bo", "Cai", "Dan", "Eve", "Fu"], 1)]
    model = build_summary(
        team_name="Xiaoshan",
        day=WED,
        members=members,
        attendance=[
            Attendance(1, "on_site", "on_time"),
            Attendance(2, "on_site", "late"),
            Attendance(3, "out_of_area", "on_time", "Hospital visit"),
        ],
        diary_writers=[1, 3],
        leaves=[LeaveSpan(5, WED, WED, leave_type="sick")],
        pending=[PendingRequest(9, 6, "Fu", "leave", "personal", WED, WED, 1, "pending")],
        workday=True,
        final=True,
    )
    assert model.on_time == ("Ann",) and model.late == ("Bo",)
    assert model.out_of_area[0].name == "Cai" and model.out_of_area[0].reason == "Hospital visit"
    assert model.missed == ("Dan", "Fu") and model.on_leave == (("Eve", "sick"),)
    assert model.diaries_missing == ("Bo", "Dan", "Fu")
    text = render_summary("en", model)
    assert "On time: 1:\nAnn" in text and "Late: 1:\nBo" in text
    assert "Cai (on time): Hospital visit" in text and "Missed: 2:\nDan, Fu" in text
    assert "Eve (sick)" in text and "#9 Fu" in text
    zh = render_summary("zh", model)
    assert "准时：1" in zh and "病假" in zh
    early = build_summary(
        team_name="X",
        day=WED,
        members=members[:1],
        attendance=[],
        diary_writers=[],
        leaves=[],
        pending=[],
        workday=True,
        final=False,
    )
    assert "Not checked in yet: 1" in render_summary("en", early)


@given(st.text(alphabet="ab \n,", max_size=3000), st.integers(min_value=5, max_value=300))
def test_split_message_respects_limit_and_keeps_text(text: str, limit: int) -> None:
    parts = split_message(text, limit)
    assert all(0 < len(p) <= limit for p in parts)
    assert "".join(parts) == text


def test_split_message_prefers_section_breaks_then_list_items() -> None:
    text = "A" * 50 + "\n\n" + "B" * 30 + "\n" + "C" * 30
    assert split_message(text, 70) == ["A" * 50 + "\n\n", "B" * 30 + "\n" + "C" * 30]
    names = ", ".join(f"name{i:02d}" for i in range(20))
    parts = split_message("Title\n\nOn time:\n" + names, 60)
    assert parts[0].startswith("Title\n\nOn time:\nname00,") and parts[0].endswith(", ")
    assert all(p.startswith("name") or p.startswith("Title") for p in parts)


SITE = Site(30.0, 120.0, 300)


def test_rollcall_answers() -> None:
    live = RollcallAnswer(30.0005, 120.0, 10, 900)
    assert judge_answer(live, SITE).outcome is Outcome.PRESENT
    far = RollcallAnswer(30.05, 120.0, 10, 900)
    assert judge_answer(far, SITE).outcome is Outcome.OUT_OF_AREA
    static = RollcallAnswer(30.0, 120.0, 10, None)
    assert judge_answer(static, SITE).ask_again is AskAgain.NOT_LIVE
    fwd = RollcallAnswer(30.0, 120.0, 10, 900, is_forwarded=True)
    assert judge_answer(fwd, SITE).ask_again is AskAgain.FORWARDED
    vague = RollcallAnswer(30.0, 120.0, 1500, 900)
    assert judge_answer(vague, SITE).ask_again is AskAgain.INACCURATE


def test_weekly_draw_is_seeded_bounded_and_in_working_hours() -> None:
    teams = [DrawTeam(i, SH if i % 2 else "Europe/Berlin", Schedule()) for i in range(1, 11)]
    monday = date(2026, 11, 23)
    now = _at(monday, 0, 5)
    a = draw_week(teams, monday, now, random.Random(7), min_teams=3, max_teams=5, answer_minutes=30)
    b = draw_week(teams, monday, now, random.Random(7), min_teams=3, max_teams=5, answer_minutes=30)
    assert a == b and 3 <= len(a) <= 5 and len({p.team_id for p in a}) == len(a)
    tz = {t.team_id: t.timezone for t in teams}
    for p in a:
        local = local_datetime(p.at, tz[p.team_id])
        assert monday <= local.date() <= monday + timedelta(days=6)
        assert time(7, 40) <= local.time() <= time(17, 30)
    # Mid-week, nothing is planned in the past.
    later = _at(date(2026, 11, 26), 12, 0)
    for p in draw_week(
        teams, monday, later, random.Random(1), min_teams=5, max_teams=5, answer_minutes=30
    ):
        assert p.at > later
