"""Leave and make-up request rules (SPEC §3.4, §3.2): pure functions of their inputs.

"Today" is always handed in (the team-local day the caller computed from its clock), so the
rules never read a clock or a timezone themselves.

Decisions:

* A leave's range is in calendar days, both ends inclusive; what it costs (``leave_workdays``)
  is the team's workdays in it (`is_leave_day`): holidays and days off inside a leave are not
  taken from it, as in Frappe HR's default. Requests and the monthly report count alike.
* A request is retroactive when its first day is before today (the day it was asked).
* Typed days may be at most ``PAST_LIMIT_DAYS`` in the past and ``FUTURE_LIMIT_DAYS`` ahead.
* A leave ended early keeps its asked range; the day of return (``ended_early_on``) and
  everything after it are released, so the effective last day is the day before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.rules.team_hours import Schedule, is_workday

PAST_LIMIT_DAYS = 60
FUTURE_LIMIT_DAYS = 366
REMIND_AFTER = timedelta(hours=24)
ESCALATE_AFTER = timedelta(hours=48)

LEAVE_TYPES = ("personal", "sick", "official", "training", "other")

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_RELATIVE = {
    "today": 0,
    "今天": 0,
    "今日": 0,
    "tomorrow": 1,
    "明天": 1,
    "明日": 1,
    "yesterday": -1,
    "昨天": -1,
}


class DayProblem(StrEnum):
    MALFORMED = "malformed"
    TOO_FAR_PAST = "too_far_past"
    TOO_FAR_AHEAD = "too_far_ahead"
    BEFORE_FIRST = "before_first"


@dataclass(frozen=True)
class ParsedDay:
    day: date | None
    problem: DayProblem | None = None


def parse_day(text: str | None, today: date) -> ParsedDay:
    """A typed day: ``YYYY-MM-DD`` (also with / or .), today/tomorrow/yesterday, 今天/明天."""
    raw = (text or "").strip().lower().replace("/", "-").replace(".", "-")
    if raw in _RELATIVE:
        return check_day(today + timedelta(days=_RELATIVE[raw]), today)
    match = _ISO.match(raw)
    if not match:
        return ParsedDay(None, DayProblem.MALFORMED)
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return ParsedDay(None, DayProblem.MALFORMED)
    return check_day(day, today)


def relative_day(text: str, today: date) -> date | None:
    """today / yesterday / tomorrow (and 今天, 昨天, 明天) as a day, else None."""
    offset = {**_RELATIVE, "yesterday": -1, "昨天": -1, "昨日": -1}.get(text.strip().lower())
    return None if offset is None else today + timedelta(days=offset)


def check_day(day: date, today: date) -> ParsedDay:
    if day < today - timedelta(days=PAST_LIMIT_DAYS):
        return ParsedDay(None, DayProblem.TOO_FAR_PAST)
    if day > today + timedelta(days=FUTURE_LIMIT_DAYS):
        return ParsedDay(None, DayProblem.TOO_FAR_AHEAD)
    return ParsedDay(day)


def check_last_day(first: date, last: date) -> DayProblem | None:
    return DayProblem.BEFORE_FIRST if last < first else None


def leave_days(first: date, last: date) -> int:
    """Calendar days from first to last, inclusive; 0 for an empty range."""
    return max(0, (last - first).days + 1)


def is_leave_day(day: date, schedule: Schedule) -> bool:
    """Whether a day inside a leave costs a leave day: only the team's workdays do."""
    return is_workday(day, schedule)


def leave_workdays(first: date, last: date, schedule: Schedule) -> int:
    """Leave days as HR counts them: the team's workdays in the range, holidays and days off
    not counted (a week's leave over a public holiday costs four days, not five)."""
    return sum(
        1
        for i in range(leave_days(first, last))
        if is_leave_day(first + timedelta(days=i), schedule)
    )


def effective_last_day(last: date, ended_early_on: date | None) -> date:
    """The last day actually on leave: the day before the member came back, if they did."""
    if ended_early_on is None:
        return last
    return min(last, ended_early_on - timedelta(days=1))


def overlaps(a_first: date, a_last: date, b_first: date, b_last: date) -> bool:
    """Two inclusive day ranges share at least one day."""
    return a_first <= b_last and b_first <= a_last


def is_retroactive(first: date, today: date) -> bool:
    return first < today


def needs_admin_approval(kind: str, days: int, second_approval_after_days: int) -> bool:
    """Leave *longer than* the policy's days needs an admin after the supervisor."""
    return kind == "leave" and days > second_approval_after_days


def can_cancel(state: str, first: date, today: date) -> bool:
    """A pending request, or an approved leave that has not started, may be withdrawn."""
    if state in ("pending", "awaiting_admin"):
        return True
    return state == "approved" and first > today


def can_end_early(state: str, first: date, last: date, ended: date | None, today: date) -> bool:
    """An approved leave under way (started, not over, not already ended) may be ended."""
    return state == "approved" and ended is None and first <= today <= last


class Followup(StrEnum):
    NONE = "none"
    REMIND = "remind"
    ESCALATE = "escalate"


def followup_due(
    created_at: datetime,
    reminded_at: datetime | None,
    escalated_at: datetime | None,
    now: datetime,
) -> Followup:
    """What an undecided request is owed now: a reminder to its supervisors after 24 h, an
    escalation to the admins after 48 h; each at most once. A bot that was down past both
    marks escalates (the stronger step) and skips the now-pointless reminder."""
    age = now - created_at
    if escalated_at is None and age >= ESCALATE_AFTER:
        return Followup.ESCALATE
    if reminded_at is None and escalated_at is None and age >= REMIND_AFTER:
        return Followup.REMIND
    return Followup.NONE


def makeup_day_allowed(day: date, today: date, after_cutoff: bool) -> bool:
    """A make-up is for a past day, or for today once the cutoff has passed."""
    if day < today:
        return True
    return day == today and after_cutoff
