"""The supervisor's day summary (daily 21:00 and /summary) and the Monday weekly digest."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import AppContext
from bot.i18n import t
from bot.rules.schedule import cutoff_utc, is_workday, local_day
from bot.rules.summary import (
    Member,
    PendingRequest,
    SummaryModel,
    build_digest,
    build_summary,
    render_digest,
    render_summary,
)
from bot.rules.text import split_message
from bot.services.fanout import FanoutResult, Outgoing, Part, fan_out
from bot.services.reminders import report_unreachable
from storage.models import Team

SUMMARY = "summary"
WEEKLY_DIGEST = "weekly_digest"
BUTTON_ROWS_PER_MESSAGE = 30
BUTTON_NAME_MAX = 18


async def team_members(ctx: AppContext, team: Team, by: date) -> list[Member]:
    """The members who had joined by that day: before it they were not members yet."""
    rows = await ctx.storage.people.team_members(team.id, role="member")
    return [
        Member(p.telegram_id, p.name or str(p.telegram_id))
        for m, p in rows
        if m.joined_day(team.timezone) <= by
    ]


async def team_summary(ctx: AppContext, team: Team, day: date, now: datetime) -> SummaryModel:
    facts = await ctx.storage.scheduling.team_day(team.id, day)
    return build_summary(
        team_name=team.name,
        day=day,
        members=await team_members(ctx, team, day),
        attendance=facts.attendance,
        diary_writers=facts.diary_writers,
        leaves=facts.leaves,
        pending=await ctx.storage.scheduling.pending_requests(team.id),
        workday=is_workday(day, team.schedule),
        final=now >= cutoff_utc(day, team.timezone, team.schedule),
    )


def _short(name: str) -> str:
    return name if len(name) <= BUTTON_NAME_MAX else name[: BUTTON_NAME_MAX - 1] + "…"


def pending_keyboards(lang: str, pending: tuple[PendingRequest, ...]) -> list[Part]:
    """Approve / Reject buttons per pending request (issue 3 handles the presses and
    re-checks everything), a bounded number of rows per message."""
    parts = []
    for i in range(0, len(pending), BUTTON_ROWS_PER_MESSAGE):
        chunk = pending[i : i + BUTTON_ROWS_PER_MESSAGE]
        rows = [
            [
                InlineKeyboardButton(
                    t(lang, "summary.btn_approve", id=p.id, name=_short(p.name)),
                    callback_data=f"req:approve:{p.id}",
                ),
                InlineKeyboardButton(
                    t(lang, "summary.btn_reject", id=p.id), callback_data=f"req:reject:{p.id}"
                ),
            ]
            for p in chunk
        ]
        parts.append(Part(t(lang, "summary.buttons_intro"), InlineKeyboardMarkup(rows)))
    return parts


def summary_parts(lang: str, model: SummaryModel) -> list[Part]:
    parts = [Part(text) for text in split_message(render_summary(lang, model))]
    return parts + pending_keyboards(lang, model.pending)


async def send_supervisor_summaries(
    ctx: AppContext, bot: Bot, team_id: int, now: datetime
) -> FanoutResult:
    team = await ctx.storage.teams.get(team_id)
    if team is None:
        return FanoutResult()
    day = local_day(now, team.timezone)
    if not is_workday(day, team.schedule):
        return FanoutResult()
    model = await team_summary(ctx, team, day, now)
    readers = await ctx.storage.people.team_members(team.id, role="supervisor")
    messages = [
        Outgoing(
            SUMMARY,
            p.telegram_id,
            f"{team.id}:{day.isoformat()}",
            tuple(summary_parts(p.language or "en", model)),
        )
        for _, p in readers
        if not p.unreachable
    ]
    result = await fan_out(ctx, bot, messages)
    if result.blocked:
        await report_unreachable(ctx, bot, team, result.blocked)
    return result


def last_week(today: date) -> tuple[date, date]:
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(days=7), monday - timedelta(days=1)


async def weekly_digest_text(
    ctx: AppContext, team: Team, lang: str, first: date, last: date
) -> str:
    on_site, late, diary = await ctx.storage.scheduling.week_tallies(team.id, first, last)
    rows = build_digest(await team_members(ctx, team, last), on_site, late, diary)
    return render_digest(lang, team.name, first, last, rows)


async def send_weekly_digest(
    ctx: AppContext, bot: Bot, team_id: int, now: datetime
) -> FanoutResult:
    team = await ctx.storage.teams.get(team_id)
    if team is None:
        return FanoutResult()
    first, last = last_week(local_day(now, team.timezone))
    messages = []
    for _, p in await ctx.storage.people.team_members(team.id, role="supervisor"):
        if p.unreachable:
            continue
        text = await weekly_digest_text(ctx, team, p.language or "en", first, last)
        parts = tuple(Part(chunk) for chunk in split_message(text))
        messages.append(Outgoing(WEEKLY_DIGEST, p.telegram_id, f"{team.id}:{first}", parts))
    return await fan_out(ctx, bot, messages)
