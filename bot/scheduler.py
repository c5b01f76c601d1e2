"""Scheduled work on PTB's JobQueue (APScheduler), per team in the team's timezone.

Jobs are named, so rebuilding never leaves a duplicate: `team:<id>:<kind>` for each team's
daily notices (see bot/rules/reminders.py Kind) and its monthly compliance report,
`rollcall:<id>:close`, `rollcall_plan:<id>`, and `admin:<what>` for deployment-wide work.
They are built from storage at start (post_init), rebuilt for a team by
`reschedule_team(app, team_id)` when its schedule changes in this process, and re-synced
every few minutes so a change made elsewhere (the CLI, another process) is picked up.

Callbacks are thin: they read the clock and call a service function, which tests call
directly with any time they like. Every notice is logged in `notifications`, so a job that
runs twice, or a catch-up at start for notices due earlier today, never sends twice.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from telegram import Bot
from telegram.ext import Application, ContextTypes, Job, JobQueue

from bot.context import CTX_KEY, AppContext
from bot.rules.reminders import DIGEST_AT, Kind, catch_up_kinds, due_times
from bot.rules.schedule import get_zone
from bot.services import reminders, rollcall, summary
from bot.services.compliance import send_monthly_compliance
from bot.services.fanout import FanoutResult
from bot.services.recall import vacancy_reminders
from bot.services.requests import leave_followups
from bot.updates import backlog_handled
from storage.models import Team

log = logging.getLogger(__name__)

TeamJob = Callable[[AppContext, Bot, int, datetime], Awaitable[FanoutResult]]

TEAM_JOBS: dict[Kind, TeamJob] = {
    Kind.CHECKIN_REMINDER: reminders.send_checkin_reminders,
    Kind.DEADLINE_NUDGE: reminders.send_deadline_nudges,
    Kind.DIARY_REMINDER: reminders.send_diary_reminders,
    Kind.EVENING_REMINDER: reminders.send_evening_reminders,
    Kind.SUMMARY: summary.send_supervisor_summaries,
    Kind.WEEKLY_DIGEST: summary.send_weekly_digest,
}
MONTHLY_COMPLIANCE = "monthly_compliance"
# PTB's run_daily numbers weekdays cron-style: 0 = Sunday, 1 = Monday.
PTB_MONDAY = 1
RETRY_AFTER = timedelta(minutes=5)
SYNC_EVERY_S = 300
SIGNATURES = "schedule_signatures"

# Optional work owned by other modules, called if present (lead wires them at merge):
# module, function(ctx, bot, now) or (ctx, bot, team_id, now) for monthly compliance.
LEAVE_FOLLOWUP_EVERY_S = 15 * 60


def _ctx(app: Application) -> AppContext:
    ctx: AppContext = app.bot_data[CTX_KEY]
    return ctx


def _queue(app: Application) -> JobQueue:
    assert app.job_queue is not None, "python-telegram-bot[job-queue] is required"
    return app.job_queue


def team_job_name(team_id: int, kind: str) -> str:
    return f"team:{team_id}:{kind}"


def _remove(app: Application, name: str) -> None:
    for job in _queue(app).get_jobs_by_name(name):
        job.schedule_removal()


def _signature(team: Team) -> tuple[Any, ...]:
    return (team.timezone, team.schedule, team.reminder_lead_minutes)


def _job_data(context: ContextTypes.DEFAULT_TYPE) -> Any:
    job = context.job
    assert job is not None
    return job.data


# -- job callbacks ------------------------------------------------------------------------


async def _run_team_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    job = context.job
    assert job is not None
    team_id, kind = _job_data(context)
    ctx = _ctx(context.application)
    result = await TEAM_JOBS[Kind(kind)](ctx, context.bot, team_id, ctx.clock.now())
    if result.failed:
        # Transient failures were un-logged by the fan-out: try them again shortly.
        _queue(context.application).run_once(
            _run_team_job, RETRY_AFTER, data=job.data, name=f"{job.name}:retry"
        )


async def _run_monthly_compliance(context: ContextTypes.DEFAULT_TYPE) -> None:
    job = context.job
    assert job is not None
    ctx = _ctx(context.application)
    # Per team, at 08:00 on the 1st in the team's own timezone; it sends once per month.
    await send_monthly_compliance(ctx, context.bot, team_id=int(_job_data(context)))


async def _leave_followups(context: ContextTypes.DEFAULT_TYPE) -> None:
    await leave_followups(_ctx(context.application), context.bot)


async def _vacancy_reminders(context: ContextTypes.DEFAULT_TYPE) -> None:
    # Daily; each vacancy reminds each admin once per team-local day, so a re-run is harmless.
    await vacancy_reminders(_ctx(context.application), context.bot)


async def _close_rollcall(context: ContextTypes.DEFAULT_TYPE) -> None:
    ctx = _ctx(context.application)
    await rollcall.close_rollcall(ctx, context.bot, int(_job_data(context)), ctx.clock.now())


async def _fire_plan(context: ContextTypes.DEFAULT_TYPE) -> None:
    ctx = _ctx(context.application)
    started = await rollcall.fire_plan(ctx, context.bot, int(_job_data(context)), ctx.clock.now())
    if started is not None and started.rollcall_id is not None:
        schedule_rollcall_close(context.application, started.rollcall_id, started.deadline)


async def _weekly_draw(context: ContextTypes.DEFAULT_TYPE) -> None:
    await draw_and_schedule(context.application, random.Random())


async def _sync(context: ContextTypes.DEFAULT_TYPE) -> None:
    await sync_teams(context.application)


async def _catch_up(context: ContextTypes.DEFAULT_TYPE) -> None:
    ctx = _ctx(context.application)
    # Backlogged check-ins first, then the catch-up, on the clock of that moment.
    if not await backlog_handled(context.application):
        return  # stopping
    await catch_up(ctx, context.bot, ctx.clock.now(), team_ids=_job_data(context))


# -- building the schedule ----------------------------------------------------------------


async def reschedule_team(app: Application, team_id: int) -> list[str]:
    """(Re)builds one team's jobs from storage; returns their names. A team that no longer
    exists (or is archived) loses its jobs."""
    ctx = _ctx(app)
    queue = _queue(app)
    team = await ctx.storage.teams.get(team_id)
    for kind in [*TEAM_JOBS, MONTHLY_COMPLIANCE]:
        _remove(app, team_job_name(team_id, kind))
    signatures = app.bot_data.setdefault(SIGNATURES, {})
    if team is None:
        signatures.pop(team_id, None)
        return []
    zone = get_zone(team.timezone)
    names = []
    for kind, at in due_times(team.schedule, team.reminder_lead_minutes).items():
        name = team_job_name(team.id, kind)
        days = (PTB_MONDAY,) if kind is Kind.WEEKLY_DIGEST else tuple(range(7))
        queue.run_daily(
            _run_team_job,
            time(at.hour, at.minute, tzinfo=zone),
            days=days,
            data=(team.id, kind.value),
            name=name,
        )
        names.append(name)
    name = team_job_name(team.id, MONTHLY_COMPLIANCE)
    queue.run_monthly(
        _run_monthly_compliance,
        time(DIGEST_AT.hour, DIGEST_AT.minute, tzinfo=zone),
        day=1,
        data=team.id,
        name=name,
    )
    names.append(name)
    signatures[team.id] = _signature(team)
    return names


async def sync_teams(app: Application) -> None:
    """Reschedules every team whose schedule differs from what is scheduled; drops the jobs
    of teams that are gone."""
    ctx = _ctx(app)
    signatures: dict[int, Any] = app.bot_data.setdefault(SIGNATURES, {})
    teams = {team.id: team for team in await ctx.storage.teams.all()}
    for team_id in set(signatures) - set(teams):
        await reschedule_team(app, team_id)
    for team in teams.values():
        if signatures.get(team.id) != _signature(team):
            await reschedule_team(app, team.id)


def schedule_rollcall_close(app: Application, rollcall_id: int, deadline: datetime) -> None:
    name = f"rollcall:{rollcall_id}:close"
    _remove(app, name)
    when = max(deadline, _ctx(app).clock.now())
    _queue(app).run_once(_close_rollcall, when, data=rollcall_id, name=name)


async def draw_and_schedule(app: Application, rng: random.Random) -> list[Job[Any]]:
    """Draws this week's random roll calls (once per week) and schedules unfired ones."""
    ctx = _ctx(app)
    jobs = []
    for plan in await rollcall.draw_random_rollcalls(ctx, ctx.clock.now(), rng):
        name = f"rollcall_plan:{plan.id}"
        _remove(app, name)
        when = max(datetime.fromtimestamp(plan.at, UTC), ctx.clock.now())
        jobs.append(_queue(app).run_once(_fire_plan, when, data=plan.id, name=name))
    return jobs


async def catch_up(
    ctx: AppContext, bot: Bot, now: datetime, *, team_ids: set[int] | None = None
) -> dict[tuple[int, str], FanoutResult]:
    """Sends today's notices whose time passed while the bot was down, while still useful.
    Those already sent are skipped by the notification log. `team_ids`: the teams that
    existed at start (a team created since has had no notice due yet)."""
    done = {}
    for team in await ctx.storage.teams.all():
        if team_ids is not None and team.id not in team_ids:
            continue
        for kind in catch_up_kinds(team.schedule, team.reminder_lead_minutes, team.timezone, now):
            done[(team.id, kind.value)] = await TEAM_JOBS[kind](ctx, bot, team.id, now)
    return done


async def start_scheduler(app: Application) -> None:
    """At start: every team's jobs, deployment-wide jobs, open roll calls, random plans,
    and a catch-up pass for what was due earlier today."""
    ctx = _ctx(app)
    queue = _queue(app)
    for team in await ctx.storage.teams.all():
        await reschedule_team(app, team.id)
    zone = get_zone(ctx.settings.timezone)
    for name, callback, at, days, data in (
        ("admin:rollcall_draw", _weekly_draw, time(0, 5, tzinfo=zone), (PTB_MONDAY,), None),
        (
            "admin:recall_vacancies",
            _vacancy_reminders,
            time(9, 0, tzinfo=zone),
            tuple(range(7)),
            "recall_vacancies",
        ),
    ):
        _remove(app, name)
        queue.run_daily(callback, at, days=days, data=data, name=name)
    # Leave undecided for 24 h / 48 h: checked often so a reminder is never hours late;
    # the follow-up itself records what it sent, so a re-run sends nothing twice.
    _remove(app, "admin:leave_followups")
    queue.run_repeating(
        _leave_followups, LEAVE_FOLLOWUP_EVERY_S, first=60, name="admin:leave_followups"
    )
    _remove(app, "admin:sync")
    queue.run_repeating(_sync, SYNC_EVERY_S, first=SYNC_EVERY_S, name="admin:sync")
    for rollcall_id, deadline in await ctx.storage.rollcalls.open_ids():
        schedule_rollcall_close(app, rollcall_id, datetime.fromtimestamp(deadline, UTC))
    # The draw for this week if the bot was down on Monday morning; plans survive restarts.
    await draw_and_schedule(app, random.Random())
    _remove(app, "admin:catch_up")
    existing = {team.id for team in await ctx.storage.teams.all()}
    queue.run_once(_catch_up, 0, data=existing, name="admin:catch_up")
