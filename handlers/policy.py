"""/policy: an admin reads and sets a team's policy and calendar in chat (SPEC §2: every
number a setting). `/policy TEAM` shows; `/policy TEAM KEY VALUE` sets one thing."""

from __future__ import annotations

from telegram import Update

from bot.context import AppContext
from bot.i18n import t
from bot.jobs import reschedule_team
from bot.rules.calendar import format_workdays
from bot.rules.policy import describe_policy
from bot.services.oversight import find_team
from bot.services.teams import CALENDAR_KEYS, SETTING_KEYS, setting_change, update_team
from handlers.common import Context, actor_of, is_private, refuse, reply
from storage.models import Team


def show(lang: str, team: Team) -> str:
    lines = [t(lang, "policy.heading", team=team.name)]
    lines += [f"• {key} = {value}" for key, value in describe_policy(team.policy).items()]
    s = team.schedule
    holidays = ", ".join(d.isoformat() for d in sorted(s.holidays)) or "—"
    lines.append(f"• workdays = {format_workdays(s.workdays)}")
    lines.append(f"• holidays = {holidays}")
    lines.append(t(lang, "policy.usage", keys=", ".join(SETTING_KEYS)))
    return "\n".join(lines)


async def cmd_policy(update: Update, context: Context) -> None:
    ctx, actor = await actor_of(update, context)
    lang = actor.language
    if not actor.is_admin:
        await refuse(ctx, actor, update, "policy")
        return
    if not is_private(update):
        await reply(update, t(lang, "private_only"))
        return
    args = list(context.args or [])
    key, value = (args[-2].lower(), args[-1]) if len(args) >= 3 else ("", "")
    team_ref = " ".join(args[:-2] if key in SETTING_KEYS else args)
    team = await find_team(ctx, team_ref)
    if team is None:
        await reply(update, t(lang, "policy.no_team", ref=team_ref, keys=", ".join(SETTING_KEYS)))
        return
    if key not in SETTING_KEYS:
        await reply(update, show(lang, team))
        return
    await set_one(update, context, ctx, team, key, value, actor.user_id, lang)


async def set_one(
    update: Update,
    context: Context,
    ctx: AppContext,
    team: Team,
    key: str,
    value: str,
    actor_id: int,
    lang: str,
) -> None:
    try:
        updated = await update_team(ctx, team, setting_change(key, value), actor_id=actor_id)
    except ValueError as exc:
        await reply(update, t(lang, "policy.bad", setting=key, value=value, reason=str(exc)))
        return
    if key in CALENDAR_KEYS:
        await reschedule_team(context.application, team.id)  # reminders follow the calendar
    await reply(
        update, t(lang, "policy.set", setting=key, value=value) + "\n\n" + show(lang, updated)
    )
