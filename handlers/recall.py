"""/recall: an admin recalls a member with a reason (SPEC §3.8).

`/recall` walks through team -> member -> reason -> confirm; `/recall <user id> <reason>`
jumps to the confirmation. Everything is re-checked against storage on the final press.
"""

from __future__ import annotations

from telegram import Update

from bot.access import Actor
from bot.context import AppContext
from bot.i18n import t
from bot.services.recall import RecallProblem, clean_reason, recall_member, tell_recalled
from handlers.common import (
    Context,
    answer_query,
    edit_pressed,
    inline_rows,
    open_admin_command,
    parse_id,
    reply,
)
from handlers.export import MAX_TEAM_BUTTONS
from handlers.flows import admin_answer, end_flow, move_flow, open_wizard_button
from storage.models import FlowState, Team

FLOW = "recall"
MAX_MEMBER_BUTTONS = 40


async def cmd_recall(update: Update, context: Context) -> None:
    opened = await open_admin_command(update, context, "recall")
    if opened is None:
        return
    ctx, actor = opened
    args = context.args or []
    if args:
        await _direct(update, ctx, actor, args)
        return
    teams = (await ctx.storage.teams.all())[:MAX_TEAM_BUTTONS]
    if not teams:
        await reply(update, t(actor.language, "recall.no_teams"))
        return
    await move_flow(update, ctx, actor, FLOW, "team", {})
    pairs = [(team.name[:40], f"rc:t:{team.id}") for team in teams]
    await reply(
        update,
        t(actor.language, "recall.ask_team"),
        reply_markup=inline_rows([pairs[i : i + 2] for i in range(0, len(pairs), 2)]),
    )


async def _direct(update: Update, ctx: AppContext, actor: Actor, args: list[str]) -> None:
    """`/recall <user id> [reason]`: the member's active team is found in storage."""
    lang = actor.language
    member_id = parse_id(args[0])
    if member_id is None:
        await reply(update, t(lang, "recall.usage"))
        return
    memberships = await ctx.storage.people.memberships(member_id)
    active = [m for m in memberships if m.role == "member" and m.state == "active"]
    if not active:
        await reply(update, t(lang, "recall.not_found", id=member_id))
        return
    data = {"team": active[-1].team_id, "member": member_id}
    reason = clean_reason(" ".join(args[1:]))
    if reason is None:
        await _ask_reason(update, ctx, actor, data)
    else:
        await _confirm(update, ctx, actor, {**data, "reason": reason})


async def _names(ctx: AppContext, data: dict) -> tuple[Team | None, str, str]:
    team = await ctx.storage.teams.get(int(data["team"]))
    person = await ctx.storage.people.get(int(data["member"]))
    membership = await ctx.storage.people.membership(int(data["member"]), int(data["team"]))
    name = (person.name if person else None) or str(data["member"])
    unit = (membership.unit if membership else None) or (person.unit if person else None) or "-"
    return team, name, unit


async def _ask_member(update: Update, ctx: AppContext, actor: Actor, team: Team) -> None:
    members = await ctx.storage.people.team_members(team.id, role="member", state="active")
    if not members:
        await ctx.storage.flows.clear(actor.user_id)
        await reply(update, t(actor.language, "recall.no_members", team=team.name))
        return
    data = {"team": team.id}
    await move_flow(update, ctx, actor, FLOW, "member", data)
    buttons = [
        [(f"{p.name or m.telegram_id} · {m.unit or '-'}"[:60], f"rc:m:{m.telegram_id}")]
        for m, p in members[:MAX_MEMBER_BUTTONS]
    ]
    await reply(
        update,
        t(actor.language, "recall.ask_member", team=team.name),
        reply_markup=inline_rows(buttons),
    )


async def _ask_reason(update: Update, ctx: AppContext, actor: Actor, data: dict) -> None:
    team, name, unit = await _names(ctx, data)
    await move_flow(update, ctx, actor, FLOW, "reason", data)
    await reply(
        update,
        t(
            actor.language,
            "recall.ask_reason",
            name=name,
            unit=unit,
            team=team.name if team else "?",
        ),
    )


async def _confirm(update: Update, ctx: AppContext, actor: Actor, data: dict) -> None:
    team, name, unit = await _names(ctx, data)
    lang = actor.language
    await move_flow(update, ctx, actor, FLOW, "confirm", data)
    await reply(
        update,
        t(
            lang,
            "recall.confirm",
            name=name,
            unit=unit,
            team=team.name if team else "?",
            reason=data["reason"],
        ),
        reply_markup=inline_rows(
            [[(t(lang, "button.confirm"), "rc:ok"), (t(lang, "button.cancel"), "rc:no")]]
        ),
    )


async def on_text(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
) -> None:
    text = await admin_answer(update, ctx, actor)
    if text is None:
        return
    lang = actor.language
    if state.step == "team":
        team = await ctx.storage.teams.find(text)
        if team is None:
            await reply(update, t(lang, "recall.team_unknown", name=text[:64]))
            return
        await _ask_member(update, ctx, actor, team)
    elif state.step == "reason":
        reason = clean_reason(text)
        if reason is None:
            await reply(update, t(lang, "recall.reason_invalid"))
            return
        await _confirm(update, ctx, actor, {**state.data, "reason": reason})
    else:
        await reply(update, t(lang, "button.stale"))


async def on_button(update: Update, context: Context) -> None:
    opened = await open_wizard_button(update, context, "recall", FLOW)
    if opened is None:
        return
    ctx, actor, query, state = opened
    parts = (query.data or "").split(":")
    await answer_query(query)
    await edit_pressed(query, None)
    kind = parts[1] if len(parts) > 1 else ""
    value = parts[2] if len(parts) > 2 else ""
    picked = parse_id(value)
    if kind == "t" and state.step == "team" and picked is not None:
        team = await ctx.storage.teams.get(picked)
        if team is None:
            await reply(update, t(actor.language, "button.stale"))
            return
        await _ask_member(update, ctx, actor, team)
    elif kind == "m" and state.step == "member" and picked is not None:
        await _ask_reason(update, ctx, actor, {**state.data, "member": picked})
    elif kind == "no":
        await ctx.storage.flows.clear(actor.user_id)
        await reply(update, t(actor.language, "cancelled"))
    elif kind == "ok" and state.step == "confirm":
        await _recall(update, context, ctx, actor, state.data)
        # Ended only once recalled: a crash before this recalls again (which changes nothing).
        await end_flow(update, ctx, actor)
    else:
        await reply(update, t(actor.language, "button.stale"))


async def _recall(
    update: Update, context: Context, ctx: AppContext, actor: Actor, data: dict
) -> None:
    lang = actor.language
    team, name, _unit = await _names(ctx, data)
    if team is None:
        await reply(update, t(lang, "button.stale"))
        return
    try:
        recall = await recall_member(
            ctx,
            member_id=int(data["member"]),
            team=team,
            reason=str(data["reason"]),
            actor_id=actor.user_id,
        )
    except RecallProblem:
        await reply(update, t(lang, "recall.not_active", name=name, team=team.name))
        return
    told = await tell_recalled(ctx, context.bot, recall)
    await reply(
        update,
        t(
            lang,
            "recall.done",
            name=name,
            team=team.name,
            unit=recall.unit or "-",
            told="" if told else t(lang, "recall.not_told"),
        ),
    )
