"""Scheduled notices to members (check-in reminder, deadline nudge, diary and evening
reminders) and the one-time report of members who can no longer be reached.

Job callbacks are thin: each calls one of these with the team id and the time it stands
for; tests call them directly with the clock wherever they like.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import date, datetime

from telegram import Bot

from bot.context import AppContext
from bot.i18n import t
from bot.pacing import Lane
from bot.rules.reminders import Kind, MemberDay, on_leave, reminder_targets, still_due
from bot.rules.team_hours import Schedule, local_day, on_time_until
from bot.services.fanout import FanoutResult, Outgoing, fan_out
from bot.services.late import LateNote, noted
from storage.models import Person, Team

log = logging.getLogger(__name__)

UNREACHABLE_REPORT = "unreachable_report"
# Teams whose member notices are prepared together and handed to one fan-out.
TEAMS_PER_FANOUT = 200


async def admin_people(ctx: AppContext) -> list[int]:
    return sorted(set(ctx.settings.admins) | await ctx.storage.people.admin_ids())


async def member_days(ctx: AppContext, team: Team, day: date) -> tuple[list[MemberDay], dict]:
    """Every member of the team (any state) with the day's facts, and their Person rows."""
    rows = await ctx.storage.people.team_members(team.id, role="member", state=None)
    facts = await ctx.storage.notice_facts.team_day(team.id, day)
    checked = {a.telegram_id for a in facts.attendance}
    people: dict[int, Person] = {p.telegram_id: p for _, p in rows}
    days = [
        MemberDay(
            telegram_id=m.telegram_id,
            state=m.state,
            unreachable=p.unreachable,
            on_leave=on_leave(facts.leaves, m.telegram_id, day) is not None,
            checked_in=m.telegram_id in checked,
            wrote_diary=m.telegram_id in facts.diary_writers,
            evening_done=m.telegram_id in facts.evening_on_site,
        )
        for m, p in rows
    ]
    return days, people


def _text(kind: Kind, lang: str, team: Team) -> str:
    s = team.schedule
    if kind is Kind.CHECKIN_REMINDER:
        return t(
            lang,
            "remind.checkin",
            on_time=s.on_time.strftime("%H:%M"),
            deadline=on_time_until(s).strftime("%H:%M"),
        )
    if kind is Kind.DEADLINE_NUDGE:
        return t(lang, "remind.deadline", cutoff=s.cutoff.strftime("%H:%M"))
    if kind is Kind.DIARY_REMINDER:
        return t(lang, "remind.diary")
    return t(
        lang,
        "remind.evening",
        start=s.evening_start.strftime("%H:%M"),
        end=s.evening_end.strftime("%H:%M"),
    )


async def notice_messages(
    ctx: AppContext,
    team_id: int,
    kind: Kind,
    now: datetime,
    *,
    late: LateNote | None = None,
    schedules: dict[int, Schedule] | None = None,
) -> list[Outgoing]:
    """The member notices of this kind one team is due at `now` (none for a gone team);
    `late` marks notices caught up after an outage; `schedules` collects the team's schedule
    for the re-check at each notice's send slot."""
    team = await ctx.storage.teams.get(team_id)
    if team is None:
        return []
    if schedules is not None:
        schedules[team_id] = team.schedule
    day = local_day(now, team.timezone)
    members, people = await member_days(ctx, team, day)
    targets = reminder_targets(kind, members, day, team.schedule)
    messages = []
    for tid in targets:
        lang = people[tid].language or "en"
        text = noted(_text(kind, lang, team), lang, late)
        messages.append(Outgoing.text(kind.value, tid, day.isoformat(), text))
    return messages


async def send_member_notices(
    ctx: AppContext,
    bot: Bot,
    team_ids: Iterable[int],
    kind: Kind,
    now: datetime,
    *,
    late: LateNote | None = None,
) -> dict[int, FanoutResult]:
    """One notice kind for many teams at once, as one paced stream: while the fan-out of
    one group of teams is sending, the next group's messages are being prepared, so the
    reading of 2,000 teams' facts hides behind the rate limit instead of preceding it.
    Returns each team's part."""
    owner: dict[tuple[str, int, str], int] = {}
    schedules: dict[int, Schedule] = {}
    ids = list(team_ids)

    async def still_true(notice: Outgoing) -> bool:
        # Prepared up to a group ahead, sent up to minutes later in a big fan-out: by then the
        # member may have checked in, gone on leave or been recalled.
        team_id = owner[(notice.kind, notice.telegram_id, notice.ref)]
        day = date.fromisoformat(notice.ref)
        member = await ctx.storage.notice_facts.member_day(team_id, notice.telegram_id, day)
        return still_due(kind, member, day, schedules[team_id])

    sending: list[asyncio.Task[FanoutResult]] = []
    for i in range(0, len(ids), TEAMS_PER_FANOUT):
        group = ids[i : i + TEAMS_PER_FANOUT]
        messages = await _new_messages(ctx, group, kind, now, owner, late, schedules)
        sending.append(asyncio.create_task(fan_out(ctx, bot, messages, still_due=still_true)))
        if len(sending) > 1:
            await sending[-2]  # at most one group prepared ahead of the one sending
    result = FanoutResult()
    for task in sending:
        result.merge(await task)
    by_person = {tid: team_id for (_, tid, _), team_id in owner.items()}
    per_team: dict[int, FanoutResult] = {team_id: FanoutResult() for team_id in owner.values()}
    for name in ("sent", "already", "blocked", "failed", "withdrawn"):
        for tid in getattr(result, name):
            getattr(per_team[by_person[tid]], name).append(tid)
    for team_id, part in per_team.items():
        if part.blocked:
            team = await ctx.storage.teams.get(team_id)
            if team is not None:
                await report_unreachable(ctx, bot, team, part.blocked)
    return per_team


async def _new_messages(
    ctx: AppContext,
    team_ids: list[int],
    kind: Kind,
    now: datetime,
    owner: dict[tuple[str, int, str], int],
    late: LateNote | None,
    schedules: dict[int, Schedule],
) -> list[Outgoing]:
    messages = []
    for team_id in team_ids:
        try:
            built = await notice_messages(ctx, team_id, kind, now, late=late, schedules=schedules)
        except Exception:
            # One team's fault must not cost the other teams at this slot their notice.
            log.exception("%s for team %s could not be prepared", kind.value, team_id)
            continue
        for m in built:
            # Someone listed in two teams due together gets the day's notice once.
            if (key := (m.kind, m.telegram_id, m.ref)) not in owner:
                owner[key] = team_id
                messages.append(m)
    return messages


async def send_member_notice(
    ctx: AppContext,
    bot: Bot,
    team_id: int,
    kind: Kind,
    now: datetime,
    *,
    late: LateNote | None = None,
) -> FanoutResult:
    results = await send_member_notices(ctx, bot, [team_id], kind, now, late=late)
    return results.get(team_id, FanoutResult())


async def send_checkin_reminders(
    ctx: AppContext, bot: Bot, team_id: int, now: datetime
) -> FanoutResult:
    return await send_member_notice(ctx, bot, team_id, Kind.CHECKIN_REMINDER, now)


async def send_deadline_nudges(
    ctx: AppContext, bot: Bot, team_id: int, now: datetime
) -> FanoutResult:
    return await send_member_notice(ctx, bot, team_id, Kind.DEADLINE_NUDGE, now)


async def send_diary_reminders(
    ctx: AppContext, bot: Bot, team_id: int, now: datetime
) -> FanoutResult:
    return await send_member_notice(ctx, bot, team_id, Kind.DIARY_REMINDER, now)


async def send_evening_reminders(
    ctx: AppContext, bot: Bot, team_id: int, now: datetime
) -> FanoutResult:
    return await send_member_notice(ctx, bot, team_id, Kind.EVENING_REMINDER, now)


async def report_unreachable(
    ctx: AppContext, bot: Bot, team: Team, blocked: list[int]
) -> FanoutResult:
    """Tells the team's supervisors, once per person ever, that a member blocked the bot;
    with no reachable supervisor, the admins hear instead."""
    supervisors = [
        p
        for _, p in await ctx.storage.people.team_members(team.id, role="supervisor")
        if not p.unreachable and p.telegram_id not in blocked
    ]
    readers = [(p.telegram_id, p.language or "en") for p in supervisors]
    if not readers:
        for admin_id in await admin_people(ctx):
            person = await ctx.storage.people.get(admin_id)
            readers.append((admin_id, (person.language if person else None) or "en"))
    messages = []
    for member_id in blocked:
        person = await ctx.storage.people.get(member_id)
        name = (person.name if person else None) or str(member_id)
        for reader_id, lang in readers:
            text = t(lang, "remind.unreachable", name=name, team=team.name)
            messages.append(Outgoing.text(UNREACHABLE_REPORT, reader_id, str(member_id), text))
    return await fan_out(ctx, bot, messages, lane=Lane.ALERT)
