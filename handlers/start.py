"""/start with or without an invite code, the join questions, /help, /cancel, /language."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.access import Actor, load_actor
from bot.context import AppContext
from bot.i18n import LANGUAGES, t
from bot.rules.joining import JoinOutcome, current_role, join_outcome
from bot.services.joining import (
    InviteProblem,
    ask_admins,
    ask_role_change,
    check_invite,
    complete_join,
    conflicting_team,
)
from bot.services.notices import expectations, tell_supervisors_of_move
from handlers.common import (
    Context,
    actor_of,
    answer_query,
    clean_text,
    edit_pressed,
    is_private,
    menu_for,
    menu_text,
    not_a_member_text,
    reply,
)
from handlers.flows import end_flow, move_flow
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
    lang = actor.language
    check = await check_invite(ctx, code)
    if check.problem or check.invite is None or check.team is None:
        await reply(update, t(lang, f"join.{check.problem}"))
        return
    outcome = join_outcome(actor.memberships, check.team.id, check.invite.role)
    if await already_placed(update, ctx, actor, outcome, check.invite, check.team):
        return
    current = conflicting_team(actor, check.invite)
    if current:
        buttons = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        t(lang, "join.move_yes", team=check.team.name), callback_data=f"join:{code}"
                    )
                ],
                [InlineKeyboardButton(t(lang, "join.move_no"), callback_data="join:-")],
            ]
        )
        await reply(
            update,
            t(lang, "join.move_ask", current=current, team=check.team.name),
            reply_markup=buttons,
        )
        return
    await ask_name(update, ctx, actor, code, check.team.name, check.invite.role)


async def already_placed(
    update: Update,
    ctx: AppContext,
    actor: Actor,
    outcome: JoinOutcome,
    invite: Invite,
    team: Team,
) -> bool:
    """Someone already in the team keeps their place: a role change is asked of the admins,
    anything else is said. False for a person new to the team."""
    if outcome is JoinOutcome.ROLE_CHANGE:
        await ask_for_role_change(update, ctx, actor, invite, team)
        return True
    if outcome is not JoinOutcome.NEW:
        await reply(update, kept_place_text(actor, outcome, team, invite.role))
        return True
    return False


def kept_place_text(actor: Actor, outcome: JoinOutcome, team: Team, role: str) -> str:
    """Why a link changed nothing for someone already in its team."""
    lang = actor.language
    if outcome is JoinOutcome.RECALLED:
        return t(lang, "join.still_recalled", team=team.name)
    return t(lang, "join.already", team=team.name, role=t(lang, f"role.{role}"))


async def ask_for_role_change(
    update: Update, ctx: AppContext, actor: Actor, invite: Invite, team: Team
) -> None:
    lang = actor.language
    asked = await ask_role_change(ctx, actor, invite)
    if asked is None:
        await reply(update, t(lang, "join.used_up"))
        return
    change, new = asked
    if new:
        user = update.effective_user
        who = (actor.person.name if actor.person else None) or (user.full_name if user else "?")
        await ask_admins(ctx, update.get_bot(), change, who, team)
    current = current_role(actor.memberships, team.id) or change.from_role
    await reply(
        update,
        t(
            lang,
            "join.role_change_asked",
            current=t(lang, f"role.{current}"),
            team=team.name,
            role=t(lang, f"role.{invite.role}"),
        ),
    )


async def ask_name(
    update: Update, ctx: AppContext, actor: Actor, code: str, team: str, role: str
) -> None:
    await ctx.storage.people.ensure(actor.user_id, now=ctx.now_ts())
    await move_flow(update, ctx, actor, "join", "name", {"code": code})
    role_name = t(actor.language, f"role.{role}")
    await reply(update, t(actor.language, "join.ask_name", team=team, role=role_name))


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
    check = await check_invite(ctx, code)
    if check.problem or check.team is None or check.invite is None:
        await edit_pressed(query, t(actor.language, f"join.{check.problem}"))
        return
    outcome = join_outcome(actor.memberships, check.team.id, check.invite.role)
    if outcome is JoinOutcome.ROLE_CHANGE:
        await edit_pressed(query, None)
        await ask_for_role_change(update, ctx, actor, check.invite, check.team)
        return
    if outcome is not JoinOutcome.NEW:
        await edit_pressed(query, kept_place_text(actor, outcome, check.team, check.invite.role))
        return
    await edit_pressed(query, None)
    await ask_name(update, ctx, actor, code, check.team.name, check.invite.role)


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
    lang = actor.language
    message = update.effective_message
    value = clean_text(message.text if message else None)
    if value is None:
        await reply(update, t(lang, "join.text_invalid", max=200))
        return
    if state.step == "name":
        data = {**state.data, "name": value}
        await move_flow(update, ctx, actor, "join", "unit", data)
        await reply(update, t(lang, "join.ask_unit"))
        return
    check = await check_invite(ctx, state.data.get("code", ""))
    if check.problem or check.invite is None or check.team is None:
        await end_flow(update, ctx, actor)
        await reply(update, t(lang, f"join.{check.problem}"))
        return
    user = update.effective_user
    left = actor.member_of() if check.invite.role == "member" else None
    outcome = await complete_join(
        ctx,
        actor.user_id,
        check.invite,
        name=state.data.get("name", value),
        unit=value,
        username=user.username if user else None,
        language=actor.language,
    )
    # Ended only once joined: a crash before this leaves the last answer to be taken again.
    await end_flow(update, ctx, actor)
    if isinstance(outcome, InviteProblem):
        await reply(update, t(lang, f"join.{outcome}"))
        return
    # Their place may have changed while they typed (a recall, another link): kept as it is.
    if await already_placed(update, ctx, actor, outcome, check.invite, check.team):
        return
    if actor.person is None or not actor.person.language:
        # Keep the Telegram language: messages others trigger (approvals, alerts) use it.
        await ctx.storage.people.set_language(actor.user_id, lang, now=ctx.now_ts())
    role = t(lang, f"role.{check.invite.role}")
    joined = await load_actor(ctx, actor.user_id, lang)
    text = t(lang, "join.done", team=check.team.name, role=role)
    if check.invite.role == "member":
        text += "\n\n" + expectations(lang, check.team)
    else:
        text += "\n\n" + menu_text(joined)  # what a supervisor's keyboard is for
    await reply(update, text, reply_markup=menu_for(joined))
    if left is not None and left.state == "active" and left.team_id != check.team.id:
        await tell_supervisors_of_move(ctx, context.bot, left, actor.user_id, check.team)


async def cmd_help(update: Update, context: Context) -> None:
    _ctx, actor = await actor_of(update, context)
    if not actor.known:
        await reply(update, not_a_member_text(actor))
        return
    text = t(actor.language, "help.member") if actor.can_act_as_member else ""
    if actor.supervised_team_ids():
        text += "\n\n" + t(actor.language, "help.supervisor")
    if actor.is_admin:
        text += "\n\n" + t(actor.language, "help.admin")
    await reply(update, text.strip(), reply_markup=menu_for(actor) if is_private(update) else None)


async def cmd_cancel(update: Update, context: Context) -> None:
    ctx, actor = await actor_of(update, context)
    state = await ctx.storage.flows.get(actor.user_id)
    await ctx.storage.flows.clear(actor.user_id)
    key = "cancelled" if state else "nothing_to_cancel"
    markup = menu_for(actor) if actor.known and is_private(update) else None
    await reply(update, t(actor.language, key), reply_markup=markup)


async def cmd_language(update: Update, context: Context) -> None:
    _ctx, actor = await actor_of(update, context)
    buttons = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(LANGUAGE_NAMES[lang], callback_data=f"lang:{lang}")]
            for lang in LANGUAGES
        ]
    )
    await reply(update, t(actor.language, "language.choose"), reply_markup=buttons)


async def on_language_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    ctx, actor = await actor_of(update, context)
    lang = (query.data or "").removeprefix("lang:")
    if lang not in LANGUAGES:
        await answer_query(query, t(actor.language, "button.stale"))
        return
    await ctx.storage.people.set_language(actor.user_id, lang, now=ctx.now_ts())
    # Said in the pressed message, or (when it is too old to edit) in the button's toast.
    edited = await edit_pressed(query, t(lang, "language.set"))
    await answer_query(query, None if edited else t(lang, "language.set"))
    if actor.known and is_private(update):
        shown = await load_actor(ctx, actor.user_id, lang)
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
