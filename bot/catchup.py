"""The catch-up after a restart or an outage: every timed notice whose moment passed while
the bot was down and that is still useful is sent now, once, with a note that it is late.

What is owed is decided by the pure rules in bot/rules/catchup.py from each team's
schedule, the clock and the sent-notice log (`notifications`); the senders are the same
service functions the scheduled jobs call, so the log makes a notice sent by a job and
by the catch-up one notice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime

from telegram import Bot

from bot.context import AppContext
from bot.rules.catchup import (
    Notice,
    Overdue,
    as_utc,
    team_overdue,
    vacancy_overdue,
)
from bot.rules.reminders import MEMBER_KINDS, Kind
from bot.services import reminders, rollcall, summary
from bot.services.compliance import send_monthly_compliance
from bot.services.fanout import FanoutResult
from bot.services.late import LateNote
from bot.services.leave_requests import leave_followups
from bot.services.recall import vacancy_reminders
from storage.models import Team

log = logging.getLogger(__name__)

Outcome = FanoutResult | int
DEPLOYMENT = None  # the team id of deployment-wide notices in catch_up's result

LEAVE_FOLLOWUPS = "leave_followups"
ROLLCALL_CLOSE = "rollcall_close"
LONG_LIVED = {Notice.WEEKLY_DIGEST.value, Notice.MONTHLY_REPORT.value}


def _note(o: Overdue, tz: str) -> LateNote | None:
    return LateNote(o.due, tz) if o.late else None


async def _daily(ctx: AppContext, bot: Bot, team: Team, o: Overdue, now: datetime) -> Outcome:
    kind = Kind(o.kind)
    late = _note(o, team.timezone)
    if kind in MEMBER_KINDS:
        return await reminders.send_member_notice(ctx, bot, team.id, kind, now, late=late)
    return await summary.send_supervisor_summaries(ctx, bot, team.id, now, late=late)


async def _weekly(ctx: AppContext, bot: Bot, team: Team, o: Overdue, now: datetime) -> Outcome:
    first = date.fromisoformat(o.period)
    late = _note(o, team.timezone)
    return await summary.send_weekly_digest(ctx, bot, team.id, now, first=first, late=late)


async def _monthly(ctx: AppContext, bot: Bot, team: Team, o: Overdue, now: datetime) -> Outcome:
    year, month = (int(x) for x in o.period.split("-"))
    late = _note(o, team.timezone)
    return await send_monthly_compliance(ctx, bot, (year, month), team_id=team.id, late=late)


Sender = Callable[[AppContext, Bot, Team, Overdue, datetime], Awaitable[Outcome]]
SENDERS: dict[str, Sender] = {
    **{kind.value: _daily for kind in Kind if kind is not Kind.WEEKLY_DIGEST},
    Notice.WEEKLY_DIGEST.value: _weekly,
    Notice.MONTHLY_REPORT.value: _monthly,
}


def _log_ref(team: Team, o: Overdue) -> tuple[str, str]:
    """The (kind, ref) the senders log a team-wide notice under."""
    if o.kind == Notice.MONTHLY_REPORT:
        return o.kind, f"{o.period}:{team.id}"
    return o.kind, f"{team.id}:{o.period}"


async def owed_by_team(
    ctx: AppContext, team: Team, created: datetime, now: datetime
) -> list[Overdue]:
    """What the rules say the team is owed, given what the log says was sent."""

    def owed(sent: set[tuple[str, str]]) -> list[Overdue]:
        schedule, lead = team.schedule, team.reminder_lead_minutes
        return team_overdue(schedule, lead, team.timezone, now, created, sent)

    # Team-wide notices are logged per recipient under a ref naming the team: ask the log
    # about this team's candidates only.
    refs = {
        _log_ref(team, o): (o.kind, o.period) for o in owed(set()) if o.kind not in MEMBER_KINDS
    }
    logged = await ctx.storage.notifications.sent_refs(list(refs))
    return owed({refs[ref] for ref in logged})


async def catch_up(
    ctx: AppContext, bot: Bot, now: datetime, *, team_ids: set[int] | None = None
) -> dict[tuple[int | None, str], Outcome]:
    """Sends what fell due while the bot was down and is still useful; returns what each
    sender did, keyed by (team id, kind) — (team id, "monthly_compliance:YYYY-MM") for a
    month's report, (None, kind) for deployment-wide notices. `team_ids`: the teams that
    existed at start (a team created since has had nothing due yet)."""
    done: dict[tuple[int | None, str], Outcome] = {}
    created = await ctx.storage.teams.created_at()
    owed: list[tuple[Team, Overdue]] = []
    for team in await ctx.storage.teams.all():
        if team_ids is None or team.id in team_ids:
            since = as_utc(created.get(team.id, 0.0))
            owed += [(team, o) for o in await owed_by_team(ctx, team, since, now)]
    # Today's notices first, for every team: a deadline nudge must not wait behind the
    # rendering of a hundred monthly reports.
    daily = [(team, o) for team, o in owed if o.kind not in LONG_LIVED]
    alone = await _unsupervised_summaries(ctx, daily)
    for team, o in daily:
        if (team, o) not in alone:
            done[(team.id, o.kind)] = await _send(ctx, bot, team, o, now)
    if alone:
        # As at their slot: the admins get the summaries of teams without a supervisor
        # together, one message each, late from the earliest of them.
        first_team, first = min(alone, key=lambda pair: pair[1].due)
        result = await summary.send_admin_summaries(
            ctx, bot, [team.id for team, _ in alone], now, late=_note(first, first_team.timezone)
        )
        done.update(((team.id, o.kind), result) for team, o in alone)
    for o in vacancy_overdue(ctx.settings.timezone, now):
        late = _note(o, ctx.settings.timezone)
        done[(DEPLOYMENT, o.kind)] = await vacancy_reminders(ctx, bot, late=late)
    # Follow-ups and closings are owed by state (an undecided request, an open roll call
    # past its deadline); each marks itself late from its own due moment.
    done[(DEPLOYMENT, LEAVE_FOLLOWUPS)] = await leave_followups(ctx, bot)
    for rollcall_id, deadline in await ctx.storage.rollcalls.open_ids():
        if as_utc(deadline) <= now:
            result = await rollcall.close_rollcall(ctx, bot, rollcall_id, now)
            done[(DEPLOYMENT, f"{ROLLCALL_CLOSE}:{rollcall_id}")] = result
    for team, o in owed:
        if o.kind in LONG_LIVED:
            key = f"{o.kind}:{o.period}" if o.kind == Notice.MONTHLY_REPORT else o.kind
            done[(team.id, key)] = await _send(ctx, bot, team, o, now)
    return done


async def _unsupervised_summaries(
    ctx: AppContext, daily: list[tuple[Team, Overdue]]
) -> list[tuple[Team, Overdue]]:
    summaries = [(team, o) for team, o in daily if o.kind == Kind.SUMMARY.value]
    alone = await ctx.storage.teams.without_supervisor([team.id for team, _ in summaries])
    return [(team, o) for team, o in summaries if team.id in alone]


async def _send(ctx: AppContext, bot: Bot, team: Team, o: Overdue, now: datetime) -> Outcome:
    if o.late:
        log.info("catch-up: team %s %s %s, due %s", team.id, o.kind, o.period, o.due)
    return await SENDERS[o.kind](ctx, bot, team, o, now)
