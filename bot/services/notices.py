"""What people are told about changes around them: a new member what is expected, a
supervisor that a member of theirs was recalled or moved away."""

from __future__ import annotations

from telegram import Bot

from bot.access import alert_readers
from bot.context import AppContext
from bot.i18n import t
from bot.rules.team_hours import on_time_until
from bot.services.fanout import FanoutResult, Outgoing, fan_out
from storage.models import Membership, Team
from storage.recalls import Recall

RECALL_NOTICE = "recall.supervisor_notice"
MOVE_NOTICE = "member.moved_notice"


def expectations(lang: str, team: Team) -> str:
    s = team.schedule
    return t(
        lang,
        "join.expect",
        opens=f"{s.opens:%H:%M}",
        on_time=f"{s.on_time:%H:%M}",
        grace=s.grace_minutes,
        cutoff=f"{s.cutoff:%H:%M}",
        radius=team.site.radius_m,
        tz=team.timezone,
        until=f"{on_time_until(s):%H:%M}",
    )


async def _tell_readers(
    ctx: AppContext,
    bot: Bot,
    about: Team,
    kind: str,
    ref: str,
    key: str,
    *,
    exclude: int | None = None,
    **params: object,
) -> FanoutResult:
    readers = await alert_readers(ctx, about, exclude=exclude)
    messages = [
        Outgoing.text(kind, p.telegram_id, ref, t(p.language or "en", key, **params))
        for p in readers.people
        if not p.unreachable
    ]
    return await fan_out(ctx, bot, messages)


async def tell_supervisors_of_recall(ctx: AppContext, bot: Bot, recall: Recall) -> FanoutResult:
    team = await ctx.storage.teams.get(recall.team_id)
    if team is None:
        return FanoutResult()
    return await _tell_readers(
        ctx,
        bot,
        team,
        RECALL_NOTICE,
        str(recall.id),
        "recall.supervisor_notice",
        exclude=recall.recalled_by,  # who recalled knows already
        name=recall.member_name or recall.telegram_id,
        team=team.name,
        reason=recall.reason,
    )


async def tell_supervisors_of_move(
    ctx: AppContext, bot: Bot, left: Membership, telegram_id: int, new_team: Team
) -> FanoutResult:
    team = await ctx.storage.teams.get(left.team_id)
    person = await ctx.storage.people.get(telegram_id)
    if team is None:
        return FanoutResult()
    return await _tell_readers(
        ctx,
        bot,
        team,
        MOVE_NOTICE,
        f"{telegram_id}:{new_team.id}:{int(ctx.now_ts())}",
        "member.moved_notice",
        name=(person.name if person else None) or telegram_id,
        team=team.name,
        new_team=new_team.name,
    )
