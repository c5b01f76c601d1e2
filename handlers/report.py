"""/report [YYYY-MM]: a supervisor (or admin) asks for a month's compliance report in chat,
for each team they lead (admins: name a team, or get every team)."""

from __future__ import annotations

from telegram import Update

from bot.access import overseen_teams
from bot.i18n import t
from bot.services.compliance import send_month_on_request
from bot.services.oversight import named_team_only, report_month
from handlers.common import Context, actor_of, is_private, reply


def _split(args: list[str]) -> tuple[str, str | None]:
    """(team named, month typed): the month is the last argument when it starts with a digit."""
    if args and args[-1][:1].isdigit():
        return " ".join(args[:-1]), args[-1]
    return " ".join(args), None


async def cmd_report(update: Update, context: Context) -> None:
    ctx, actor = await actor_of(update, context)
    if not is_private(update):
        await reply(update, t(actor.language, "private_only"))
        return
    team_ref, month_arg = _split(list(context.args or []))
    teams = await named_team_only(ctx, await overseen_teams(ctx, actor), team_ref)
    if not teams:
        await reply(update, t(actor.language, "report.not_allowed"))
        return
    for team in teams:
        try:
            year, month = report_month(month_arg, team.timezone, ctx.clock.now())
        except ValueError:
            await reply(update, t(actor.language, "report.bad_month"))
            return
        await send_month_on_request(
            ctx, context.bot, actor.user_id, team.id, year, month, actor.language
        )
