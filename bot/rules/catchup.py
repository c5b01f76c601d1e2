"""Which timed notices are overdue after the bot was down: pure rules of the schedule, the
clock and what the sent-notice log already holds.

Decisions (README "Catch-up after a restart" says the same for operators):

* A notice is *overdue* when its due moment has passed and it has not been sent; it is
  *late* when it goes out more than ``LATE_AFTER`` after that moment (a start a few seconds
  past 08:00 is not worth a note), and a late notice carries a note saying so.
* How late is still useful, per kind:
  - the daily member notices and the 21:00 summary: as ``catch_up_kinds`` says (a
    check-in reminder is pointless once the on-time deadline passed, the others until the
    end of that local day);
  - the weekly digest: the latest one, until the next Monday 08:00 brings a fresh one;
  - the monthly compliance report: always, for every month whose report fell due since the
    team was created, up to ``MONTHLY_BACKLOG`` months back (a year of reports; older
    months are in the CLI's ``report month``);
  - the daily vacancy reminder to admins: until the end of its local day (the next day's
    reminder repeats it with one more day counted);
  - leave follow-ups and roll-call closings are states, not times: the undecided request
    and the open roll call past its deadline say what is owed (see ``followup_late`` and
    ``rollcall_close_late``).
* "Sent" is per notice for the team-wide kinds (summary, digest, report: one recipient in
  the log means it went out); a member notice is de-duplicated per person by the fan-out.
* A weekly or monthly notice due before the team existed was never owed.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from bot.rules.reminders import DIGEST_AT, DIGEST_WEEKDAY, Kind, catch_up_kinds, due_times
from bot.rules.team_hours import Schedule, local_datetime, local_to_utc

LATE_AFTER = timedelta(minutes=5)
MONTHLY_BACKLOG = 12
VACANCY_AT = time(9, 0)
# Leave follow-ups are checked every 15 minutes: later than that means an outage.
FOLLOWUP_LATE_AFTER = timedelta(minutes=20)


class Notice(StrEnum):
    """Timed notices beyond the daily kinds of ``bot.rules.reminders.Kind``; the values are
    the kinds the sent-notice log records them under."""

    MONTHLY_REPORT = "monthly_compliance"
    WEEKLY_DIGEST = "weekly_digest"
    VACANCY_REMINDER = "vacancy_reminder"


@dataclass(frozen=True)
class Overdue:
    kind: str  # a Kind or Notice value
    period: str  # what it covers: a local day, a month "YYYY-MM", a digest's first day
    due: datetime  # aware UTC
    late: bool


Sent = Collection[tuple[str, str]]  # (kind, period) of team-wide notices already sent


def is_late(due: datetime, now: datetime, after: timedelta = LATE_AFTER) -> bool:
    return now - due > after


def _overdue(kind: str, period: str, due: datetime, now: datetime) -> Overdue:
    return Overdue(kind, period, due, is_late(due, now))


def daily_overdue(
    schedule: Schedule, lead_minutes: int, tz: str, now: datetime, sent: Sent = ()
) -> list[Overdue]:
    """Today's daily notices (team-local) still worth sending now; the weekly digest is
    left to ``weekly_overdue``, whose window is longer."""
    local = local_datetime(now, tz)
    day = local.date()
    times = due_times(schedule, lead_minutes)
    out = []
    for kind in catch_up_kinds(schedule, lead_minutes, tz, now):
        if kind is Kind.WEEKLY_DIGEST or (kind.value, day.isoformat()) in sent:
            continue
        out.append(_overdue(kind.value, day.isoformat(), local_to_utc(day, times[kind], tz), now))
    return out


def last_digest_due(tz: str, now: datetime) -> datetime:
    """The latest Monday 08:00 (team-local) at or before ``now``."""
    today = local_datetime(now, tz).date()
    monday = today - timedelta(days=(today.weekday() - DIGEST_WEEKDAY) % 7)
    due = local_to_utc(monday, DIGEST_AT, tz)
    return due if due <= now else local_to_utc(monday - timedelta(days=7), DIGEST_AT, tz)


def digest_week(tz: str, due: datetime) -> date:
    """The first day (Monday) of the week a digest due at ``due`` covers: the week before."""
    return local_datetime(due, tz).date() - timedelta(days=7)


def weekly_overdue(tz: str, now: datetime, created: datetime, sent: Sent = ()) -> list[Overdue]:
    due = last_digest_due(tz, now)
    period = digest_week(tz, due).isoformat()
    if due <= created or (Notice.WEEKLY_DIGEST.value, period) in sent:
        return []
    return [_overdue(Notice.WEEKLY_DIGEST.value, period, due, now)]


def _month_before(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def monthly_due(year: int, month: int, tz: str) -> datetime:
    """When the report for ``year-month`` falls due: the 1st of the next month, 08:00."""
    first_after = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return local_to_utc(first_after, DIGEST_AT, tz)


def monthly_overdue(
    tz: str, now: datetime, created: datetime, sent: Sent = (), backlog: int = MONTHLY_BACKLOG
) -> list[Overdue]:
    """Every month's report due since the team was created (at most ``backlog`` months
    back) and not yet sent, oldest first."""
    local = local_datetime(now, tz).date()
    year, month = _month_before(local.year, local.month)
    if monthly_due(year, month, tz) > now:
        year, month = _month_before(year, month)  # the 1st before 08:00: not due yet
    out = []
    for _ in range(backlog):
        due = monthly_due(year, month, tz)
        if due <= created:
            break
        period = f"{year:04d}-{month:02d}"
        if (Notice.MONTHLY_REPORT.value, period) not in sent:
            out.append(_overdue(Notice.MONTHLY_REPORT.value, period, due, now))
        year, month = _month_before(year, month)
    return out[::-1]


def team_overdue(
    schedule: Schedule,
    lead_minutes: int,
    tz: str,
    now: datetime,
    created: datetime,
    sent: Sent = (),
) -> list[Overdue]:
    """Everything a team is owed now: today's daily notices, the latest weekly digest and
    the monthly reports, minus the team-wide ones already sent."""
    return [
        *daily_overdue(schedule, lead_minutes, tz, now, sent),
        *weekly_overdue(tz, now, created, sent),
        *monthly_overdue(tz, now, created, sent),
    ]


def vacancy_overdue(tz: str, now: datetime) -> list[Overdue]:
    """Today's vacancy reminder, once its 09:00 passed (it is useful until midnight). Its
    log is per admin and vacancy: the service skips whoever already had it."""
    local = local_datetime(now, tz)
    due = local_to_utc(local.date(), VACANCY_AT, tz)
    if due > now:
        return []
    return [_overdue(Notice.VACANCY_REMINDER.value, local.date().isoformat(), due, now)]


def followup_late(created_at: datetime, after: timedelta, now: datetime) -> datetime | None:
    """The moment a leave follow-up fell due, if sending it now is late; else None."""
    due = created_at + after
    return due if is_late(due, now, FOLLOWUP_LATE_AFTER) else None


def rollcall_close_late(deadline: datetime, now: datetime) -> datetime | None:
    """The deadline of a roll call closed now, if closing it now is late; else None."""
    return deadline if is_late(deadline, now) else None


def as_utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)
