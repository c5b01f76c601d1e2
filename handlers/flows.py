"""Routing of free text, media and shared locations to the multi-step flow a person is in.

Flow state lives in storage (survives restarts). Which flow step receives what, which menu
button does what and what happens to text in no flow is one table, `Routes`, built and
commented in the composition root (`bot/app.py: routes()`) and kept in `bot_data`: no module
fills it in when it is imported, so the order of imports changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from telegram import CallbackQuery, Update

from bot.access import Actor
from bot.context import AppContext
from bot.flows import progress
from bot.flows.progress import Verdict
from bot.i18n import all_labels, t
from handlers.common import (
    Context,
    answer_query,
    edit_pressed,
    menu_for,
    not_a_member_text,
    open_admin_button,
    reply,
)
from storage.models import FlowState

StepHandler = Callable[[Update, Context, AppContext, Actor, FlowState], Awaitable[None]]
MenuHandler = Callable[[Update, Context, AppContext, Actor], Awaitable[None]]

ROUTES_KEY = "outpost.routes"


@dataclass(frozen=True)
class Routes:
    """Where each kind of input goes. Keys of `menu_buttons` are catalog keys of the reply
    keyboard's labels; every language's label of a key leads to the same handler."""

    text_steps: Mapping[str, StepHandler]
    location_steps: Mapping[str, StepHandler]
    menu_buttons: Mapping[str, MenuHandler]
    # Text in no flow that is no button (the diary keeps it and asks).
    fallback_text: MenuHandler | None
    # Flows whose text step copes with a message that has no text (it re-prompts).
    reprompt_flows: frozenset[str] = frozenset()
    # Each flow's current question asked again: the answer to an update that already
    # advanced the flow (it came again after a crash) and must not advance it twice.
    questions: Mapping[str, StepHandler] = field(default_factory=dict)
    by_label: dict[str, MenuHandler] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        labels = {
            label: handler
            for key, handler in self.menu_buttons.items()
            for label in all_labels(key)
        }
        object.__setattr__(self, "by_label", labels)

    def menu_button(self, text: str) -> MenuHandler | None:
        return self.by_label.get(text.strip())


def routes_of(context: Context) -> Routes:
    routes: Routes = context.application.bot_data[ROUTES_KEY]
    return routes


async def route_text(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState | None
) -> None:
    """A text message: the step of the person's flow, a menu button, the fallback, a hint."""
    routes = routes_of(context)
    if await route_step(update, context, ctx, actor, state):
        return
    if not actor.known:
        await reply(update, not_a_member_text(actor))
        return
    message = update.effective_message
    button = routes.menu_button(message.text or "") if message else None
    if button is not None:
        await button(update, context, ctx, actor)
        return
    if routes.fallback_text is not None:
        await routes.fallback_text(update, context, ctx, actor)
        return
    await reply(update, t(actor.language, "unknown_text"), reply_markup=menu_for(actor))


async def route_step(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState | None
) -> bool:
    """Hand a message to the text step of the person's flow; False when they are in none."""
    if await answered_before_step(update, context, ctx, actor, state):
        return True
    return await _run_step(routes_of(context).text_steps, update, context, ctx, actor, state)


async def route_location(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState | None
) -> bool:
    """Hand a location to the location step of the person's flow; False when none takes it."""
    steps = routes_of(context).location_steps
    if state is None or state.flow not in steps:
        return False
    if await answered_before_step(update, context, ctx, actor, state):
        return True
    return await _run_step(steps, update, context, ctx, actor, state)


async def _run_step(
    steps: Mapping[str, StepHandler],
    update: Update,
    context: Context,
    ctx: AppContext,
    actor: Actor,
    state: FlowState | None,
) -> bool:
    step = steps.get(state.flow) if state is not None else None
    if step is None or state is None:
        return False
    await step(update, context, ctx, actor, state)
    return True


async def answered_before_step(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState | None
) -> bool:
    """True (and answered) when this update must not reach the flow's step
    (bot/flows/progress.verdict): its state was stale and the flow ended, or this update
    already moved the flow (the current question is asked again) or ended it."""
    verdict = await progress.verdict(ctx, actor.user_id, state, update.update_id)
    if verdict is Verdict.FRESH:
        return False
    question = routes_of(context).questions.get(state.flow) if state is not None else None
    if verdict is Verdict.REPEAT and question is not None and state is not None:
        await question(update, context, ctx, actor, state)
    elif verdict is Verdict.REPEAT:
        await reply(update, t(actor.language, "flow.already_taken"))
    else:
        key = "flow.stale" if verdict is Verdict.STALE else "flow.already_taken"
        await reply(update, t(actor.language, key), reply_markup=menu_for(actor))
    return True


async def move_flow(
    update: Update, ctx: AppContext, actor: Actor, flow: str, step: str, data: dict[str, Any]
) -> None:
    """Put the person at `step` of `flow`, recording `update` as what moved them there."""
    await progress.move(ctx, actor.user_id, flow, step, data, by=update.update_id)


async def end_flow(update: Update, ctx: AppContext, actor: Actor) -> None:
    """End the person's flow, recording `update` as what ended it (bot/flows/progress.end)."""
    await progress.end(ctx, actor.user_id, by=update.update_id)


async def open_wizard_button(
    update: Update, context: Context, what: str, flow: str
) -> tuple[AppContext, Actor, CallbackQuery, FlowState] | None:
    """An admin wizard's button (handlers/common.open_admin_button), unless this press
    already moved the wizard (then its question is asked again), or the wizard is not open
    (then the button is stale): None in both cases."""
    opened = await open_admin_button(update, context, what, flow)
    if opened is None:
        return None
    ctx, actor, query, state = opened
    if await answered_before_step(update, context, ctx, actor, state):
        await answer_query(query)
        return None
    if state is None:
        await answer_query(query, t(actor.language, "button.stale"))
        return None
    return ctx, actor, query, state


async def admin_answer(update: Update, ctx: AppContext, actor: Actor) -> str | None:
    """The typed answer to an admin wizard's step, or None when the person is no longer an
    admin (their draft is dropped)."""
    if not actor.is_admin:
        await progress.drop(ctx, actor.user_id)
        return None
    message = update.effective_message
    return (message.text or "").strip() if message else ""


# An admin wizard's answer to one step: (ctx, actor, state, text, update id) -> outcome.
WizardAnswer = Callable[[AppContext, Actor, FlowState, str, int], Awaitable[Any]]
# How a wizard shows an outcome.
WizardShow = Callable[[Update, Actor, Any], Awaitable[None]]


def admin_text_step(answer: WizardAnswer, show: WizardShow) -> StepHandler:
    """The text step of an admin wizard: the typed answer goes to the flow's `answer`, its
    outcome to `show` (nothing, once the person is no longer an admin)."""

    async def step(
        update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
    ) -> None:
        text = await admin_answer(update, ctx, actor)
        if text is not None:
            await show(update, actor, await answer(ctx, actor, state, text, update.update_id))

    return step


@dataclass(frozen=True)
class WizardPress:
    ctx: AppContext
    actor: Actor
    state: FlowState
    kind: str
    value: str


async def wizard_press(
    update: Update, context: Context, what: str, flow: str
) -> WizardPress | None:
    """An admin wizard's `<prefix>:<kind>[:<value>]` press, answered and its buttons taken
    off, or None when open_wizard_button refused it; data of any other shape is stale."""
    opened = await open_wizard_button(update, context, what, flow)
    if opened is None:
        return None
    ctx, actor, query, state = opened
    parts = (query.data or "").split(":")
    if not 2 <= len(parts) <= 3:
        await answer_query(query, t(actor.language, "button.stale"))
        return None
    await answer_query(query)
    await edit_pressed(query, None)
    return WizardPress(ctx, actor, state, parts[1], parts[2] if len(parts) == 3 else "")


async def route_other(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState | None
) -> None:
    """A sticker, document… : only flows that re-prompt for it hear of it."""
    if state is not None and state.flow in routes_of(context).reprompt_flows:
        await route_step(update, context, ctx, actor, state)


async def press_menu_button(
    update: Update, context: Context, ctx: AppContext, actor: Actor, text: str
) -> bool:
    """Run the menu button `text` names, if it is one (a flow that a button ends)."""
    button = routes_of(context).menu_button(text)
    if button is None:
        return False
    await button(update, context, ctx, actor)
    return True


def is_menu_button(context: Context, text: str) -> bool:
    return routes_of(context).menu_button(text) is not None
