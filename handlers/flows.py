"""Routing of free text and shared locations to the multi-step flow a person is in.

Flow state lives in storage (survives restarts). Each flow module registers a step handler
for its flow name; plain text outside any flow falls back to the menu buttons.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.access import Actor
from bot.context import AppContext
from bot.i18n import t
from handlers.common import Context, menu_for, not_a_member_text, reply
from storage.models import FlowState

StepHandler = Callable[[Update, Context, AppContext, Actor, FlowState], Awaitable[None]]
MenuHandler = Callable[[Update, Context, AppContext, Actor], Awaitable[None]]

TEXT_STEPS: dict[str, StepHandler] = {}
LOCATION_STEPS: dict[str, StepHandler] = {}
# Reply-keyboard labels (any language) -> handler; filled by the flow modules.
MENU_BUTTONS: dict[str, MenuHandler] = {}
# What to do with text that is in no flow and no button (a later flow may claim it).
FALLBACK_TEXT: list[MenuHandler] = []


def text_step(flow: str) -> Callable[[StepHandler], StepHandler]:
    def register(fn: StepHandler) -> StepHandler:
        TEXT_STEPS[flow] = fn
        return fn

    return register


def location_step(flow: str) -> Callable[[StepHandler], StepHandler]:
    def register(fn: StepHandler) -> StepHandler:
        LOCATION_STEPS[flow] = fn
        return fn

    return register


async def route_text(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState | None
) -> None:
    message = update.effective_message
    text = (message.text or "").strip() if message else ""
    if state is not None and state.flow in TEXT_STEPS:
        await TEXT_STEPS[state.flow](update, context, ctx, actor, state)
        return
    if not actor.known:
        await reply(update, not_a_member_text(actor))
        return
    if text in MENU_BUTTONS:
        await MENU_BUTTONS[text](update, context, ctx, actor)
        return
    for fallback in FALLBACK_TEXT:
        await fallback(update, context, ctx, actor)
        return
    await reply(update, t(actor.language, "unknown_text"), reply_markup=menu_for(actor))
