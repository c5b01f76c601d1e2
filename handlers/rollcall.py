"""/rollcall [team | member]: a spot check started by a supervisor or admin, and the
members' answers (their next live location while a roll call is open for them)."""

from __future__ import annotations

from datetime import UTC

from telegram import Update

from bot.access import Actor
from bot.context import AppContext
from bot.i18n import t
from bot.jobs import schedule_rollcall_close
from bot.rules.rollcall import Judged, RollcallAnswer
from bot.rules.team_hours import local_datetime
from bot.services.oversight import rollcall_target
from bot.services.rollcall import Started, answer_rollcall, open_target, start_rollcall
from handlers.common import Context, format_distance, open_overseer_command, reply
from handlers.locations import location_evidence
from storage.models import Team


async def cmd_rollcall(update: Update, context: Context) -> None:
    opened = await open_overseer_command(update, context, "rollcall.not_allowed")
    if opened is None:
        return
    ctx, actor, teams = opened
    arg = " ".join(context.args or []).strip()
    target = await rollcall_target(ctx, teams, arg)
    if target.team is None:
        await reply(update, t(actor.language, target.problem or "rollcall.not_found", arg=arg))
        return
    started = await start_rollcall(
        ctx,
        context.bot,
        target.team,
        now=ctx.clock.now(),
        started_by=actor.user_id,
        member_id=target.member_id,
    )
    if started.rollcall_id is not None:
        schedule_rollcall_close(context.application, started.rollcall_id, started.deadline)
    await reply(update, started_text(actor.language, target.team, started))


def started_text(lang: str, team: Team, started: Started) -> str:
    if started.rollcall_id is None:
        return t(lang, "rollcall.nobody", team=team.name, leave=len(started.on_leave))
    until = local_datetime(started.deadline, team.timezone).strftime("%H:%M")
    n, leave = len(started.targets), len(started.on_leave)
    return t(lang, "rollcall.started", team=team.name, n=n, leave=leave, until=until)


async def maybe_answer(update: Update, context: Context, ctx: AppContext, actor: Actor) -> bool:
    """True if this location was a roll-call answer (or a wrong attempt at one)."""
    message = update.message
    if message is None or message.location is None:
        return False
    sent = message.date.astimezone(UTC)
    target = await open_target(ctx, actor.user_id, sent)
    if target is None:
        return False
    answer = RollcallAnswer.of(location_evidence(message, ctx.clock.now()))
    judged = await answer_rollcall(
        ctx,
        actor.user_id,
        target,
        answer,
        chat_id=message.chat_id,
        message_id=message.message_id,
        at=sent,
    )
    await reply(update, answer_text(actor.language, judged))
    return True


def answer_text(lang: str, judged: Judged) -> str:
    if judged.ask_again is not None:
        return t(lang, f"rollcall.again.{judged.ask_again.value}")
    if judged.outcome is not None:
        distance = format_distance(lang, judged.distance_m)
        return t(lang, f"rollcall.answer.{judged.outcome.value}", distance=distance)
    return t(lang, "rollcall.answer.closed")
