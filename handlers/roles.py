"""An admin confirms or refuses a role change someone asked for through an invite link.

Callback data `role:ok:<id>` / `role:no:<id>` only points at a stored request; the presser
must be an admin (a refusal is audited), and the request is re-read from storage.
"""

from __future__ import annotations

import re

from telegram import Update

from bot.i18n import t
from bot.services.joining import RoleDecision, settle_role_change, tell_role_decision
from handlers.common import Context, actor_of, answer_query, edit_pressed, refuse

ROLE_BUTTON = re.compile(r"^role:(ok|no):(\d{1,18})$")


async def on_role_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    ctx, actor = await actor_of(update, context)
    if not actor.is_admin:
        await refuse(ctx, actor, update, "role_change")
        return
    match = ROLE_BUTTON.match(query.data or "")
    if match is None:
        await answer_query(query, t(actor.language, "button.stale"))
        return
    approved = match[1] == "ok"
    decided = await settle_role_change(
        ctx, int(match[2]), approved=approved, admin_id=actor.user_id
    )
    if decided is None:
        await answer_query(query, t(actor.language, "join.role_change_stale"), show_alert=True)
        await edit_pressed(query, None)
        return
    await answer_query(query)
    await edit_pressed(query, decision_text(actor.language, decided))
    await tell_role_decision(ctx, update.get_bot(), decided.change, decided.team)


def decision_text(lang: str, decided: RoleDecision) -> str:
    change = decided.change
    key = "join.role_change_approved" if change.approved else "join.role_change_refused"
    role, current = t(lang, f"role.{change.to_role}"), t(lang, f"role.{change.from_role}")
    return t(lang, key, name=decided.name, team=decided.team.name, role=role, current=current)
