"""Monthly compliance (SPEC §3.7): per member and month, what happened each day and the
verdict against the team's policy (SPEC §2).

Pure: inputs are plain records loaded by storage/compliance.py; "how far the month is
settled" is passed in (``settled_until``), no clock is read.

Decisions (each one a place a reader could reasonably expect otherwise):

* A day's status comes from the member's ``attendance_days`` row first: timing ``made_up``
  (an approved make-up) counts as a day on site whatever the place, and is also counted
  apart as a make-up; place ``on_site`` with timing ``on_time``/``late`` is a day on site;
  timing ``missed`` (checked in after the cutoff, make-up not approved) counts as no
  check-in: a missed workday, unless on leave; place ``out_of_area`` is neither on site nor
  missed.
* Days on site count every day of the month, workday or not: the policy is about living
  at the site. Missed days only count on workdays (not holidays, not the team's days off).
* Approved leave covers the calendar days from ``first_day`` to ``last_day``, or to
  ``ended_early_on`` (inclusive: the day it was ended) if that is earlier, clipped to the
  month. The leave days counted (by type, and in the grid) are only those a leave request
  costs (`bot.rules.leave.is_leave_day`: the team's workdays): a holiday or day off inside a
  leave reads "off", as it did when the request was approved. A leave day the member
  nevertheless spent on site counts as on site, not leave, so the columns add up.
  Overlapping leaves count a day once, under the earliest request.
* Days after ``settled_until`` (today before the cutoff, and later) are "future": neither
  missed nor on site. A month is complete once ``settled_until`` reaches its last day.
* Nights are tracked only when the team's evening check is on; otherwise they are ``None``
  ("not tracked") and the night minimum is not applied, rather than failing everyone.
* Verdict: ``meets`` when days (and tracked nights) reach the minimums; ``short_covered``
  when they would if approved leave days counted as present (every calendar day of a leave:
  a weekend inside it was not spent on site either); else ``short``. Minimums are
  not prorated for members who joined mid-month.
* Ratings (per year, counting roll-call absences from 1 January to the month's end):
  ``absences >= excellent_absence_limit`` bars "excellent"; ``absences >
  competent_absence_limit`` bars "competent".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from bot.rules.leave import is_leave_day
from bot.rules.policy import Policy
from bot.rules.team_hours import Schedule, is_workday, month_days

LEAVE_TYPES = ("personal", "sick", "official", "training", "other")


class DayStatus(StrEnum):
    ON_SITE = "on_site"
    LATE = "late"
    MADE_UP = "made_up"
    OUT_OF_AREA = "out_of_area"
    LEAVE = "leave"
    MISSED = "missed"
    OFF = "off"  # a holiday or a day the team does not work
    FUTURE = "future"
    NOT_MEMBER = "not_member"  # before the member joined the team: owes nothing


# Statuses that count as a day on site.
PRESENT = frozenset({DayStatus.ON_SITE, DayStatus.LATE, DayStatus.MADE_UP})


class Verdict(StrEnum):
    MEETS = "meets"
    SHORT_COVERED = "short_covered"  # short, but covered by approved leave
    SHORT = "short"


class DayRecord(NamedTuple):
    """One ``attendance_days`` row (a tuple: a big month builds 150,000 of them)."""

    day: date
    place: str  # on_site | out_of_area
    timing: str  # on_time | late | missed | made_up


@dataclass(frozen=True)
class LeaveSpan:
    """One approved leave request."""

    leave_type: str
    first_day: date
    last_day: date
    ended_early_on: date | None = None

    @property
    def end(self) -> date:
        if self.ended_early_on is not None and self.ended_early_on < self.last_day:
            return self.ended_early_on
        return self.last_day


@dataclass(frozen=True)
class MemberInput:
    telegram_id: int
    name: str
    unit: str | None = None
    days: tuple[DayRecord, ...] = ()
    evening_days: frozenset[date] = frozenset()  # accepted on-site evening checks
    leaves: tuple[LeaveSpan, ...] = ()
    diary_days: frozenset[date] = frozenset()
    absences_ytd: int = 0
    # The team-local day the member joined; days before it are neither missed nor owed.
    member_since: date | None = None
    # Spoof signals of the month not cleared by a supervisor (SPEC §6).
    spoof_signals: int = 0


@dataclass(frozen=True)
class TeamInput:
    team_id: int
    team_name: str
    timezone: str
    schedule: Schedule
    policy: Policy
    members: tuple[MemberInput, ...] = ()


@dataclass(frozen=True)
class MemberMonth:
    telegram_id: int
    name: str
    unit: str | None
    days_on_site: int  # including made-up days
    made_up: int
    nights_on_site: int | None  # None: the evening check is off, nights are not tracked
    late: int
    missed: int
    out_of_area: int
    leave_days: Mapping[str, int]  # by leave type, every type present (0 when none)
    diary_days: int
    absences_ytd: int
    verdict: Verdict
    excellent_eligible: bool
    competent_eligible: bool
    grid: tuple[DayStatus, ...]  # one per day of the month
    # Days on site this member owed: the policy's, prorated for a mid-month joiner.
    min_days: int = 0
    spoof_signals: int = 0  # open signals of the month: to look at, never a verdict

    @property
    def leave_total(self) -> int:
        return sum(self.leave_days.values())


@dataclass(frozen=True)
class TeamMonth:
    team_id: int
    team_name: str
    timezone: str
    year: int
    month: int
    days: tuple[date, ...]
    policy: Policy
    nights_tracked: bool
    complete: bool
    members: tuple[MemberMonth, ...] = field(default_factory=tuple)

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def leave_days_in(leaves: Iterable[LeaveSpan], first: date, last: date) -> dict[date, str]:
    """Day -> leave type for every day within ``first..last`` covered by a leave; a day
    covered twice belongs to the earliest-starting leave."""
    covered: dict[date, str] = {}
    for span in sorted(leaves, key=lambda s: (s.first_day, s.end)):
        day = max(span.first_day, first)
        end = min(span.end, last)
        while day <= end:
            covered.setdefault(day, span.leave_type)
            day += timedelta(days=1)
    return covered


def day_status(
    day: date,
    record: DayRecord | None,
    on_leave: bool,
    workday: bool,
    settled_until: date,
    member: bool = True,
) -> DayStatus:
    """One cell of the member × day grid."""
    # A check-in after the cutoff (timing "missed") counts for nothing until a make-up is
    # approved: the day reads as if there were no check-in (missed, leave, off or future).
    if record is not None and record.timing != "missed":
        if record.timing == "made_up":
            return DayStatus.MADE_UP
        if record.place == "on_site":
            return DayStatus.LATE if record.timing == "late" else DayStatus.ON_SITE
        return DayStatus.OUT_OF_AREA
    if not member:
        return DayStatus.NOT_MEMBER
    if not workday:
        return DayStatus.OFF  # inside a leave too: a leave does not cost days off
    if on_leave:
        return DayStatus.LEAVE
    if day > settled_until:
        return DayStatus.FUTURE
    return DayStatus.MISSED


def member_month(
    member: MemberInput,
    days: list[date],
    schedule: Schedule,
    policy: Policy,
    settled_until: date,
    workdays: Sequence[bool] | None = None,
) -> MemberMonth:
    """One member's month; ``workdays`` (is each day a workday) may be passed in when
    computing many members of one team."""
    first, last = days[0], days[-1]
    if workdays is None:
        workdays = [is_workday(d, schedule) for d in days]
    records = {r.day: r for r in member.days if first <= r.day <= last}
    leave = leave_days_in(member.leaves, first, last) if member.leaves else {}
    since = member.member_since
    grid = tuple(
        day_status(d, records.get(d), d in leave, w, settled_until, since is None or d >= since)
        for d, w in zip(days, workdays, strict=True)
    )
    present = {d for d, s in zip(days, grid, strict=True) if s in PRESENT}
    leave_by_type = dict.fromkeys(LEAVE_TYPES, 0)
    for d, kind in leave.items():
        if d not in present and is_leave_day(d, schedule):
            leave_by_type[kind] = leave_by_type.get(kind, 0) + 1
    nights: int | None = None
    covered_nights = 0
    if schedule.evening_enabled:
        month_nights = {d for d in member.evening_days if first <= d <= last}
        nights = len(month_nights)
        covered_nights = len(month_nights | leave.keys())
    owed = prorated(policy, since, first, last)
    verdict = _verdict(len(present), len(present | leave.keys()), nights, covered_nights, owed)
    absences = member.absences_ytd
    return MemberMonth(
        telegram_id=member.telegram_id,
        name=member.name,
        unit=member.unit,
        days_on_site=len(present),
        made_up=grid.count(DayStatus.MADE_UP),
        nights_on_site=nights,
        late=sum(1 for r in records.values() if r.timing == "late"),
        missed=grid.count(DayStatus.MISSED),
        out_of_area=grid.count(DayStatus.OUT_OF_AREA),
        leave_days=leave_by_type,
        diary_days=sum(1 for d in member.diary_days if first <= d <= last),
        absences_ytd=absences,
        verdict=verdict,
        excellent_eligible=absences < policy.excellent_absence_limit,
        competent_eligible=absences <= policy.competent_absence_limit,
        grid=grid,
        min_days=owed.min_days,
        spoof_signals=member.spoof_signals,
    )


def prorated(policy: Policy, since: date | None, first: date, last: date) -> Policy:
    """The month's minimums for someone who joined part-way through: in proportion to the
    days they belonged, rounded up (22 of 30 days owed in full; joining on the 23rd of a
    30-day month owes ceil(22 × 8 / 30) = 6)."""
    if since is None or since <= first:
        return policy
    month = (last - first).days + 1
    belonged = max(0, (last - since).days + 1)
    return replace(
        policy,
        min_days=math.ceil(policy.min_days * belonged / month),
        min_nights=math.ceil(policy.min_nights * belonged / month),
    )


def _verdict(
    days: int, days_with_leave: int, nights: int | None, nights_with_leave: int, policy: Policy
) -> Verdict:
    nights_ok = nights is None or nights >= policy.min_nights
    if days >= policy.min_days and nights_ok:
        return Verdict.MEETS
    covered_nights_ok = nights is None or nights_with_leave >= policy.min_nights
    if days_with_leave >= policy.min_days and covered_nights_ok:
        return Verdict.SHORT_COVERED
    return Verdict.SHORT


def team_month(team: TeamInput, year: int, month: int, settled_until: date) -> TeamMonth:
    """The month of a whole team; members in the order given (storage sorts by name)."""
    days = month_days(year, month)
    workdays = [is_workday(d, team.schedule) for d in days]
    members = tuple(
        member_month(m, days, team.schedule, team.policy, settled_until, workdays)
        for m in team.members
    )
    return TeamMonth(
        team_id=team.team_id,
        team_name=team.team_name,
        timezone=team.timezone,
        year=year,
        month=month,
        days=tuple(days),
        policy=team.policy,
        nights_tracked=team.schedule.evening_enabled,
        complete=settled_until >= days[-1],
        members=members,
    )


def previous_month(today: date) -> tuple[int, int]:
    """The (year, month) before the one ``today`` is in."""
    last = today.replace(day=1) - timedelta(days=1)
    return last.year, last.month


def parse_month(text: str) -> tuple[int, int]:
    """``"2026-11"`` -> ``(2026, 11)``; ``ValueError`` for anything else."""
    parts = text.strip().split("-")
    if len(parts) != 2 or not (parts[0].isdigit() and parts[1].isdigit()) or len(parts[0]) != 4:
        raise ValueError(f"not a month YYYY-MM: {text!r}")
    year, month = int(parts[0]), int(parts[1])
    if not 1 <= month <= 12 or year < 2000:
        raise ValueError(f"not a month YYYY-MM: {text!r}")
    return year, month


def settled_until(local_now: datetime, schedule: Schedule) -> date:
    """The last team-local day whose morning is decided: today once the cutoff has passed,
    else yesterday. ``local_now`` is the team-local wall time (aware or naive)."""
    today = local_now.date()
    if local_now.time().replace(tzinfo=None) >= schedule.cutoff:
        return today
    return today - timedelta(days=1)
