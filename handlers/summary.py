"""/summary [YYYY-MM-DD]: the day summary on demand, for a supervisor's teams (admins: all)."""

from __future__ import annotations

from telegram import Update

from bot.access import Actor
from bot.context import AppContext
from bot.i18n import t
from bot.services.evidence import look_at_text, open_signals
from bot.services.oversight import summary_day
from bot.services.summary import summary_parts, team_night, team_summary
from handlers.common import Context, open_overseer_command, reply
from storage.models import Team


async def cmd_summary(update: Update, context: Context) -> None:
    opened = await open_overseer_command(update, context, "summary.not_allowed")
    if opened is None:
        return
    ctx, actor, teams = opened
    for team in teams:
        if not await send_summary(
            update, ctx, actor, team, context.args[0] if context.args else None
        ):
            return


async def send_summary(
    update: Update, ctx: AppContext, actor: Actor, team: Team, arg: str | None
) -> bool:
    """One team's summary of the day asked for; False (and said why) when it cannot be."""
    lang, now = actor.language, ctx.clock.now()
    asked = summary_day(arg, team.timezone, now)
    if asked.day is None:
        await reply(update, t(lang, f"summary.{asked.problem}", today=asked.today.isoformat()))
        return False
    model = await team_summary(ctx, team, asked.day, now)
    night = await team_night(ctx, team, asked.day, now)
    signals = await open_signals(ctx, team, asked.day, asked.day)
    for part in summary_parts(lang, model, night, look_at_text(lang, signals)):
        await reply(update, part.text, reply_markup=part.reply_markup)
    return True
