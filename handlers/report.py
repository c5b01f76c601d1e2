"""/report [YYYY-MM]: a supervisor (or admin) asks for a month's compliance report in chat,
for each team they lead (admins: name a team, or get every team)."""

from __future__ import annotations

from telegram import Update

from bot.i18n import t
from bot.rules.compliance import parse_month, previous_month
from bot.rules.team_hours import local_datetime
from bot.services.compliance import send_month_on_request
from handlers.common import Context, actor_of, is_private, reply


async def cmd_report(update: Update, context: Context) -> None:
    ctx, actor = await actor_of(update, context)
    lang = actor.language
    if not is_private(update):
        await reply(update, t(lang, "private_only"))
        return
    args = list(context.args or [])
    month_arg = args.pop() if args and args[-1][:1].isdigit() else None
    teams = [
        team
        for team in await ctx.storage.teams.all()
        if actor.supervises(team.id) or actor.is_admin
    ]
    if args:
        wanted = await ctx.storage.teams.find(" ".join(args))
        teams = [team for team in teams if wanted is not None and team.id == wanted.id]
    if not teams:
        await reply(update, t(lang, "report.not_allowed"))
        return
    for team in teams:
        if month_arg is None:
            year, month = previous_month(local_datetime(ctx.clock.now(), team.timezone).date())
        else:
            try:
                year, month = parse_month(month_arg)
            except ValueError:
                await reply(update, t(lang, "report.bad_month"))
                return
        await send_month_on_request(ctx, context.bot, actor.user_id, team.id, year, month, lang)
