"""Scheduled notices to members (check-in reminder, deadline nudge, diary and evening
reminders) and the one-time report of members who can no longer be reached.

Job callbacks are thin: each calls one of these with the team id and the time it stands
for; tests call them directly with the clock wherever they like.
"""

from __future__ import annotations

from datetime import date, datetime

from telegram import Bot

from bot.context import AppContext
from bot.i18n import t
from bot.pacing import Lane
from bot.rules.reminders import Kind, MemberDay, on_leave, reminder_targets, still_due
from bot.rules.schedule import local_day, on_time_until
from bot.services.fanout import FanoutResult, Outgoing, fan_out
from storage.models import Person, Team

UNREACHABLE_REPORT = "unreachable_report"


async def admin_people(ctx: AppContext) -> list[int]:
    return sorted(set(ctx.settings.admins) | await ctx.storage.people.admin_ids())


async def member_days(ctx: AppContext, team: Team, day: date) -> tuple[list[MemberDay], dict]:
    """Every member of the team (any state) with the day's facts, and their Person rows."""
    rows = await ctx.storage.people.team_members(team.id, role="member", state=None)
    facts = await ctx.storage.scheduling.team_day(team.id, day)
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


async def send_member_notice(
    ctx: AppContext, bot: Bot, team_id: int, kind: Kind, now: datetime
) -> FanoutResult:
    team = await ctx.storage.teams.get(team_id)
    if team is None:
        return FanoutResult()
    day = local_day(now, team.timezone)
    members, people = await member_days(ctx, team, day)
    targets = reminder_targets(kind, members, day, team.schedule)
    messages = [
        Outgoing.text(
            kind.value, tid, day.isoformat(), _text(kind, people[tid].language or "en", team)
        )
        for tid in targets
    ]

    async def still_true(notice: Outgoing) -> bool:
        # Claimed up to a batch ahead, sent up to minutes later in a big fan-out: by then the
        # member may have checked in, gone on leave or been recalled.
        member = await ctx.storage.scheduling.member_day(team.id, notice.telegram_id, day)
        return still_due(kind, member, day, team.schedule)

    result = await fan_out(ctx, bot, messages, still_due=still_true)
    if result.blocked:
        await report_unreachable(ctx, bot, team, result.blocked)
    return result


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
