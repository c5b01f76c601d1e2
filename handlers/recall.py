"""/recall: an admin recalls a member with a reason (SPEC §3.8).

The wizard (team -> member -> reason -> confirm, or `/recall <user id> <reason>` straight to
the confirmation) is bot/flows/recall.py; here its questions and outcomes are shown.
"""

from __future__ import annotations

from telegram import Update

from bot.access import Actor
from bot.context import AppContext
from bot.flows import recall as flow
from bot.flows.recall import Cancelled, Problem, Question, Recalled
from bot.i18n import t
from handlers.common import (
    Context,
    inline_rows,
    open_admin_command,
    reply,
)
from handlers.flows import admin_text_step, wizard_press
from storage.models import FlowState

# The flow bot/app.py routes to this module.
FLOW = flow.FLOW

Shown = Question | Problem | Cancelled | Recalled


async def cmd_recall(update: Update, context: Context) -> None:
    opened = await open_admin_command(update, context, "recall")
    if opened is not None:
        ctx, actor = opened
        outcome = await flow.start(ctx, actor, list(context.args or []), update.update_id)
        await show(update, actor, outcome)


async def ask_question(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
) -> None:
    """The wizard's current question asked again (for an update that already answered it)."""
    await show(update, actor, await flow.current_question(ctx, state))


async def show(update: Update, actor: Actor, outcome: Shown) -> None:
    lang = actor.language
    if isinstance(outcome, Problem):
        await reply(update, t(lang, outcome.key, **outcome.values))
    elif isinstance(outcome, Cancelled):
        await reply(update, t(lang, "cancelled"))
    elif isinstance(outcome, Recalled):
        await reply(update, _recalled_text(lang, outcome))
    elif outcome.step == "team":
        pairs = [(team.name[:40], f"rc:t:{team.id}") for team in outcome.teams]
        rows = [pairs[i : i + 2] for i in range(0, len(pairs), 2)]
        await reply(update, t(lang, "recall.ask_team"), reply_markup=inline_rows(rows))
    elif outcome.step == "member":
        await _ask_member(update, lang, outcome)
    else:
        await _ask_reason_or_confirm(update, lang, outcome)


async def _ask_member(update: Update, lang: str, q: Question) -> None:
    rows = [
        [(f"{p.name or m.telegram_id} · {m.unit or '-'}"[:60], f"rc:m:{m.telegram_id}")]
        for m, p in q.members
    ]
    team = q.team.name if q.team else "?"
    await reply(update, t(lang, "recall.ask_member", team=team), reply_markup=inline_rows(rows))


async def _ask_reason_or_confirm(update: Update, lang: str, q: Question) -> None:
    assert q.names is not None
    n = q.names
    if q.step == "reason":
        text = t(lang, "recall.ask_reason", name=n.name, unit=n.unit, team=n.team_name)
        await reply(update, text)
        return
    text = t(
        lang, "recall.confirm", name=n.name, unit=n.unit, team=n.team_name, reason=q.state.reason
    )
    buttons = [[(t(lang, "button.confirm"), "rc:ok"), (t(lang, "button.cancel"), "rc:no")]]
    await reply(update, text, reply_markup=inline_rows(buttons))


def _recalled_text(lang: str, r: Recalled) -> str:
    return t(
        lang,
        "recall.done",
        name=r.names.name,
        team=r.names.team_name,
        unit=r.unit or "-",
        told="" if r.told else t(lang, "recall.not_told"),
    )


async def on_button(update: Update, context: Context) -> None:
    press = await wizard_press(update, context, "recall", FLOW)
    if press is not None:
        outcome = await flow.press(
            press.ctx,
            context.bot,
            press.actor,
            press.state,
            press.kind,
            press.value,
            update.update_id,
        )
        await show(update, press.actor, outcome)


on_text = admin_text_step(flow.answer_text, show)
