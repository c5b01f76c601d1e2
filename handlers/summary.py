"""/summary [YYYY-MM-DD]: the day summary on demand, for a supervisor's teams (admins: all)."""

from __future__ import annotations

from datetime import date

from telegram import Update

from bot.i18n import t
from bot.rules.leave import relative_day
from bot.rules.team_hours import local_day
from bot.services.evidence import look_at_text, open_signals
from bot.services.summary import summary_parts, team_night, team_summary
from handlers.common import (
    Context,
    open_known_command,
    reply,
)


def _parse_day(args: list[str], today: date) -> date | None:
    if not args:
        return today
    relative = relative_day(args[0], today)
    if relative is not None:
        return relative
    try:
        return date.fromisoformat(args[0].strip())
    except ValueError:
        return None


async def cmd_summary(update: Update, context: Context) -> None:
    opened = await open_known_command(update, context)
    if opened is None:
        return
    ctx, actor = opened
    lang = actor.language
    if actor.is_admin:
        teams = await ctx.storage.teams.all()
    else:
        teams = [team for team in await ctx.storage.teams.all() if actor.supervises(team.id)]
    if not teams:
        await reply(update, t(lang, "summary.not_allowed"))
        return
    now = ctx.clock.now()
    for team in teams:
        today = local_day(now, team.timezone)
        day = _parse_day(list(context.args or []), today)
        if day is None:
            await reply(update, t(lang, "summary.bad_date"))
            return
        if day > today:
            await reply(update, t(lang, "summary.future", today=today.isoformat()))
            return
        model = await team_summary(ctx, team, day, now)
        night = await team_night(ctx, team, day, now)
        signals = await open_signals(ctx, team, day, day)
        for part in summary_parts(lang, model, night, look_at_text(lang, signals)):
            await reply(update, part.text, reply_markup=part.reply_markup)
