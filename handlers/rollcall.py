"""/rollcall [team | member]: a spot check started by a supervisor or admin, and the
members' answers (their next live location while a roll call is open for them)."""

from __future__ import annotations

from datetime import UTC

from telegram import Update

from bot.access import Actor
from bot.context import AppContext
from bot.i18n import t
from bot.jobs import schedule_rollcall_close
from bot.rules.team_hours import local_datetime
from bot.services.rollcall import answer_rollcall, open_target, start_rollcall
from handlers.common import (
    Context,
    format_distance,
    open_known_command,
    reply,
)
from handlers.locations import location_evidence, rollcall_answer
from storage.models import Team


async def _allowed_teams(ctx: AppContext, actor: Actor) -> list[Team]:
    teams = await ctx.storage.teams.all()
    return teams if actor.is_admin else [tm for tm in teams if actor.supervises(tm.id)]


async def _resolve(
    ctx: AppContext, actor: Actor, arg: str
) -> tuple[Team | None, int | None, str | None]:
    """(team, member id, error key) for the /rollcall argument."""
    teams = await _allowed_teams(ctx, actor)
    if not teams:
        return None, None, "rollcall.not_allowed"
    if not arg:
        if len(teams) == 1:
            return teams[0], None, None
        return None, None, "rollcall.which"
    for team in teams:
        if team.name.casefold() == arg.casefold() or str(team.id) == arg:
            return team, None, None
    matches = []
    for team in teams:
        for m, p in await ctx.storage.people.team_members(team.id, role="member"):
            if (p.name or "").casefold() == arg.casefold() or str(m.telegram_id) == arg:
                matches.append((team, m.telegram_id))
    if len(matches) == 1:
        return matches[0][0], matches[0][1], None
    return None, None, "rollcall.ambiguous" if matches else "rollcall.not_found"


async def cmd_rollcall(update: Update, context: Context) -> None:
    opened = await open_known_command(update, context)
    if opened is None:
        return
    ctx, actor = opened
    lang = actor.language
    arg = " ".join(context.args or []).strip()
    team, member_id, error = await _resolve(ctx, actor, arg)
    if team is None:
        await reply(update, t(lang, error or "rollcall.not_found", arg=arg))
        return
    started = await start_rollcall(
        ctx, context.bot, team, now=ctx.clock.now(), started_by=actor.user_id, member_id=member_id
    )
    if started.rollcall_id is None:
        await reply(update, t(lang, "rollcall.nobody", team=team.name, leave=len(started.on_leave)))
        return
    schedule_rollcall_close(context.application, started.rollcall_id, started.deadline)
    await reply(
        update,
        t(
            lang,
            "rollcall.started",
            team=team.name,
            n=len(started.targets),
            leave=len(started.on_leave),
            until=local_datetime(started.deadline, team.timezone).strftime("%H:%M"),
        ),
    )


async def maybe_answer(update: Update, context: Context, ctx: AppContext, actor: Actor) -> bool:
    """True if this location was a roll-call answer (or a wrong attempt at one)."""
    message = update.message
    if message is None or message.location is None:
        return False
    sent = message.date.astimezone(UTC)
    target = await open_target(ctx, actor.user_id, sent)
    if target is None:
        return False
    answer = rollcall_answer(location_evidence(message, ctx.clock.now()))
    judged = await answer_rollcall(
        ctx,
        actor.user_id,
        target,
        answer,
        chat_id=message.chat_id,
        message_id=message.message_id,
        at=sent,
    )
    lang = actor.language
    if judged.ask_again is not None:
        await reply(update, t(lang, f"rollcall.again.{judged.ask_again.value}"))
    elif judged.outcome is not None:
        await reply(
            update,
            t(
                lang,
                f"rollcall.answer.{judged.outcome.value}",
                distance=format_distance(lang, judged.distance_m),
            ),
        )
    else:
        await reply(update, t(lang, "rollcall.answer.closed"))
    return True
