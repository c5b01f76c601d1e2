"""Who gets which scheduled notice, and when: pure rules over one team-day's facts.

Decisions:

* Member notices go to *active* members only (recalled and departed ones are no longer
  expected anywhere), never on a non-workday or team holiday, never on approved leave, never
  to someone marked unreachable (they blocked the bot; they are reported once instead), and
  never to someone who already did the thing that day.
* An approved leave covers ``first_day..last_day``; a leave ended early on day E still
  covers E itself but no day after it.
* Catch-up after a restart only sends what still makes sense: the check-in reminder until
  the on-time deadline, the deadline nudge until the cutoff, the evening notices until the
  end of the local day, the weekly digest on its Monday.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from bot.rules.team_hours import Schedule, is_workday, local_datetime, on_time_until

DIARY_REMINDER_AT = time(20, 30)
SUMMARY_AT = time(21, 0)
DIGEST_AT = time(8, 0)
DIGEST_WEEKDAY = 0  # Monday (datetime.weekday numbering)


class Kind(StrEnum):
    CHECKIN_REMINDER = "checkin_reminder"
    DEADLINE_NUDGE = "deadline_nudge"
    DIARY_REMINDER = "diary_reminder"
    EVENING_REMINDER = "evening_reminder"
    SUMMARY = "summary"
    WEEKLY_DIGEST = "weekly_digest"


MEMBER_KINDS = (
    Kind.CHECKIN_REMINDER,
    Kind.DEADLINE_NUDGE,
    Kind.DIARY_REMINDER,
    Kind.EVENING_REMINDER,
)


@dataclass(frozen=True)
class LeaveSpan:
    telegram_id: int
    first_day: date
    last_day: date
    ended_early_on: date | None = None
    leave_type: str | None = None

    def covers(self, day: date) -> bool:
        if not self.first_day <= day <= self.last_day:
            return False
        return self.ended_early_on is None or day <= self.ended_early_on


def on_leave(spans: Iterable[LeaveSpan], telegram_id: int, day: date) -> LeaveSpan | None:
    for span in spans:
        if span.telegram_id == telegram_id and span.covers(day):
            return span
    return None


@dataclass(frozen=True)
class MemberDay:
    """One member's facts for one local day, as the reminder rules need them."""

    telegram_id: int
    state: str = "active"
    unreachable: bool = False
    on_leave: bool = False
    checked_in: bool = False
    wrote_diary: bool = False
    evening_done: bool = False


def _expected(m: MemberDay) -> bool:
    return m.state == "active" and not m.on_leave and not m.unreachable


def reminder_targets(
    kind: Kind, members: Iterable[MemberDay], day: date, schedule: Schedule
) -> list[int]:
    """The members who should get a member notice of this kind on this day."""
    if kind not in MEMBER_KINDS or not is_workday(day, schedule):
        return []
    if kind is Kind.EVENING_REMINDER and not schedule.evening_enabled:
        return []
    done = {
        Kind.CHECKIN_REMINDER: lambda m: m.checked_in,
        Kind.DEADLINE_NUDGE: lambda m: m.checked_in,
        Kind.DIARY_REMINDER: lambda m: m.wrote_diary,
        Kind.EVENING_REMINDER: lambda m: m.evening_done,
    }[kind]
    return sorted(m.telegram_id for m in members if _expected(m) and not done(m))


def still_due(kind: Kind, member: MemberDay | None, day: date, schedule: Schedule) -> bool:
    """Whether a notice chosen earlier should still go to this member now (None: no longer
    a member): the same rule as the choice, asked again just before sending."""
    return member is not None and reminder_targets(kind, [member], day, schedule) == [
        member.telegram_id
    ]


def _minus(wall: time, minutes: int) -> time:
    moment = datetime.combine(date(2000, 1, 2), wall) - timedelta(minutes=minutes)
    return wall.replace(hour=0, minute=0) if moment.day != 2 else moment.time()


def due_times(schedule: Schedule, lead_minutes: int) -> dict[Kind, time]:
    """Team-local wall times of each daily notice (the digest only on Mondays)."""
    times = {
        Kind.CHECKIN_REMINDER: _minus(schedule.on_time, max(0, lead_minutes)),
        Kind.DEADLINE_NUDGE: on_time_until(schedule),
        Kind.DIARY_REMINDER: DIARY_REMINDER_AT,
        Kind.SUMMARY: SUMMARY_AT,
        Kind.WEEKLY_DIGEST: DIGEST_AT,
    }
    if schedule.evening_enabled:
        times[Kind.EVENING_REMINDER] = schedule.evening_start
    return times


def _valid_until(kind: Kind, schedule: Schedule) -> time | None:
    """The local wall time after which a missed notice is no longer worth sending
    (None: until the end of the local day)."""
    if kind is Kind.CHECKIN_REMINDER:
        return on_time_until(schedule)
    if kind is Kind.DEADLINE_NUDGE:
        return schedule.cutoff
    return None


def catch_up_kinds(schedule: Schedule, lead_minutes: int, tz: str, now_utc: datetime) -> list[Kind]:
    """The notices due earlier today (team-local) that a restart must still send now."""
    local = local_datetime(now_utc.astimezone(UTC), tz)
    wall = local.time().replace(tzinfo=None)
    due = []
    for kind, at in due_times(schedule, lead_minutes).items():
        if kind is Kind.WEEKLY_DIGEST and local.weekday() != DIGEST_WEEKDAY:
            continue
        until = _valid_until(kind, schedule)
        if at <= wall and (until is None or wall < until):
            due.append(kind)
    return due
