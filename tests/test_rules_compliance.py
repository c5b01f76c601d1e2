"""Monthly compliance rules: a hand-computed month, and properties over month boundaries."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rules.compliance import (
    PRESENT,
    DayRecord,
    DayStatus,
    LeaveSpan,
    MemberInput,
    TeamInput,
    Verdict,
    leave_days_in,
    member_month,
    parse_month,
    previous_month,
    settled_until,
    team_month,
)
from bot.rules.policy import Policy
from bot.rules.team_hours import Schedule, month_days

D = date
NOV = [D(2026, 11, d) for d in range(1, 31)]
# Mon-Sat workdays, 11 November a holiday; evening check on.
SCHEDULE = Schedule(
    workdays=frozenset(range(6)), holidays=frozenset({D(2026, 11, 11)}), evening_enabled=True
)
POLICY = Policy(min_days=16, min_nights=15, excellent_absence_limit=2, competent_absence_limit=3)


def on(day: int, timing: str = "on_time", place: str = "on_site") -> DayRecord:
    return DayRecord(D(2026, 11, day), place=place, timing=timing)


ANN = MemberInput(
    telegram_id=1,
    name="Ann",
    unit="Bureau",
    days=(
        on(2),
        on(3, "late"),
        on(4, place="out_of_area"),
        on(5, "missed"),
        on(6, "made_up", place="out_of_area"),
        on(8),  # a Sunday on site still counts as a day on site
        on(9),
        on(10),
        on(12),
        on(13),
        on(14),
        on(18, "late"),  # on site during her sick leave: on site, not leave
        on(21),
        on(23),
        on(24),
        DayRecord(D(2026, 10, 31), "on_site", "on_time"),  # outside the month
    ),
    evening_days=frozenset(
        {D(2026, 11, d) for d in (2, 3, 8, 9, 10, 12, 13, 14, 21, 23, 24)} | {D(2026, 10, 31)}
    ),
    leaves=(
        LeaveSpan("sick", D(2026, 11, 16), D(2026, 11, 20), ended_early_on=D(2026, 11, 19)),
        LeaveSpan("personal", D(2026, 10, 30), D(2026, 11, 1)),
    ),
    diary_days=frozenset({D(2026, 11, 2), D(2026, 11, 3), D(2026, 12, 1)}),
    absences_ytd=2,
)
# Worked out by hand from the calendar (1 Nov 2026 is a Sunday), settled through the 25th.
# The 1st, a Sunday inside her personal leave, is a day off: the leave does not cost it.
ANN_GRID = (
    "off on late out missed made_up missed on on on off on on on off leave leave late leave "
    "missed on off on on missed future future future off future"
)
CODES = {
    "on": DayStatus.ON_SITE,
    "late": DayStatus.LATE,
    "out": DayStatus.OUT_OF_AREA,
    "missed": DayStatus.MISSED,
    "made_up": DayStatus.MADE_UP,
    "off": DayStatus.OFF,
    "leave": DayStatus.LEAVE,
    "future": DayStatus.FUTURE,
}


def test_hand_computed_month() -> None:
    m = member_month(ANN, NOV, SCHEDULE, POLICY, settled_until=D(2026, 11, 25))
    assert m.grid == tuple(CODES[c] for c in ANN_GRID.split())
    assert m.days_on_site == 13  # 2,3,6,8,9,10,12,13,14,18,21,23,24
    assert m.made_up == 1
    assert m.late == 2
    assert m.missed == 4  # 5 (after cutoff), 7, 20, 25
    assert m.out_of_area == 1
    assert dict(m.leave_days) == {
        "personal": 0,  # only Sunday the 1st falls in November: not a leave day
        "sick": 3,
        "official": 0,
        "training": 0,
        "other": 0,
    }
    assert m.leave_total == 3
    assert m.nights_on_site == 11
    assert m.diary_days == 2
    # 13 days < 16, but with the 4 calendar days on leave 17 >= 16; nights 11 + 5 >= 15.
    assert m.verdict is Verdict.SHORT_COVERED
    assert not m.excellent_eligible and m.competent_eligible


def test_nights_not_tracked_when_the_evening_check_is_off() -> None:
    schedule = Schedule(workdays=SCHEDULE.workdays, holidays=SCHEDULE.holidays)
    policy = Policy(min_days=13, min_nights=15)
    tracked = member_month(ANN, NOV, SCHEDULE, policy, D(2026, 11, 25))
    untracked = member_month(ANN, NOV, schedule, policy, D(2026, 11, 25))
    assert tracked.verdict is Verdict.SHORT_COVERED  # 11 nights fall short
    assert untracked.nights_on_site is None
    assert untracked.verdict is Verdict.MEETS  # the night minimum is not applied


def test_team_month_verdicts_and_rating_limits() -> None:
    bo = MemberInput(
        2,
        "Bo",
        days=tuple(on(d) for d in range(1, 26)),
        evening_days=frozenset(NOV[:25]),
        absences_ytd=4,
    )
    cy = MemberInput(3, "Cy", absences_ytd=3)
    team = TeamInput(7, "Xiaoshan", "Asia/Shanghai", SCHEDULE, POLICY, (ANN, bo, cy))
    tm = team_month(team, 2026, 11, settled_until=D(2026, 11, 25))
    ann, bo_m, cy_m = tm.members
    assert (ann.verdict, bo_m.verdict, cy_m.verdict) == (
        Verdict.SHORT_COVERED,
        Verdict.MEETS,
        Verdict.SHORT,
    )
    assert bo_m.days_on_site == 25 and bo_m.missed == 0
    # 25 settled days minus 4 Sundays and the holiday.
    assert cy_m.missed == 20 and cy_m.nights_on_site == 0
    assert (bo_m.excellent_eligible, bo_m.competent_eligible) == (False, False)
    assert (cy_m.excellent_eligible, cy_m.competent_eligible) == (False, True)
    assert not tm.complete and tm.label == "2026-11"
    assert team_month(team, 2026, 11, D(2026, 11, 30)).complete


def test_month_helpers() -> None:
    assert previous_month(D(2026, 1, 1)) == (2025, 12)
    assert previous_month(D(2028, 3, 31)) == (2028, 2)
    assert parse_month("2026-02") == (2026, 2)
    for bad in ("2026-13", "2026-1x", "26-01", "2026/01", "", "2026-00"):
        try:
            parse_month(bad)
        except ValueError:
            continue
        raise AssertionError(bad)
    s = Schedule()
    assert settled_until(datetime(2026, 12, 1, 8, 0), s) == D(2026, 11, 30)
    assert settled_until(datetime.combine(D(2026, 12, 1), time(12, 0)), s) == D(2026, 12, 1)


# --- properties -------------------------------------------------------------------------

MONTHS = st.sampled_from([(2028, 2), (2026, 2), (2026, 1), (2026, 12), (2026, 4), (2027, 7)])
TIMINGS = st.sampled_from(["on_time", "late", "missed", "made_up"])
PLACES = st.sampled_from(["on_site", "out_of_area"])
LEAVE_TYPE = st.sampled_from(["personal", "sick", "official", "training", "other"])


@st.composite
def member_for(draw: st.DrawFn, year: int, month: int) -> MemberInput:
    days = month_days(year, month)
    # Records reach a week either side of the month: those outside must be ignored.
    span = [days[0] + timedelta(days=i) for i in range(-7, len(days) + 7)]
    chosen = draw(st.lists(st.sampled_from(span), unique=True, max_size=40))
    records = tuple(DayRecord(d, draw(PLACES), draw(TIMINGS)) for d in chosen)
    leaves = []
    for _ in range(draw(st.integers(0, 3))):
        first = draw(st.sampled_from(span)) - timedelta(days=draw(st.integers(0, 40)))
        last = first + timedelta(days=draw(st.integers(0, 60)))
        early = draw(st.none() | st.just(first + timedelta(days=draw(st.integers(0, 60)))))
        leaves.append(LeaveSpan(draw(LEAVE_TYPE), first, last, early))
    evenings = frozenset(draw(st.lists(st.sampled_from(span), max_size=40)))
    return MemberInput(1, "M", days=records, leaves=tuple(leaves), evening_days=evenings)


@st.composite
def cases(draw: st.DrawFn) -> tuple[int, int, MemberInput, Schedule, date]:
    year, month = draw(MONTHS)
    days = month_days(year, month)
    member = draw(member_for(year, month))
    workdays = frozenset(draw(st.sets(st.integers(0, 6), min_size=1)))
    holidays = frozenset(draw(st.lists(st.sampled_from(days), max_size=4)))
    schedule = Schedule(workdays=workdays, holidays=holidays, evening_enabled=draw(st.booleans()))
    settled = days[0] + timedelta(days=draw(st.integers(-3, len(days) + 3)))
    return year, month, member, schedule, settled


@settings(max_examples=150, deadline=None)
@given(cases())
def test_counts_agree_with_the_grid(case: tuple[int, int, MemberInput, Schedule, date]) -> None:
    year, month, member, schedule, settled = case
    days = month_days(year, month)
    m = member_month(member, days, schedule, Policy(), settled)
    assert len(m.grid) == len(days)  # 29 in Feb 2028, 28 in Feb 2026, 31 in Jan/Dec/Jul
    assert m.days_on_site == sum(1 for s in m.grid if s in PRESENT)
    assert m.missed == m.grid.count(DayStatus.MISSED)
    assert m.made_up == m.grid.count(DayStatus.MADE_UP) <= m.days_on_site
    leave = leave_days_in(member.leaves, days[0], days[-1])
    present = {d for d, s in zip(days, m.grid, strict=True) if s in PRESENT}
    workdays = {d for d in days if d.weekday() in schedule.workdays and d not in schedule.holidays}
    assert m.leave_total == len((leave.keys() & workdays) - present)
    assert m.grid.count(DayStatus.LEAVE) <= m.leave_total
    for d, status in zip(days, m.grid, strict=True):
        if d > settled:
            assert status is not DayStatus.MISSED
        if status is DayStatus.MISSED:
            assert d.weekday() in schedule.workdays and d not in schedule.holidays
            assert d not in leave
    assert (m.nights_on_site is None) == (not schedule.evening_enabled)
    if m.nights_on_site is not None:
        assert m.nights_on_site == len({d for d in member.evening_days if d.month == month})


@settings(max_examples=100, deadline=None)
@given(
    first=st.dates(date(2025, 11, 1), date(2028, 12, 31)),
    length=st.integers(0, 120),
    early=st.none() | st.integers(0, 130),
)
def test_leave_spanning_months_adds_up(first: date, length: int, early: int | None) -> None:
    span = LeaveSpan(
        "sick",
        first,
        first + timedelta(days=length),
        None if early is None else first + timedelta(days=early),
    )
    total, cursor = 0, date(first.year, first.month, 1)
    while cursor <= span.last_day:
        days = month_days(cursor.year, cursor.month)
        total += len(leave_days_in([span], days[0], days[-1]))
        cursor = days[-1] + timedelta(days=1)
    end = min(span.last_day, span.ended_early_on or span.last_day)
    assert total == (end - first).days + 1


@settings(max_examples=100, deadline=None)
@given(cases(), st.integers(0, 31))
def test_more_days_on_site_never_worsen_the_verdict(
    case: tuple[int, int, MemberInput, Schedule, date], extra_day: int
) -> None:
    year, month, member, schedule, settled = case
    days = month_days(year, month)
    policy = Policy(min_days=len(days) // 2, min_nights=len(days) // 3)
    before = member_month(member, days, schedule, policy, settled)
    day = days[min(extra_day, len(days) - 1)]
    more = MemberInput(
        1,
        "M",
        days=(*(r for r in member.days if r.day != day), DayRecord(day, "on_site", "on_time")),
        leaves=member.leaves,
        evening_days=member.evening_days | {day},
    )
    after = member_month(more, days, schedule, policy, settled)
    rank = {Verdict.MEETS: 0, Verdict.SHORT_COVERED: 1, Verdict.SHORT: 2}
    assert after.days_on_site >= before.days_on_site
    assert rank[after.verdict] <= rank[before.verdict]


def test_days_before_joining_are_neither_missed_nor_owed() -> None:
    from bot.rules.compliance import DayStatus, MemberInput, Verdict, member_month, prorated
    from bot.rules.policy import Policy
    from bot.rules.team_hours import Schedule, month_days

    days = month_days(2026, 11)
    joined = date(2026, 11, 23)
    on_site = tuple(DayRecord(date(2026, 11, d), "on_site", "on_time") for d in range(23, 29))
    member = MemberInput(1, "Li", days=on_site, member_since=joined)
    month = member_month(member, days, Schedule(), Policy(), settled_until=date(2026, 11, 30))
    assert set(month.grid[:22]) == {DayStatus.NOT_MEMBER}
    assert month.missed == 2  # the 29th and 30th, after joining, with no check-in
    # Joining on the 23rd of a 30-day month owes ceil(22 * 8 / 30) = 6 days: 6 on site meets it.
    assert prorated(Policy(), joined, days[0], days[-1]).min_days == 6
    assert month.verdict is Verdict.MEETS
    whole = MemberInput(2, "Wang", days=on_site)
    assert (
        member_month(whole, days, Schedule(), Policy(), date(2026, 11, 30)).verdict is Verdict.SHORT
    )


@settings(max_examples=100, deadline=None)
@given(cases(), st.integers(0, 30), st.integers(0, 30))
def test_the_report_counts_a_leave_as_its_request_did(
    case: tuple[int, int, MemberInput, Schedule, date], start: int, length: int
) -> None:
    """One approved leave and no check-ins: the month's leave days are exactly what the
    request cost (`leave_workdays`), holidays and days off inside it not counted."""
    from bot.rules.leave import leave_workdays

    year, month, _, schedule, settled = case
    days = month_days(year, month)
    first = days[min(start, len(days) - 1)]
    last = min(first + timedelta(days=length), days[-1])
    member = MemberInput(1, "M", leaves=(LeaveSpan("sick", first, last),))
    m = member_month(member, days, schedule, Policy(), settled)
    assert m.leave_days["sick"] == m.leave_total == leave_workdays(first, last, schedule)
    assert m.grid.count(DayStatus.LEAVE) == m.leave_total
