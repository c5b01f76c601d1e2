"""An admin confirms or refuses a role change someone asked for through an invite link.

Callback data `role:ok:<id>` / `role:no:<id>` only points at a stored request; the presser
must be an admin (a refusal is audited), and the request is re-read from storage.
"""

from __future__ import annotations

import re

from telegram import Update

from bot.i18n import t
from bot.services.joining import decide_role_change, tell_role_decision
from handlers.common import Context, actor_of, answer_query, edit_pressed, refuse

ROLE_BUTTON = re.compile(r"^role:(ok|no):(\d{1,18})$")


async def on_role_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    ctx, actor = await actor_of(update, context)
    if not actor.is_admin:
        await refuse(ctx, actor, update, "role_change")
        return
    lang = actor.language
    match = ROLE_BUTTON.match(query.data or "")
    if match is None:
        await answer_query(query, t(lang, "button.stale"))
        return
    change = await decide_role_change(
        ctx, int(match[2]), approved=match[1] == "ok", admin_id=actor.user_id
    )
    team = await ctx.storage.teams.get(change.team_id) if change else None
    if change is None or team is None:
        await answer_query(query, t(lang, "join.role_change_stale"), show_alert=True)
        await edit_pressed(query, None)
        return
    await answer_query(query)
    person = await ctx.storage.people.get(change.telegram_id)
    name = (person.name if person else None) or str(change.telegram_id)
    key = "join.role_change_approved" if change.approved else "join.role_change_refused"
    text = t(
        lang,
        key,
        name=name,
        team=team.name,
        role=t(lang, f"role.{change.to_role}"),
        current=t(lang, f"role.{change.from_role}"),
    )
    await edit_pressed(query, text)
    await tell_role_decision(ctx, update.get_bot(), change, team)
