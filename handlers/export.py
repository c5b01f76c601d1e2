"""/export: an admin picks a period, a team (or all) and a format; the files come back as
documents. Anyone else is refused, and the attempt is audited.

The wizard is bot/flows/export.py; here its questions are shown and the files sent.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from telegram import Update
from telegram.constants import ChatAction

from bot.access import Actor
from bot.context import AppContext
from bot.exporting import FORMATS, ExportError, ExportResult
from bot.flows import export as flow
from bot.flows.export import Problem, Question, Ready
from bot.i18n import t
from bot.services import export as export_service
from bot.services.export import for_telegram, run_export
from handlers.common import (
    Context,
    inline_rows,
    open_admin_command,
    reply,
)
from handlers.flows import admin_text_step, end_flow, wizard_press
from storage.models import FlowState

# The flow bot/app.py routes to this module.
FLOW = flow.FLOW


async def cmd_export(update: Update, context: Context) -> None:
    opened = await open_admin_command(update, context, "export")
    if opened is not None:
        ctx, actor = opened
        await show(update, actor, await flow.start(ctx, actor, update.update_id))


async def ask_question(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
) -> None:
    """The wizard's current question asked again (for an update that already answered it)."""
    await show(update, actor, await flow.current_question(ctx, state))


async def show(update: Update, actor: Actor, outcome: Question | Problem) -> None:
    lang = actor.language
    if isinstance(outcome, Problem):
        await reply(update, t(lang, outcome.key, **outcome.values))
    elif outcome.step == "range":
        await _ask_range(update, lang)
    elif outcome.step == "typed":
        await reply(update, t(lang, "export.ask_typed_range"))
    elif outcome.step == "team":
        await _ask_team(update, lang, outcome)
    else:
        await _ask_format(update, lang, outcome)


async def _ask_range(update: Update, lang: str) -> None:
    rows = [
        [(t(lang, "export.this_month"), "ex:r:this"), (t(lang, "export.last_month"), "ex:r:last")],
        [(t(lang, "export.typed_range"), "ex:r:typed")],
    ]
    await reply(update, t(lang, "export.ask_range"), reply_markup=inline_rows(rows))


async def _ask_team(update: Update, lang: str, q: Question) -> None:
    rows = [[(t(lang, "export.all_teams"), "ex:t:all")]]
    pairs = [(team.name[:40], f"ex:t:{team.id}") for team in q.teams]
    rows += [pairs[i : i + 2] for i in range(0, len(pairs), 2)]
    text = t(lang, "export.ask_team", first=q.state.first, last=q.state.last)
    await reply(update, text, reply_markup=inline_rows(rows))


async def _ask_format(update: Update, lang: str, q: Question) -> None:
    team = q.team.name if q.team else t(lang, "export.all_teams")
    text = t(lang, "export.ask_format", first=q.state.first, last=q.state.last, team=team)
    rows = [[(fmt.upper(), f"ex:f:{fmt}") for fmt in FORMATS]]
    await reply(update, text, reply_markup=inline_rows(rows))


async def on_button(update: Update, context: Context) -> None:
    press = await wizard_press(update, context, "export", FLOW)
    if press is None:
        return
    ctx, actor = press.ctx, press.actor
    outcome = await flow.press(ctx, actor, press.state, press.kind, press.value, update.update_id)
    if not isinstance(outcome, Ready):
        await show(update, actor, outcome)
        return
    await _run(update, context, ctx, actor, outcome)
    # Ended only once the files went out: a crash mid-export runs it again.
    await end_flow(update, ctx, actor)


async def _run(
    update: Update, context: Context, ctx: AppContext, actor: Actor, ready: Ready
) -> None:
    lang = actor.language
    chat = update.effective_chat
    assert chat is not None
    await reply(update, t(lang, "export.working"))
    await context.bot.send_chat_action(chat.id, ChatAction.UPLOAD_DOCUMENT)
    with tempfile.TemporaryDirectory(prefix="outpost-export-") as tmp:
        try:
            result = await run_export(ctx, ready.request, Path(tmp), actor_id=actor.user_id)
        except ExportError as exc:
            await reply(update, t(lang, "export.failed", error=str(exc)))
            return
        await _upload(update, context, chat.id, lang, result)
    await reply(update, _done_text(lang, ready, result))


async def _upload(
    update: Update, context: Context, chat_id: int, lang: str, result: ExportResult
) -> None:
    limit = export_service.UPLOAD_LIMIT
    uploads = for_telegram(result.path, limit)
    for upload in uploads:
        # PTB reads the whole file for the upload; it is at most UPLOAD_LIMIT bytes.
        data = await asyncio.to_thread(upload.path.read_bytes)
        await context.bot.send_document(chat_id, document=data, filename=upload.path.name)
    mb = max(1, limit // 1_000_000)
    if len(uploads) > 1:
        await reply(update, t(lang, "export.split_note", limit=mb, parts=len(uploads)))
    elif uploads[0].path != result.path:
        await reply(update, t(lang, "export.zipped_note", limit=mb))


def _done_text(lang: str, ready: Ready, result: ExportResult) -> str:
    f = ready.request.flt
    return t(
        lang,
        "export.done",
        first=f.first_day.isoformat(),
        last=f.last_day.isoformat(),
        team=ready.team.name if ready.team else t(lang, "export.all_teams"),
        rows=result.total_rows,
        counts=", ".join(f"{name} {n}" for name, n in result.rows.items()),
    )


on_text = admin_text_step(flow.answer_text, show)
