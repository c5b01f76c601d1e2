"""/newteam: an admin creates a team in chat, the site best given by sharing a location.

The wizard's steps and checks are bot/flows/newteam.py; here each update is read, handed to
it, and its question or problem shown.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.access import Actor
from bot.context import AppContext
from bot.flows import newteam as flow
from bot.flows import progress
from bot.flows.newteam import Problem, Question
from bot.i18n import t
from bot.jobs import reschedule_team
from bot.services.teams import invite_link
from handlers.common import (
    Context,
    actor_of,
    answer_query,
    edit_pressed,
    is_private,
    reply,
)
from handlers.flows import admin_text_step, answered_before_step
from handlers.pressed import pressed
from storage.models import FlowState

# The flow bot/app.py routes to this module.
FLOW = flow.FLOW


def _default_button(lang: str, value: object) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t(lang, "button.default", value=value), callback_data="nt:default")]]
    )


def _confirm_buttons(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t(lang, "button.confirm"), callback_data="nt:confirm"),
                InlineKeyboardButton(t(lang, "button.cancel"), callback_data="nt:cancel"),
            ]
        ]
    )


async def show(update: Update, actor: Actor, outcome: Question | Problem) -> None:
    """The next question (with its default, or the confirmation's buttons), or the problem."""
    lang = actor.language
    markup: InlineKeyboardMarkup | None = None
    if isinstance(outcome, Question) and outcome.step == "confirm":
        markup = _confirm_buttons(lang)
    elif isinstance(outcome, Question) and outcome.default is not None:
        markup = _default_button(lang, outcome.default)
    await reply(update, t(lang, outcome.key, **outcome.values), reply_markup=markup)


async def cmd_newteam(update: Update, context: Context) -> None:
    ctx, actor = await actor_of(update, context)
    if not actor.is_admin:
        await reply(update, t(actor.language, "not_allowed"))
    elif not is_private(update):
        await reply(update, t(actor.language, "private_only"))
    else:
        await show(update, actor, await flow.start(ctx, actor, update.update_id))


async def ask_question(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
) -> None:
    """The wizard's current question asked again (for an update that already answered it)."""
    await show(update, actor, flow.current_question(ctx, state))


async def on_location(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
) -> None:
    message = update.effective_message
    if not actor.is_admin or message is None or message.location is None:
        return
    loc = message.location
    outcome = await flow.shared_site(
        ctx, actor, state, loc.latitude, loc.longitude, update.update_id
    )
    await show(update, actor, outcome)


async def on_button(update: Update, context: Context) -> None:
    press = await pressed(update, context)
    ctx, actor, query = press.ctx, press.actor, press.query
    if await answered_before_step(
        update, context, ctx, actor, await progress.current(ctx, actor.user_id)
    ):
        await answer_query(query)
        return
    state = await flow.for_admin(ctx, actor)
    if state is None or not is_private(update):
        await answer_query(query, t(actor.language, "button.stale"))
        return
    await answer_query(query)
    await edit_pressed(query, None)
    action = press.part(1)
    if action == "default" and state.step in flow.DEFAULT_STEPS:
        await show(update, actor, await flow.answer(ctx, actor, state, None, update.update_id))
    elif action == "cancel":
        await progress.drop(ctx, actor.user_id)
        await reply(update, t(actor.language, "cancelled"))
    elif action == "confirm" and state.step == "confirm":
        await _create(update, context, ctx, actor, state)


async def _create(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
) -> None:
    created = await flow.create(ctx, actor, state, update.update_id)
    if isinstance(created, Problem):
        await show(update, actor, created)
        return
    await reschedule_team(context.application, created.team.id)
    username = context.bot.username
    await reply(
        update,
        t(
            actor.language,
            "newteam.created",
            name=created.team.name,
            days=ctx.settings.invite_days,
            member_link=invite_link(username, created.member_invite.code),
            supervisor_link=invite_link(username, created.supervisor_invite.code),
        ),
    )


async def cmd_teams(update: Update, context: Context) -> None:
    ctx, actor = await actor_of(update, context)
    if not actor.is_admin:
        await reply(update, t(actor.language, "not_allowed"))
        return
    lines = [
        t(
            actor.language,
            "teams.line",
            name=line.team.name,
            members=line.members,
            supervisors=line.supervisors,
            tz=line.team.timezone,
        )
        for line in await flow.overview(ctx)
    ]
    await reply(update, "\n".join(lines) or t(actor.language, "teams.none"))


on_text = admin_text_step(flow.answer, show)
