"""Recalling a member and the vacancy it leaves (SPEC §3.8), for the CLI and /recall.

Other flows ask `actor.can_act_as_member` (bot/access.py) before letting someone check in,
write the diary or ask leave: a recalled member is refused everywhere.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from telegram import Bot, ReplyKeyboardRemove
from telegram.error import Forbidden, TelegramError

from bot.context import AppContext
from bot.i18n import t
from bot.rules.team_hours import local_day
from bot.services.late import LateNote, noted
from bot.services.notices import tell_supervisors_of_recall
from storage.models import Team
from storage.recalls import NotRecallable, Recall

log = logging.getLogger(__name__)

REASON_MAX = 500


class RecallProblem(ValueError):
    """Why a recall cannot go ahead, as a catalog key suffix: recall.<problem>."""


def clean_reason(text: str | None) -> str | None:
    value = " ".join((text or "").split())
    return value if value and len(value) <= REASON_MAX else None


async def recall_member(
    ctx: AppContext, *, member_id: int, team: Team, reason: str, actor_id: int | None
) -> Recall:
    async def recall(cleaned: str) -> Recall:
        return await ctx.storage.recalls.recall(
            member_id, team.id, reason=cleaned, by=actor_id, now=ctx.now_ts()
        )

    return await _with_reason(reason, recall, "not_active")


async def reinstate_member(
    ctx: AppContext, *, member_id: int, team: Team, reason: str, actor_id: int | None
) -> Recall:
    """Only an admin brings a recalled member back (an invite link never does)."""

    async def reinstate(cleaned: str) -> Recall:
        return await ctx.storage.recalls.reinstate(
            member_id, team.id, reason=cleaned, by=actor_id, now=ctx.now_ts()
        )

    return await _with_reason(reason, reinstate, "not_recalled")


async def _with_reason(
    reason: str, change: Callable[[str], Awaitable[Recall]], refused: str
) -> Recall:
    """A recall or a reinstatement: a reason is required; RecallProblem says why not."""
    cleaned = clean_reason(reason)
    if cleaned is None:
        raise RecallProblem("reason_invalid")
    try:
        return await change(cleaned)
    except NotRecallable as exc:
        raise RecallProblem(refused) from exc


async def tell_recalled(ctx: AppContext, bot: Bot, recall: Recall) -> bool:
    """The member hears it in their own language, then the team's supervisors (or admins);
    False if the member could not be reached. A recall whose member was not told stays
    queued (`tell_pending_recalls`), so a recall from the shell reaches them once the bot runs.
    """
    told = await _tell_member(ctx, bot, recall)
    if told is not None:
        await ctx.storage.recalls.mark_told(recall.id, now=ctx.now_ts())
        await tell_supervisors_of_recall(ctx, bot, recall)
    return bool(told)


async def tell_pending_recalls(ctx: AppContext, bot: Bot) -> int:
    """Tells every recalled member not told yet (the bot calls it at start and every
    minute); returns how many were told."""
    told = 0
    for recall in await ctx.storage.recalls.untold():
        told += await tell_recalled(ctx, bot, recall)
    return told


async def _tell_member(ctx: AppContext, bot: Bot, recall: Recall) -> bool | None:
    """True when told, False when they blocked the bot (nothing more to try), None when
    Telegram failed for now (try again later)."""
    person = await ctx.storage.people.get(recall.telegram_id)
    lang = (person.language if person else None) or "en"
    text = t(lang, "recall.notice", team=recall.team_name, reason=recall.reason)
    try:
        # The member keyboard goes: a recalled member has nothing to check in.
        await bot.send_message(recall.telegram_id, text, reply_markup=ReplyKeyboardRemove())
    except Forbidden:
        await ctx.storage.people.set_unreachable(recall.telegram_id, True)
        return False
    except TelegramError as exc:
        log.warning("could not tell %s of the recall: %s", recall.telegram_id, exc)
        return None
    return True


async def member_joined(ctx: AppContext, team_id: int, user_id: int) -> int | None:
    """An invite was accepted into `team_id` as member: its oldest vacancy is filled."""
    return await ctx.storage.recalls.close_oldest_vacancy(team_id, by=user_id, now=ctx.now_ts())


async def admin_ids(ctx: AppContext) -> list[int]:
    return sorted(set(ctx.settings.admins) | await ctx.storage.people.admin_ids())


async def vacancy_reminders(ctx: AppContext, bot: Bot, *, late: LateNote | None = None) -> int:
    """Daily job: every admin is told of each vacancy open `refill_days` or more, once a day
    per vacancy (notifications table: insert first, send if inserted). Returns messages sent.

    Safe to call as often as the scheduler likes; a failed send is released and retried on
    the next call.
    """
    now = ctx.now_ts()
    vacancies = await ctx.storage.recalls.overdue_vacancies(now)
    if not vacancies:
        return 0
    admins = await admin_ids(ctx)
    sent = 0
    for vacancy in vacancies:
        team = await ctx.storage.teams.get(vacancy.team_id)
        tz = team.timezone if team else ctx.settings.timezone
        today = local_day(datetime.fromtimestamp(now, UTC), tz).isoformat()
        days_open = int((now - vacancy.recalled_at) // 86400)
        ref = f"{vacancy.id}:{today}"
        for admin in admins:
            if not await ctx.storage.recalls.claim_reminder(admin, ref, now=now):
                continue
            person = await ctx.storage.people.get(admin)
            if person is not None and person.unreachable:
                continue
            lang = (person.language if person else None) or "en"
            text = t(
                lang,
                "vacancy.reminder",
                team=vacancy.team_name,
                name=vacancy.member_name or vacancy.telegram_id,
                days=days_open,
                limit=vacancy.refill_days,
                reason=vacancy.reason,
            )
            text = noted(text, lang, late)
            try:
                await bot.send_message(admin, text)
            except Forbidden:
                await ctx.storage.people.set_unreachable(admin, True)
                continue
            except TelegramError as exc:
                log.warning("vacancy reminder to %s failed: %s", admin, exc)
                await ctx.storage.recalls.release_reminder(admin, ref)
                continue
            sent += 1
        await ctx.storage.recalls.mark_reminded(vacancy.id, now=now)
    return sent
