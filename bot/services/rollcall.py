"""Roll calls (SPEC §3.6): ask, judge answers, close with results; the weekly random draw."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Bot

from bot.context import AppContext
from bot.i18n import t
from bot.rules.catchup import as_utc, rollcall_close_late
from bot.rules.reminders import on_leave
from bot.rules.rollcall import (
    DrawTeam,
    Judged,
    Outcome,
    PlannedCall,
    RollcallAnswer,
    draw_week,
    judge_answer,
    week_of,
)
from bot.rules.spoof import Fix, assess
from bot.rules.team_hours import local_datetime, local_day
from bot.rules.text import split_message
from bot.services.fanout import FanoutResult, Outgoing, Part, fan_out
from bot.services.late import LateNote, noted_parts
from bot.services.reminders import admin_people
from storage.models import Team
from storage.rollcalls import OpenTarget, Plan, TargetResult
from storage.spoof import SignalTarget

ROLLCALL_ASK = "rollcall"
ROLLCALL_RESULT = "rollcall_result"


@dataclass
class Started:
    rollcall_id: int | None
    team: Team
    targets: list[int]
    on_leave: list[int]
    deadline: datetime
    asked: FanoutResult = field(default_factory=FanoutResult)


async def start_rollcall(
    ctx: AppContext,
    bot: Bot,
    team: Team,
    *,
    now: datetime,
    started_by: int | None = None,
    member_id: int | None = None,
    random_draw: bool = False,
    plan_id: int | None = None,
) -> Started:
    """Asks every active member not on leave (or one member) for a live location."""
    day = local_day(now, team.timezone)
    deadline = now + timedelta(minutes=ctx.settings.rollcall_minutes)
    rows = await ctx.storage.people.team_members(team.id, role="member")
    if member_id is not None:
        rows = [(m, p) for m, p in rows if m.telegram_id == member_id]
    leaves = await ctx.storage.notice_facts.approved_leaves(team.id, day, day)
    away = [m.telegram_id for m, _ in rows if on_leave(leaves, m.telegram_id, day)]
    asked = [(m, p) for m, p in rows if m.telegram_id not in away]
    started = Started(None, team, [m.telegram_id for m, _ in asked], away, deadline)
    # Whoever another open roll call already asked shares its question and answer.
    shares = await ctx.storage.rollcalls.open_for(started.targets, now.timestamp())
    if not asked:
        if plan_id is not None:
            await ctx.storage.rollcalls.skip_plan(plan_id, now.timestamp())
        return started
    rollcall_id = await ctx.storage.rollcalls.start(
        team_id=team.id,
        target_id=member_id,
        started_by=started_by,
        random_draw=random_draw,
        started_at=now.timestamp(),
        deadline=deadline.timestamp(),
        targets=started.targets,
        local_day=day,
        plan_id=plan_id,
        shares=shares,
    )
    if rollcall_id is None:
        return started  # the plan fired elsewhere (another worker): nobody is asked twice
    started.rollcall_id = rollcall_id
    until = local_datetime(deadline, team.timezone).strftime("%H:%M")
    messages = [
        Outgoing.text(
            ROLLCALL_ASK,
            p.telegram_id,
            str(started.rollcall_id),
            t(
                p.language or "en",
                "rollcall.ask",
                minutes=ctx.settings.rollcall_minutes,
                until=until,
                team=team.name,
            ),
        )
        for _, p in asked
        if p.telegram_id not in shares
    ]

    async def still_expected(notice: Outgoing) -> bool:
        member = await ctx.storage.notice_facts.member_day(team.id, notice.telegram_id, day)
        return member is not None and member.state == "active" and not member.on_leave

    started.asked = await fan_out(ctx, bot, messages, still_due=still_expected)
    if started.asked.withdrawn:
        await ctx.storage.rollcalls.withdraw_targets(started.rollcall_id, started.asked.withdrawn)
        gone = set(started.asked.withdrawn)
        started.targets = [tid for tid in started.targets if tid not in gone]
    return started


async def open_target(ctx: AppContext, telegram_id: int, at: datetime) -> OpenTarget | None:
    return await ctx.storage.rollcalls.open_target(telegram_id, at.timestamp())


async def answer_rollcall(
    ctx: AppContext,
    telegram_id: int,
    target: OpenTarget,
    answer: RollcallAnswer,
    *,
    chat_id: int,
    message_id: int,
    at: datetime,
) -> Judged:
    team = await ctx.storage.teams.get(target.team_id)
    if team is None:
        return Judged(None, None, None)
    judged = judge_answer(answer, team.site)
    if judged.outcome is not None:
        stored = await ctx.storage.rollcalls.answer(
            target.rollcall_id,
            telegram_id,
            outcome=judged.outcome.value,
            at=at.timestamp(),
            chat_id=chat_id,
            message_id=message_id,
            lat=answer.lat,
            lon=answer.lon,
            distance_m=judged.distance_m,
        )
        if not stored:
            return Judged(None, None, judged.distance_m)
        await rollcall_signals(ctx, team, telegram_id, target.rollcall_id, answer, at)
    return judged


async def rollcall_signals(
    ctx: AppContext,
    team: Team,
    telegram_id: int,
    rollcall_id: int,
    answer: RollcallAnswer,
    at: datetime,
) -> None:
    """An answer is a fix like a check-in: judged against the member's own history."""
    ref = await ctx.storage.spoof.rollcall_ref(rollcall_id, telegram_id)
    if ref is None:
        return
    ref_id, day = ref
    th = team.policy.spoof
    fix = Fix(at.timestamp(), answer.lat, answer.lon, answer.accuracy_m, day, "rollcall", ref_id)
    history = await ctx.storage.spoof.history(
        telegram_id, day, at.timestamp(), days=th.history_days, skip_rollcall=ref_id
    )
    await ctx.storage.spoof.record(
        SignalTarget(telegram_id, team.id, day, "rollcall", ref_id),
        assess(fix, history, team.site, th),
        ctx.now_ts(),
    )


def render_results(
    lang: str,
    team: Team,
    rollcall: dict,
    results: list[TargetResult],
    absences: dict[int, int],
    year: int,
    caller: str | None = None,
) -> str:
    started = local_datetime(datetime.fromtimestamp(rollcall["started_at"], UTC), team.timezone)
    if rollcall["random_draw"]:
        how = t(lang, "rollcall.random")
    else:
        how = t(lang, "rollcall.called_by", name=caller or t(lang, "rollcall.someone"))
    lines = [
        t(
            lang,
            "rollcall.results_title",
            id=rollcall["id"],
            team=team.name,
            time=started.strftime("%Y-%m-%d %H:%M"),
            how=how,
        )
    ]
    for outcome in Outcome:
        group = [r for r in results if r.outcome == outcome.value]
        lines.append("")
        lines.append(t(lang, f"rollcall.group.{outcome.value}", n=len(group)))
        for r in group:
            if outcome is Outcome.PRESENT:
                lines.append(f"• {r.name}")
            else:
                lines.append(
                    t(
                        lang,
                        "rollcall.absent_line",
                        name=r.name,
                        n=absences.get(r.telegram_id, 0),
                        year=year,
                    )
                )
    return "\n".join(lines)


async def close_rollcall(
    ctx: AppContext, bot: Bot, rollcall_id: int, now: datetime
) -> FanoutResult:
    """Marks the silent as no answer and sends the results to supervisors and admins.
    Safe to run twice: the close is conditional and the results are logged per reader.
    Results closed well after the deadline (the bot was down) say they are late."""
    rollcall = await ctx.storage.rollcalls.get(rollcall_id)
    if rollcall is None:
        return FanoutResult()
    await ctx.storage.rollcalls.close(rollcall_id, now.timestamp())
    rollcall = await ctx.storage.rollcalls.get(rollcall_id)
    team = await ctx.storage.teams.get(rollcall["team_id"]) if rollcall else None
    if rollcall is None or team is None:
        return FanoutResult()
    results = await ctx.storage.rollcalls.results(rollcall_id)
    year = local_day(datetime.fromtimestamp(rollcall["started_at"], UTC), team.timezone).year
    absences = await ctx.storage.rollcalls.absences([r.telegram_id for r in results], year)
    readers: dict[int, str] = {}
    for _, p in await ctx.storage.people.team_members(team.id, role="supervisor"):
        readers[p.telegram_id] = p.language or "en"
    for admin_id in await admin_people(ctx):
        if admin_id not in readers:
            person = await ctx.storage.people.get(admin_id)
            readers[admin_id] = (person.language if person else None) or "en"
    caller = None
    if rollcall["started_by"] is not None:
        person = await ctx.storage.people.get(rollcall["started_by"])
        caller = (person.name if person else None) or None
    late_due = rollcall_close_late(as_utc(rollcall["deadline"]), now)
    late = LateNote(late_due, team.timezone) if late_due else None
    messages = []
    for reader_id, lang in readers.items():
        text = render_results(lang, team, rollcall, results, absences, year, caller)
        parts = noted_parts(tuple(Part(chunk) for chunk in split_message(text)), lang, late)
        messages.append(Outgoing(ROLLCALL_RESULT, reader_id, str(rollcall_id), parts))
    return await fan_out(ctx, bot, messages)


async def draw_random_rollcalls(ctx: AppContext, now: datetime, rng: random.Random) -> list[Plan]:
    """This week's surprise roll calls, drawn once per ISO week (topped up when teams came
    after the draw) and kept in storage only: announced to nobody, written to the admin log
    (audit `rollcall.plan`: which teams, when; `rollcall.draw` when one fires). Returns
    every plan not yet fired."""
    today = local_day(now, ctx.settings.timezone)
    monday = today - timedelta(days=today.weekday())
    week = week_of(monday)
    before = await ctx.storage.rollcalls.week_teams(week)
    low, high = ctx.settings.rollcall_draw_min, ctx.settings.rollcall_draw_max
    if not before or len(before) < low:
        teams = await ctx.storage.teams.all()
        plans = draw_week(
            [DrawTeam(tm.id, tm.timezone, tm.schedule) for tm in teams],
            monday,
            now,
            rng,
            min_teams=low,
            max_teams=high,
            answer_minutes=ctx.settings.rollcall_minutes,
            already=before,
        )
        if plans:
            await ctx.storage.rollcalls.add_plans(
                week,
                [(p.team_id, p.at.timestamp()) for p in plans],
                drawn_before=before,
                now=now.timestamp(),
                log=draw_log(plans, {tm.id: tm for tm in teams}, before, low, high),
            )
    return await ctx.storage.rollcalls.unfired_plans()


def draw_log(
    plans: list[PlannedCall], teams: dict[int, Team], before: set[int], low: int, high: int
) -> list[dict[str, Any]]:
    """The admin-log entry of each drawn team: when, in the team's own time."""
    return [
        {
            "team": teams[p.team_id].name,
            "at": local_datetime(p.at, teams[p.team_id].timezone).isoformat(),
            "setting": f"{low}-{high}",
            "top_up": bool(before),
        }
        for p in plans
    ]


async def fire_plan(ctx: AppContext, bot: Bot, plan_id: int, now: datetime) -> Started | None:
    plan = await ctx.storage.rollcalls.plan(plan_id)
    if plan is None:
        return None  # already fired (another process, a retried job)
    team = await ctx.storage.teams.get(plan.team_id)
    if team is None:
        await ctx.storage.rollcalls.skip_plan(plan_id, now.timestamp())
        return None
    return await start_rollcall(ctx, bot, team, now=now, random_draw=True, plan_id=plan_id)
