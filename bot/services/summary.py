"""The supervisor's day summary (daily 21:00 and /summary) and the Monday weekly digest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.access import admin_people
from bot.context import AppContext
from bot.i18n import t
from bot.rules.evening import EveningModel, build_evening, render_evening, render_unreachable
from bot.rules.summary import (
    Member,
    PendingRequest,
    SummaryModel,
    build_digest,
    build_summary,
    render_digest,
    render_summary,
)
from bot.rules.team_hours import cutoff_utc, is_workday, local_day, local_to_utc
from bot.rules.text import split_message
from bot.services.evidence import look_at_text, open_signals
from bot.services.fanout import Delivery, FanoutResult, Outgoing, Part, fan_out, send_parts
from bot.services.late import LateNote, noted_parts
from bot.services.reminders import report_unreachable
from storage.models import Team
from storage.spoof import StoredSignal

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
    facts = await ctx.storage.notice_facts.team_day(team.id, day)
    return build_summary(
        team_name=team.name,
        day=day,
        members=await team_members(ctx, team, day),
        attendance=facts.attendance,
        diary_writers=facts.diary_writers,
        leaves=facts.leaves,
        pending=await ctx.storage.notice_facts.pending_requests(team.id),
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


@dataclass(frozen=True)
class NightNotes:
    """The summary's night side, kept apart from the day model: evening presence (when the
    team's evening check is on) and the members no notice can reach."""

    evening: EveningModel | None
    unreachable: tuple[str, ...]

    def render(self, lang: str) -> str:
        blocks = [render_evening(lang, self.evening) if self.evening else None]
        blocks.append(render_unreachable(lang, self.unreachable))
        return "\n\n".join(b for b in blocks if b)


async def team_night(ctx: AppContext, team: Team, day: date, now: datetime) -> NightNotes:
    rows = await ctx.storage.people.team_members(team.id, role="member")
    members = [Member(p.telegram_id, p.name or str(p.telegram_id)) for _, p in rows]
    evening = None
    if team.schedule.evening_enabled:
        window_end = local_to_utc(day, team.schedule.evening_end, team.timezone)
        evening = build_evening(
            members,
            await ctx.storage.notice_facts.evening_checks(team.id, day),
            await ctx.storage.notice_facts.approved_leaves(team.id, day, day),
            day,
            team.schedule,
            over=now >= window_end + timedelta(minutes=1),
        )
    unreachable = tuple(m.name for m, (_, p) in zip(members, rows, strict=True) if p.unreachable)
    return NightNotes(evening, unreachable)


def summary_text(
    lang: str, model: SummaryModel, night: NightNotes | None = None, extra: str | None = None
) -> str:
    """`night`: evening presence and the unreachable; `extra`: a section of its own below
    them (the "to look at" signals)."""
    text = render_summary(lang, model)
    for notes in (night.render(lang) if night else "", extra or ""):
        if notes:
            text += "\n\n" + notes
    return text


def summary_parts(
    lang: str, model: SummaryModel, night: NightNotes | None = None, extra: str | None = None
) -> list[Part]:
    parts = [Part(chunk) for chunk in split_message(summary_text(lang, model, night, extra))]
    return parts + pending_keyboards(lang, model.pending)


async def send_supervisor_summaries(
    ctx: AppContext, bot: Bot, team_id: int, now: datetime, *, late: LateNote | None = None
) -> FanoutResult:
    team = await ctx.storage.teams.get(team_id)
    if team is None:
        return FanoutResult()
    readers = await ctx.storage.people.team_members(team.id, role="supervisor")
    if not readers:
        # Nothing goes unheard (issue 13 item 7): the admins read it instead.
        return await send_admin_summaries(ctx, bot, [team.id], now, late=late)
    today = await _team_day(ctx, team, now)
    if today is None:
        return FanoutResult()
    messages = []
    for _, p in readers:
        if p.unreachable:
            continue
        lang = p.language or "en"
        parts = summary_parts(lang, today.model, today.night, look_at_text(lang, today.signals))
        messages.append(
            Outgoing(SUMMARY, p.telegram_id, today.ref, noted_parts(tuple(parts), lang, late))
        )
    result = await fan_out(ctx, bot, messages)
    if result.blocked:
        await report_unreachable(ctx, bot, team, result.blocked)
    return result


@dataclass(frozen=True)
class TeamDay:
    """One team's day summary, rendered for each reader's language when sent."""

    team: Team
    day: date
    model: SummaryModel
    night: NightNotes
    signals: list[StoredSignal]

    @property
    def ref(self) -> str:
        # The ref a supervisor's copy is logged under too: the catch-up asks the log by it.
        return f"{self.team.id}:{self.day.isoformat()}"


async def _team_day(ctx: AppContext, team: Team, now: datetime) -> TeamDay | None:
    day = local_day(now, team.timezone)
    if not is_workday(day, team.schedule):
        return None
    model = await team_summary(ctx, team, day, now)
    night = await team_night(ctx, team, day, now)
    return TeamDay(team, day, model, night, await open_signals(ctx, team, day, day))


def admin_summary_parts(lang: str, days: Sequence[TeamDay]) -> list[Part]:
    """One message for an admin: which teams have no supervisor, then each one's summary,
    then the Approve / Reject buttons of their pending requests."""
    heading = t(
        lang, "summary.admins.heading", n=len(days), teams=", ".join(d.team.name for d in days)
    )
    texts = [heading] + [
        summary_text(lang, d.model, d.night, look_at_text(lang, d.signals)) for d in days
    ]
    parts = [Part(chunk) for chunk in split_message("\n\n".join(texts))]
    for d in days:
        parts += pending_keyboards(lang, d.model.pending)
    return parts


async def send_admin_summaries(
    ctx: AppContext,
    bot: Bot,
    team_ids: Sequence[int],
    now: datetime,
    *,
    late: LateNote | None = None,
) -> FanoutResult:
    """The day summaries of teams without a supervisor go to every administrator, all of
    one slot in one message rather than one per team. Each (admin, team, day) is logged
    under the summary's own kind and ref before sending, so a team is never summarised to
    an admin twice (a retry, the catch-up, a second process) and a failed send is released
    to be tried again."""
    days = [
        d
        for team in await ctx.storage.teams.many(list(team_ids))
        if (d := await _team_day(ctx, team, now)) is not None
    ]
    result = FanoutResult()
    if not days:
        return result
    for admin in await admin_people(ctx):
        if admin.unreachable:
            continue
        keys = [(SUMMARY, admin.telegram_id, d.ref) for d in days]
        claimed = await ctx.storage.notifications.claim_many(keys, now=ctx.now_ts())
        mine = [d for d, key in zip(days, keys, strict=True) if key in claimed]
        if not mine:
            result.already.append(admin.telegram_id)
            continue
        lang = admin.language or "en"
        parts = noted_parts(tuple(admin_summary_parts(lang, mine)), lang, late)
        outcome = await send_parts(bot, admin.telegram_id, parts)
        if outcome is Delivery.SENT:
            result.sent.append(admin.telegram_id)
        elif outcome is Delivery.BLOCKED:
            result.blocked.append(admin.telegram_id)
            await ctx.storage.people.set_unreachable(admin.telegram_id, True)
        else:
            result.failed.append(admin.telegram_id)
            if outcome is Delivery.FAILED:
                await ctx.storage.notifications.release_many(
                    [(SUMMARY, admin.telegram_id, d.ref) for d in mine]
                )
    return result


def last_week(today: date) -> tuple[date, date]:
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(days=7), monday - timedelta(days=1)


async def weekly_digest_text(
    ctx: AppContext, team: Team, lang: str, first: date, last: date
) -> str:
    on_site, late, diary = await ctx.storage.notice_facts.week_tallies(team.id, first, last)
    rows = build_digest(await team_members(ctx, team, last), on_site, late, diary)
    return render_digest(lang, team.name, first, last, rows)


async def send_weekly_digest(
    ctx: AppContext,
    bot: Bot,
    team_id: int,
    now: datetime,
    *,
    first: date | None = None,
    late: LateNote | None = None,
) -> FanoutResult:
    """The digest of the week before ``now``'s, or of the week starting ``first`` (a
    catch-up sends the week that was due, not the one before today)."""
    team = await ctx.storage.teams.get(team_id)
    if team is None:
        return FanoutResult()
    if first is None:
        first, last = last_week(local_day(now, team.timezone))
    else:
        last = first + timedelta(days=6)
    signals = await open_signals(ctx, team, first, last)
    supervisors = [p for _, p in await ctx.storage.people.team_members(team.id, role="supervisor")]
    # A team nobody leads yet: its week is the administrators' to read, as its days are.
    readers = supervisors or list(await admin_people(ctx))
    messages = []
    for p in readers:
        if p.unreachable:
            continue
        lang = p.language or "en"
        text = await weekly_digest_text(ctx, team, lang, first, last)
        if not supervisors:
            text = t(lang, "digest.admins.heading", team=team.name) + "\n\n" + text
        look = look_at_text(lang, signals)
        parts = tuple(Part(chunk) for chunk in split_message(f"{text}\n\n{look}" if look else text))
        parts = noted_parts(parts, lang, late)
        messages.append(Outgoing(WEEKLY_DIGEST, p.telegram_id, f"{team.id}:{first}", parts))
    return await fan_out(ctx, bot, messages)
