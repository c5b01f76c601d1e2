"""/export: an admin picks a period, a team (or all) and a format; the files come back as
documents. Anyone else is refused, and the attempt is audited."""

from __future__ import annotations

import asyncio
import re
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.constants import ChatAction

from bot.access import Actor
from bot.context import AppContext
from bot.exporting import DATASETS, EXPORTABLE_DAYS, FORMATS, ExportError, ExportRequest
from bot.i18n import t
from bot.rules.team_hours import local_day
from bot.services import export as export_service
from bot.services.export import for_telegram, month_range, run_export
from handlers.common import (
    Context,
    answer_query,
    edit_pressed,
    inline_rows,
    open_admin_command,
    parse_id,
    reply,
)
from handlers.flows import admin_answer, end_flow, move_flow, open_wizard_button
from storage.exports import ExportFilter
from storage.models import FlowState

FLOW = "export"
MAX_TEAM_BUTTONS = 24
_DATE = r"(\d{4}-\d{2}-\d{2})"
_RANGE = re.compile(rf"^\s*{_DATE}\s*(?:\.\.|–|—|-|to|至|~|\s)\s*{_DATE}\s*$")


async def cmd_export(update: Update, context: Context) -> None:
    opened = await open_admin_command(update, context, "export")
    if opened is None:
        return
    ctx, actor = opened
    await move_flow(update, ctx, actor, FLOW, "range", {})
    await _ask_range(update, actor)


async def ask_question(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
) -> None:
    """The wizard's current question asked again (for an update that already answered it)."""
    if state.step == "range":
        await _ask_range(update, actor)
    elif state.step == "typed":
        await reply(update, t(actor.language, "export.ask_typed_range"))
    elif state.step == "team":
        await _show_teams(update, ctx, actor, state.data)
    else:
        await _show_formats(update, ctx, actor, state.data)


async def _ask_range(update: Update, actor: Actor) -> None:
    lang = actor.language
    await reply(
        update,
        t(lang, "export.ask_range"),
        reply_markup=inline_rows(
            [
                [
                    (t(lang, "export.this_month"), "ex:r:this"),
                    (t(lang, "export.last_month"), "ex:r:last"),
                ],
                [(t(lang, "export.typed_range"), "ex:r:typed")],
            ]
        ),
    )


def parse_range(text: str) -> tuple[date, date] | None:
    match = _RANGE.match(text or "")
    if not match:
        return None
    try:
        first, last = date.fromisoformat(match[1]), date.fromisoformat(match[2])
    except ValueError:
        return None
    low, high = EXPORTABLE_DAYS
    return (first, last) if low <= first <= last <= high else None


async def _ask_team(update: Update, ctx: AppContext, actor: Actor, first: date, last: date) -> None:
    data = {"first": first.isoformat(), "last": last.isoformat()}
    await move_flow(update, ctx, actor, FLOW, "team", data)
    await _show_teams(update, ctx, actor, data)


async def _show_teams(update: Update, ctx: AppContext, actor: Actor, data: dict[str, Any]) -> None:
    lang = actor.language
    teams = (await ctx.storage.teams.all())[:MAX_TEAM_BUTTONS]
    rows = [[(t(lang, "export.all_teams"), "ex:t:all")]]
    pairs = [(team.name[:40], f"ex:t:{team.id}") for team in teams]
    rows += [pairs[i : i + 2] for i in range(0, len(pairs), 2)]
    await reply(
        update,
        t(lang, "export.ask_team", first=data["first"], last=data["last"]),
        reply_markup=inline_rows(rows),
    )


async def _ask_format(
    update: Update, ctx: AppContext, actor: Actor, state: FlowState, team_id: int | None
) -> None:
    data = {**state.data, "team": team_id}
    await move_flow(update, ctx, actor, FLOW, "format", data)
    await _show_formats(update, ctx, actor, data)


async def _show_formats(
    update: Update, ctx: AppContext, actor: Actor, data: dict[str, Any]
) -> None:
    lang = actor.language
    team_id = data.get("team")
    team_name = await _team_label(ctx, lang, team_id)
    await reply(
        update,
        t(lang, "export.ask_format", first=data["first"], last=data["last"], team=team_name),
        reply_markup=inline_rows([[(fmt.upper(), f"ex:f:{fmt}") for fmt in FORMATS]]),
    )


async def _team_label(ctx: AppContext, lang: str, team_id: int | None) -> str:
    team = await ctx.storage.teams.get(team_id) if team_id is not None else None
    return team.name if team else t(lang, "export.all_teams")


async def on_text(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
) -> None:
    text = await admin_answer(update, ctx, actor)
    if text is None:
        return
    lang = actor.language
    if state.step in ("range", "typed"):
        parsed = parse_range(text)
        if parsed is None:
            await reply(update, t(lang, "export.range_invalid"))
            return
        await _ask_team(update, ctx, actor, *parsed)
    elif state.step == "team":
        team = await ctx.storage.teams.find(text)
        if team is None:
            await reply(update, t(lang, "export.team_unknown", name=text[:64]))
            return
        await _ask_format(update, ctx, actor, state, team.id)
    else:
        await reply(update, t(lang, "button.stale"))


async def on_button(update: Update, context: Context) -> None:
    opened = await open_wizard_button(update, context, "export", FLOW)
    if opened is None:
        return
    ctx, actor, query, state = opened
    parts = (query.data or "").split(":")
    if len(parts) != 3:
        await answer_query(query, t(actor.language, "button.stale"))
        return
    _, kind, value = parts
    await answer_query(query)
    await edit_pressed(query, None)
    if kind == "r" and state.step == "range":
        if value == "typed":
            await move_flow(update, ctx, actor, FLOW, "typed", {})
            await reply(update, t(actor.language, "export.ask_typed_range"))
            return
        today = local_day(ctx.clock.now(), ctx.settings.timezone)
        await _ask_team(update, ctx, actor, *month_range(today, 1 if value == "last" else 0))
    elif kind == "t" and state.step == "team":
        team_id = None if value == "all" else parse_id(value) or -1
        if team_id is not None and await ctx.storage.teams.get(team_id) is None:
            await reply(update, t(actor.language, "button.stale"))
            return
        await _ask_format(update, ctx, actor, state, team_id)
    elif kind == "f" and state.step == "format" and value in FORMATS:
        await _run(update, context, ctx, actor, state, value)
        # Ended only once the files went out: a crash mid-export runs it again.
        await end_flow(update, ctx, actor)
    else:
        await reply(update, t(actor.language, "button.stale"))


async def _run(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState, fmt: str
) -> None:
    lang = actor.language
    chat = update.effective_chat
    assert chat is not None
    first = date.fromisoformat(state.data["first"])
    last = date.fromisoformat(state.data["last"])
    team_id = state.data.get("team")
    team = await ctx.storage.teams.get(team_id) if team_id is not None else None
    request = ExportRequest(
        datasets=tuple(DATASETS),
        fmt=fmt,
        flt=ExportFilter(
            first_day=first,
            last_day=last,
            default_timezone=ctx.settings.timezone,
            now=ctx.clock.now(),
            team_id=team.id if team else None,
            bounds_timezone=team.timezone if team else None,
        ),
    )
    await reply(update, t(lang, "export.working"))
    await context.bot.send_chat_action(chat.id, ChatAction.UPLOAD_DOCUMENT)
    label = team.name if team else t(lang, "export.all_teams")
    with tempfile.TemporaryDirectory(prefix="outpost-export-") as tmp:
        try:
            result = await run_export(ctx, request, Path(tmp), actor_id=actor.user_id)
        except ExportError as exc:
            await reply(update, t(lang, "export.failed", error=str(exc)))
            return
        limit = export_service.UPLOAD_LIMIT
        uploads = for_telegram(result.path, limit)
        for upload in uploads:
            # PTB reads the whole file for the upload; it is at most UPLOAD_LIMIT bytes.
            data = await asyncio.to_thread(upload.path.read_bytes)
            await context.bot.send_document(chat.id, document=data, filename=upload.path.name)
        mb = max(1, limit // 1_000_000)
        if len(uploads) > 1:
            await reply(update, t(lang, "export.split_note", limit=mb, parts=len(uploads)))
        elif uploads[0].path != result.path:
            await reply(update, t(lang, "export.zipped_note", limit=mb))
    counts = ", ".join(f"{name} {n}" for name, n in result.rows.items())
    await reply(
        update,
        t(
            lang,
            "export.done",
            first=first.isoformat(),
            last=last.isoformat(),
            team=label,
            rows=result.total_rows,
            counts=counts,
        ),
    )
