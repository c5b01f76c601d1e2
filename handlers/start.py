"""/start with or without an invite code, the join questions, /help, /cancel, /language.

What a link means and each step of the join are bot/flows/join.py's; here they are said."""

from __future__ import annotations

from telegram import CallbackQuery, Update

from bot.access import Actor
from bot.context import AppContext
from bot.flows import join
from bot.flows.current import leave_flow
from bot.flows.join import JoinAnswer, JoinStep, Placement
from bot.i18n import LANGUAGES, t
from bot.rules.joining import JoinOutcome, current_role
from bot.services.joining import ask_admins, ask_role_change, check_invite
from bot.services.notices import expectations, tell_supervisors_of_move
from bot.services.people import choose_language
from handlers.common import (
    TEXT_MAX,
    Context,
    actor_of,
    answer_query,
    clean_text,
    edit_pressed,
    inline_rows,
    is_private,
    menu_for,
    menu_text,
    not_a_member_text,
    reply,
)
from storage.models import FlowState, Invite, Team

LANGUAGE_NAMES = {"en": "English", "zh": "简体中文"}


async def show_menu(update: Update, actor: Actor) -> None:
    if actor.known:
        await reply(update, menu_text(actor), reply_markup=menu_for(actor))
    else:
        # A recalled member's old keyboard goes with the answer.
        await reply(update, not_a_member_text(actor), reply_markup=menu_for(actor))


async def cmd_start(update: Update, context: Context) -> None:
    if not is_private(update):
        return
    ctx, actor = await actor_of(update, context)
    code = context.args[0] if context.args else ""
    if not code:
        await show_menu(update, actor)
        return
    await begin_join(update, ctx, actor, code)


async def begin_join(update: Update, ctx: AppContext, actor: Actor, code: str) -> None:
    placed = await join.placement(ctx, actor, code)
    if placed.outcome is None:
        await reply(update, t(actor.language, f"join.{placed.check.problem}"))
    elif placed.outcome is not JoinOutcome.NEW:
        await already_placed(update, ctx, actor, placed)
    elif placed.moving_from:
        await ask_to_move(update, actor, code, placed)
    else:
        await ask_name(update, ctx, actor, code, placed)


async def ask_to_move(update: Update, actor: Actor, code: str, placed: Placement) -> None:
    """A member stationed elsewhere is never moved silently."""
    lang, team = actor.language, placed.check.team
    assert team is not None
    rows = [
        [(t(lang, "join.move_yes", team=team.name), f"join:{code}")],
        [(t(lang, "join.move_no"), "join:-")],
    ]
    text = t(lang, "join.move_ask", current=placed.moving_from, team=team.name)
    await reply(update, text, reply_markup=inline_rows(rows))


async def already_placed(update: Update, ctx: AppContext, actor: Actor, placed: Placement) -> None:
    """Someone already in the team keeps their place: a role change is asked of the admins,
    anything else is said."""
    invite, team = placed.check.invite, placed.check.team
    assert invite is not None and team is not None and placed.outcome is not None
    if placed.outcome is JoinOutcome.ROLE_CHANGE:
        await ask_for_role_change(update, ctx, actor, invite, team)
    else:
        await reply(update, kept_place_text(actor, placed.outcome, team, invite.role))


def kept_place_text(actor: Actor, outcome: JoinOutcome, team: Team, role: str) -> str:
    """Why a link changed nothing for someone already in its team."""
    lang = actor.language
    if outcome is JoinOutcome.RECALLED:
        return t(lang, "join.still_recalled", team=team.name)
    return t(lang, "join.already", team=team.name, role=t(lang, f"role.{role}"))


async def ask_for_role_change(
    update: Update, ctx: AppContext, actor: Actor, invite: Invite, team: Team
) -> None:
    asked = await ask_role_change(ctx, actor, invite)
    if asked is None:
        await reply(update, t(actor.language, "join.used_up"))
        return
    change, new = asked
    if new:
        user = update.effective_user
        who = (actor.person.name if actor.person else None) or (user.full_name if user else "?")
        await ask_admins(ctx, update.get_bot(), change, who, team)
    current = current_role(actor.memberships, team.id) or change.from_role
    await reply(update, role_change_asked_text(actor.language, current, team, invite.role))


def role_change_asked_text(lang: str, current: str, team: Team, role: str) -> str:
    current_name, role_name = t(lang, f"role.{current}"), t(lang, f"role.{role}")
    return t(lang, "join.role_change_asked", current=current_name, team=team.name, role=role_name)


async def ask_name(
    update: Update, ctx: AppContext, actor: Actor, code: str, placed: Placement
) -> None:
    invite, team = placed.check.invite, placed.check.team
    assert invite is not None and team is not None
    await join.begin(ctx, actor, update.update_id, code)
    role_name = t(actor.language, f"role.{invite.role}")
    await reply(update, t(actor.language, "join.ask_name", team=team.name, role=role_name))


async def on_join_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    ctx, actor = await actor_of(update, context)
    code = (query.data or "").removeprefix("join:")
    await answer_query(query)
    if code == "-":
        current = actor.member_of()
        await edit_pressed(
            query, t(actor.language, "join.stayed", team=current.team_name if current else "—")
        )
        return
    # The button only points at a code: it is checked again as if typed.
    await join_confirmed(update, query, ctx, actor, await join.placement(ctx, actor, code), code)


async def join_confirmed(
    update: Update,
    query: CallbackQuery,
    ctx: AppContext,
    actor: Actor,
    placed: Placement,
    code: str,
) -> None:
    """The member said yes to moving: the link as it is now, without asking again."""
    invite, team = placed.check.invite, placed.check.team
    if placed.outcome is None or invite is None or team is None:
        await edit_pressed(query, t(actor.language, f"join.{placed.check.problem}"))
        return
    if placed.outcome not in (JoinOutcome.NEW, JoinOutcome.ROLE_CHANGE):
        await edit_pressed(query, kept_place_text(actor, placed.outcome, team, invite.role))
        return
    await edit_pressed(query, None)
    if placed.outcome is JoinOutcome.NEW:
        await ask_name(update, ctx, actor, code, placed)
    else:
        await already_placed(update, ctx, actor, placed)


async def ask_join_question(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
) -> None:
    """The join's current question asked again (for an update that already answered it)."""
    if state.step != "name":
        await reply(update, t(actor.language, "join.ask_unit"))
        return
    check = await check_invite(ctx, state.data.get("code", ""))
    if check.team is None or check.invite is None:
        await reply(update, t(actor.language, f"join.{check.problem}"))
        return
    role = t(actor.language, f"role.{check.invite.role}")
    await reply(update, t(actor.language, "join.ask_name", team=check.team.name, role=role))


async def on_join_text(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
) -> None:
    message, user = update.effective_message, update.effective_user
    value = clean_text(message.text if message else None, TEXT_MAX)
    if value is None:
        await reply(update, t(actor.language, "join.text_invalid", max=TEXT_MAX))
        return
    username = user.username if user else None
    answered = await join.answer(ctx, actor, state, value, update.update_id, username)
    if answered.step is JoinStep.ASK_UNIT:
        await reply(update, t(actor.language, "join.ask_unit"))
    elif answered.step is JoinStep.PROBLEM:
        await reply(update, t(actor.language, f"join.{answered.problem}"))
    elif answered.step is JoinStep.PLACED:
        # Their place changed while they typed (a recall, another link): kept as it is.
        assert answered.placement is not None
        await already_placed(update, ctx, actor, answered.placement)
    else:
        await welcome(update, context, ctx, actor, answered)


async def welcome(
    update: Update, context: Context, ctx: AppContext, actor: Actor, answered: JoinAnswer
) -> None:
    """Joined: what is expected of a member, or what a supervisor's keyboard is for."""
    assert answered.placement is not None and answered.joined is not None
    check, joined, lang = answered.placement.check, answered.joined, actor.language
    assert check.team is not None and check.invite is not None
    role = check.invite.role
    text = t(lang, "join.done", team=check.team.name, role=t(lang, f"role.{role}"))
    text += "\n\n" + (expectations(lang, check.team) if role == "member" else menu_text(joined))
    await reply(update, text, reply_markup=menu_for(joined))
    if answered.moved_from is not None:
        await tell_supervisors_of_move(
            ctx, context.bot, answered.moved_from, actor.user_id, check.team
        )


async def cmd_help(update: Update, context: Context) -> None:
    _ctx, actor = await actor_of(update, context)
    if not actor.known:
        await reply(update, not_a_member_text(actor))
        return
    lang = actor.language
    parts = [t(lang, "help.member")] if actor.can_act_as_member else [""]
    parts += [t(lang, "help.supervisor")] if actor.supervised_team_ids() else []
    parts += [t(lang, "help.admin")] if actor.is_admin else []
    text = "\n\n".join(parts).strip()
    await reply(update, text, reply_markup=menu_for(actor) if is_private(update) else None)


async def cmd_cancel(update: Update, context: Context) -> None:
    ctx, actor = await actor_of(update, context)
    key = "cancelled" if await leave_flow(ctx, actor.user_id) else "nothing_to_cancel"
    markup = menu_for(actor) if actor.known and is_private(update) else None
    await reply(update, t(actor.language, key), reply_markup=markup)


async def cmd_language(update: Update, context: Context) -> None:
    _ctx, actor = await actor_of(update, context)
    rows = [[(LANGUAGE_NAMES[lang], f"lang:{lang}")] for lang in LANGUAGES]
    await reply(update, t(actor.language, "language.choose"), reply_markup=inline_rows(rows))


async def on_language_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    ctx, actor = await actor_of(update, context)
    lang = (query.data or "").removeprefix("lang:")
    if lang not in LANGUAGES:
        await answer_query(query, t(actor.language, "button.stale"))
        return
    shown = await choose_language(ctx, actor, lang)
    # Said in the pressed message, or (when it is too old to edit) in the button's toast.
    edited = await edit_pressed(query, t(lang, "language.set"))
    await answer_query(query, None if edited else t(lang, "language.set"))
    if actor.known and is_private(update):
        await reply(update, menu_text(shown), reply_markup=menu_for(shown))


async def menu_help(update: Update, context: Context, ctx: AppContext, actor: Actor) -> None:
    await cmd_help(update, context)


async def menu_language(update: Update, context: Context, ctx: AppContext, actor: Actor) -> None:
    await cmd_language(update, context)


async def on_unknown_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    _ctx, actor = await actor_of(update, context)
    await answer_query(query, t(actor.language, "button.stale"))
