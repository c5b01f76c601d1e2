"""Scheduled work on PTB's JobQueue (APScheduler), shared by every team due at the same moment.

A team's timed work sits at slots (bot/rules/slots.py): one per (kind, timezone, local
time), plus Mondays for the digest and the 1st for the monthly report. The scheduler holds
one job per distinct slot, named `slot:<kind>:<timezone>:<HH:MM>`, serving every team there
(bot/services/slot_runs.py), so 20,000 teams on a handful of schedules make a handful of
jobs. Other jobs: `rollcall:<id>:close`, `rollcall_plan:<id>`, `<slot>:retry`, and
`admin:<what>` for deployment-wide work.

`ScheduleIndex` is ours: job name -> Job, slot -> its teams, team -> its slots. Nothing here
asks the JobQueue to find a job (its lookups scan every job: quadratic at start). A
schedule change moves only that team between slots (`reschedule_team`); a slot's job comes
and goes with its first and last team. Changes made elsewhere (the CLI, another process)
are found by the periodic sync through storage's change marks: one indexed query when
nothing changed, and only the marked teams re-read when something did.

Callbacks are thin: they read the clock and call a service function, which tests call
directly with any time they like. Every notice is logged in `notifications`, so a job that
runs twice, or the catch-up at start (bot/catchup.py) for notices due while the bot was
down, never sends twice.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from telegram import Bot
from telegram.ext import Application, ContextTypes, Job, JobQueue

from bot.catchup import catch_up
from bot.context import CTX_KEY, AppContext
from bot.rules.reminders import Kind
from bot.rules.slots import MONTHLY_COMPLIANCE, Slot, team_slots
from bot.rules.team_hours import get_zone
from bot.services import reminders, rollcall, summary
from bot.services.evidence import send_admin_anchor
from bot.services.export import seal_settled_checkins
from bot.services.fanout import FanoutResult
from bot.services.leave_requests import leave_followups
from bot.services.recall import vacancy_reminders
from bot.services.slot_runs import failed_teams, run_slot
from bot.updates import backlog_handled
from storage.models import Team

log = logging.getLogger(__name__)

TeamJob = Callable[[AppContext, Bot, int, datetime], Awaitable[FanoutResult]]

# One team's work of each kind: what a slot does per team, and what catch-up calls.
TEAM_JOBS: dict[Kind, TeamJob] = {
    Kind.CHECKIN_REMINDER: reminders.send_checkin_reminders,
    Kind.DEADLINE_NUDGE: reminders.send_deadline_nudges,
    Kind.DIARY_REMINDER: reminders.send_diary_reminders,
    Kind.EVENING_REMINDER: reminders.send_evening_reminders,
    Kind.SUMMARY: summary.send_supervisor_summaries,
    Kind.WEEKLY_DIGEST: summary.send_weekly_digest,
}
# PTB's run_daily numbers weekdays cron-style: 0 = Sunday, 1 = Monday.
PTB_MONDAY = 1
RETRY_AFTER = timedelta(minutes=5)
SYNC_EVERY_S = 300
INDEX_KEY = "schedule_index"
LEAVE_FOLLOWUP_EVERY_S = 15 * 60
# Beyond this many changed teams one full read is cheaper than reading each.
SYNC_READ_ALL_ABOVE = 2000


@dataclass
class ScheduleIndex:
    """What this process has scheduled, so no lookup ever scans the JobQueue."""

    jobs: dict[str, Job[Any]] = field(default_factory=dict)
    teams_at: dict[Slot, set[int]] = field(default_factory=dict)
    slots_of: dict[int, frozenset[Slot]] = field(default_factory=dict)
    # The storage change mark up to which every team's slots are known.
    version: int = 0

    def forget(self, job: Job[Any]) -> None:
        """Called by a run-once job as it runs: it will not run again."""
        if job.name is not None and self.jobs.get(job.name) is job:
            del self.jobs[job.name]


def _ctx(app: Application) -> AppContext:
    ctx: AppContext = app.bot_data[CTX_KEY]
    return ctx


def _queue(app: Application) -> JobQueue:
    assert app.job_queue is not None, "python-telegram-bot[job-queue] is required"
    return app.job_queue


def schedule_index(app: Application) -> ScheduleIndex:
    index: ScheduleIndex = app.bot_data.setdefault(INDEX_KEY, ScheduleIndex())
    return index


def _cancel(app: Application, name: str) -> None:
    job = schedule_index(app).jobs.pop(name, None)
    if job is None:
        return
    try:
        job.schedule_removal()
    except JobLookupError:
        pass  # a run-once job that already ran: APScheduler dropped it itself


def _keep(app: Application, job: Job[Any]) -> Job[Any]:
    assert job.name is not None
    _cancel(app, job.name)
    schedule_index(app).jobs[job.name] = job
    return job


def slot_job(app: Application, team_id: int, kind: str) -> Job[Any] | None:
    """The job serving this team's work of this kind (tests read its trigger)."""
    for slot in schedule_index(app).slots_of.get(team_id, ()):
        if slot.kind == kind:
            return schedule_index(app).jobs.get(slot.name)
    return None


def _job(context: ContextTypes.DEFAULT_TYPE) -> Job[Any]:
    job = context.job
    assert job is not None
    return job


def _data(job: Job[Any]) -> Any:
    return job.data


# -- job callbacks ------------------------------------------------------------------------


async def _run_slot(context: ContextTypes.DEFAULT_TYPE) -> None:
    slot: Slot = _data(_job(context))
    team_ids = sorted(schedule_index(context.application).teams_at.get(slot, ()))
    await serve(context.application, slot, team_ids)


async def _retry_slot(context: ContextTypes.DEFAULT_TYPE) -> None:
    job = _job(context)
    schedule_index(context.application).forget(job)
    slot, team_ids = _data(job)
    await serve(context.application, slot, sorted(team_ids))


async def serve(app: Application, slot: Slot, team_ids: list[int]) -> list[int]:
    """Does the slot's work for these teams now; teams with a transient failure are tried
    again in a few minutes (their un-logged notices only). Returns those teams."""
    if not team_ids:
        return []
    ctx = _ctx(app)
    results = await run_slot(ctx, app.bot, slot.kind, team_ids, ctx.clock.now())
    failed = failed_teams(results)
    if failed:
        name = f"{slot.name}:retry"
        pending = schedule_index(app).jobs.get(name)
        again = set(failed) | (set(_data(pending)[1]) if pending is not None else set())
        _keep(app, _queue(app).run_once(_retry_slot, RETRY_AFTER, data=(slot, again), name=name))
    return failed


async def _leave_followups(context: ContextTypes.DEFAULT_TYPE) -> None:
    await leave_followups(_ctx(context.application), context.bot)


async def _vacancy_reminders(context: ContextTypes.DEFAULT_TYPE) -> None:
    # Daily; each vacancy reminds each admin once per team-local day, so a re-run is harmless.
    await vacancy_reminders(_ctx(context.application), context.bot)


async def _close_rollcall(context: ContextTypes.DEFAULT_TYPE) -> None:
    job = _job(context)
    schedule_index(context.application).forget(job)
    ctx = _ctx(context.application)
    await rollcall.close_rollcall(ctx, context.bot, int(_data(job)), ctx.clock.now())


async def _fire_plan(context: ContextTypes.DEFAULT_TYPE) -> None:
    job = _job(context)
    schedule_index(context.application).forget(job)
    ctx = _ctx(context.application)
    started = await rollcall.fire_plan(ctx, context.bot, int(_data(job)), ctx.clock.now())
    if started is not None and started.rollcall_id is not None:
        schedule_rollcall_close(context.application, started.rollcall_id, started.deadline)


async def _evidence_anchor(context: ContextTypes.DEFAULT_TYPE) -> None:
    # The day's head hash to every admin; sent once per day (a re-run only seals again).
    ctx = _ctx(context.application)
    await send_admin_anchor(ctx, context.bot, ctx.clock.now())


async def _seal_export_cells(context: ContextTypes.DEFAULT_TYPE) -> None:
    # Settled days' check-ins rendered once for PostgreSQL exports (storage/stored_cells.py);
    # a re-run renders only rows changed since.
    sealed = await seal_settled_checkins(_ctx(context.application))
    log.info("export cells: %d check-ins rendered", sealed)


async def _weekly_draw(context: ContextTypes.DEFAULT_TYPE) -> None:
    await draw_and_schedule(context.application, random.Random())


async def _sync(context: ContextTypes.DEFAULT_TYPE) -> None:
    # Teams created since this week's roll-call draw may top it up; only a change of teams
    # can, so an idle sync never reads them all.
    if await sync_teams(context.application):
        await draw_and_schedule(context.application, random.Random(), only_new=True)


async def _catch_up(context: ContextTypes.DEFAULT_TYPE) -> None:
    job = _job(context)
    schedule_index(context.application).forget(job)
    ctx = _ctx(context.application)
    # Backlogged check-ins first, then the catch-up, on the clock of that moment.
    if not await backlog_handled(context.application):
        return  # stopping
    await catch_up(ctx, context.bot, ctx.clock.now(), team_ids=_data(job))


# -- building the schedule ----------------------------------------------------------------


def _slot_job(app: Application, slot: Slot) -> Job[Any]:
    at = time(slot.at.hour, slot.at.minute, tzinfo=get_zone(slot.timezone))
    queue = _queue(app)
    if slot.monthly:
        return queue.run_monthly(_run_slot, at, day=1, data=slot, name=slot.name)
    days = (PTB_MONDAY,) if slot.weekly else tuple(range(7))
    return queue.run_daily(_run_slot, at, days=days, data=slot, name=slot.name)


def place_team(app: Application, team_id: int, slots: frozenset[Slot]) -> set[Slot]:
    """Puts a team at exactly these slots; returns the slots it joined or left. Only those
    slots are touched: a job is made for a slot's first team and dropped with its last."""
    index = schedule_index(app)
    before = index.slots_of.get(team_id, frozenset())
    for slot in before - slots:
        teams = index.teams_at[slot]
        teams.discard(team_id)
        if not teams:
            del index.teams_at[slot]
            _cancel(app, slot.name)
    for slot in slots - before:
        teams = index.teams_at.setdefault(slot, set())
        if not teams:
            _keep(app, _slot_job(app, slot))
        teams.add(team_id)
    if slots:
        index.slots_of[team_id] = slots
    else:
        index.slots_of.pop(team_id, None)
    return set(before ^ slots)


def _slots(team: Team) -> frozenset[Slot]:
    return team_slots(team.timezone, team.schedule, team.reminder_lead_minutes)


async def reschedule_team(app: Application, team_id: int) -> list[str]:
    """Moves one team to the slots its stored schedule calls for; returns their job names.
    A team that no longer exists (or is archived) leaves every slot."""
    team = await _ctx(app).storage.teams.get(team_id)
    slots = _slots(team) if team is not None else frozenset()
    place_team(app, team_id, slots)
    return sorted(slot.name for slot in slots)


async def sync_teams(app: Application) -> int:
    """Moves the teams whose schedule changed in storage since the last look (whoever
    changed it); returns how many teams were looked at."""
    ctx = _ctx(app)
    index = schedule_index(app)
    changed, version = await ctx.storage.teams.schedule_changes(index.version)
    if not changed:
        return 0
    if len(changed) > SYNC_READ_ALL_ABOVE:
        wanted = set(changed)
        teams = [t for t in await ctx.storage.teams.all() if t.id in wanted]
    else:
        teams = await ctx.storage.teams.many(changed)
    alive = {team.id: team for team in teams}
    for team_id in changed:
        team = alive.get(team_id)
        place_team(app, team_id, _slots(team) if team is not None else frozenset())
    index.version = version
    return len(changed)


def schedule_rollcall_close(app: Application, rollcall_id: int, deadline: datetime) -> None:
    when = max(deadline, _ctx(app).clock.now())
    name = f"rollcall:{rollcall_id}:close"
    _keep(app, _queue(app).run_once(_close_rollcall, when, data=rollcall_id, name=name))


async def draw_and_schedule(
    app: Application, rng: random.Random, *, only_new: bool = False
) -> list[Job[Any]]:
    """Draws this week's random roll calls (once per week, topped up when teams came later)
    and schedules unfired ones. `only_new`: leave plans that have a job, or whose moment
    passed (one may be firing right now), to the start-up pass."""
    ctx = _ctx(app)
    jobs = []
    for plan in await rollcall.draw_random_rollcalls(ctx, ctx.clock.now(), rng):
        name = f"rollcall_plan:{plan.id}"
        if only_new and (
            name in schedule_index(app).jobs or plan.at <= ctx.clock.now().timestamp()
        ):
            continue
        when = max(datetime.fromtimestamp(plan.at, UTC), ctx.clock.now())
        jobs.append(_keep(app, _queue(app).run_once(_fire_plan, when, data=plan.id, name=name)))
    return jobs


def _every_day(
    app: Application, callback: Callable[[Any], Coroutine[Any, Any, Any]], at: time, what: str
) -> None:
    """A deployment-wide job at `at` every day, named `admin:<what>` (its data says `what`)."""
    job = _queue(app).run_daily(callback, at, days=tuple(range(7)), data=what, name=f"admin:{what}")
    _keep(app, job)


async def start_scheduler(app: Application) -> None:
    """At start: every team at its slots, deployment-wide jobs, open roll calls, random
    plans, and a catch-up pass (bot/catchup.py) for what fell due while the bot was down."""
    ctx = _ctx(app)
    queue = _queue(app)
    index = schedule_index(app)
    # Read the mark first: a change landing while teams are read is seen again by the sync.
    index.version = await ctx.storage.teams.schedule_version()
    teams = await ctx.storage.teams.all()
    for team in teams:
        place_team(app, team.id, _slots(team))
    zone = get_zone(ctx.settings.timezone)
    _keep(
        app,
        queue.run_daily(
            _weekly_draw, time(0, 5, tzinfo=zone), days=(PTB_MONDAY,), name="admin:rollcall_draw"
        ),
    )
    _every_day(app, _vacancy_reminders, time(9, 0, tzinfo=zone), "recall_vacancies")
    # Each evening the day's chain heads go to admins, to be kept outside the system.
    _every_day(app, _evidence_anchor, time(23, 50, tzinfo=zone), "evidence_anchor")
    if ctx.storage.db.dialect.postgres:
        _every_day(app, _seal_export_cells, time(2, 30, tzinfo=zone), "seal_export_cells")
    # Leave undecided for 24 h / 48 h: checked often so a reminder is never hours late;
    # the follow-up itself records what it sent, so a re-run sends nothing twice.
    _keep(
        app,
        queue.run_repeating(
            _leave_followups, LEAVE_FOLLOWUP_EVERY_S, first=60, name="admin:leave_followups"
        ),
    )
    _keep(app, queue.run_repeating(_sync, SYNC_EVERY_S, first=SYNC_EVERY_S, name="admin:sync"))
    for rollcall_id, deadline in await ctx.storage.rollcalls.open_ids():
        schedule_rollcall_close(app, rollcall_id, datetime.fromtimestamp(deadline, UTC))
    # The draw for this week if the bot was down on Monday morning; plans survive restarts.
    await draw_and_schedule(app, random.Random())
    existing = {team.id for team in teams}
    _keep(app, queue.run_once(_catch_up, 0, data=existing, name="admin:catch_up"))
    log.info(
        "scheduler: %d teams at %d slots, %d jobs",
        len(teams),
        len(index.teams_at),
        len(queue.jobs()),
    )


__all__ = ["MONTHLY_COMPLIANCE", "TEAM_JOBS", "ScheduleIndex", "catch_up", "start_scheduler"]
