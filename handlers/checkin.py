"""The morning check-in (SPEC §3.2): a shared location in, a statement of what was recorded out."""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable
from datetime import UTC
from functools import partial

from telegram import Message, Update
from telegram.error import Forbidden, TelegramError

from bot.access import Actor, Readers, alert_readers, told_text
from bot.context import AppContext, app_ctx
from bot.delivery import confirm_once
from bot.i18n import t
from bot.resilience import as_alert
from bot.rules.checkin import DayEffect, RejectReason
from bot.rules.plausible import finite_or_nan
from bot.rules.team_hours import Timing, local_datetime
from bot.services.checkin import (
    CheckinResult,
    FollowUp,
    check_in,
    follow_ups,
    track_live_position,
)
from handlers import rollcall
from handlers.common import (
    Context,
    actor_of,
    clean_text,
    format_distance,
    is_private,
    main_menu,
    menu_for,
    not_a_member_text,
    reply,
)
from handlers.flows import end_flow, route_location
from handlers.leave import makeup_offer
from handlers.locations import location_evidence
from storage.models import FlowState, Team

REASON_MAX = 500
log = logging.getLogger(__name__)
CONFIRM_KIND = "checkin.confirm"  # notifications.kind of a check-in's confirmation


async def cmd_checkin(update: Update, context: Context) -> None:
    _ctx, actor = await actor_of(update, context)
    if not is_private(update):
        await reply(update, t(actor.language, "private_only"))
        return
    if not actor.known:
        await reply(update, not_a_member_text(actor))
        return
    if await _ctx.storage.flows.get(actor.user_id) is None:
        # Text typed now is most likely meant as the check-in: say so rather than take it
        # for a diary entry (see on_text_instead_of_location).
        await _ctx.storage.flows.set(actor.user_id, WAIT_FLOW, "location", {}, now=_ctx.now_ts())
    await reply(update, t(actor.language, "checkin.prompt"), reply_markup=main_menu(actor.language))


WAIT_FLOW = "checkin_wait"


async def on_text_instead_of_location(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
) -> None:
    await ctx.storage.flows.clear(actor.user_id)
    await reply(
        update, t(actor.language, "checkin.text_not_location"), reply_markup=menu_for(actor)
    )


async def on_location(update: Update, context: Context) -> None:
    message = update.message
    if message is None or message.location is None or not is_private(update):
        return
    ctx, actor = await actor_of(update, context)
    # While a roll call waits for this person, their next location is its answer.
    if await rollcall.maybe_answer(update, context, ctx, actor):
        return
    state = await ctx.storage.flows.get(actor.user_id)
    if state is not None and state.flow == WAIT_FLOW:
        await ctx.storage.flows.clear(actor.user_id)  # the location it waited for
        state = None
    if await route_location(update, context, ctx, actor, state):
        return
    result = await check_in(
        ctx,
        actor,
        location_evidence(message, ctx.clock.now()),
        chat_id=message.chat_id,
        message_id=message.message_id,
        update_id=update.update_id,
    )
    staff = actor.known and not actor.can_act_as_member
    live = bool(message.location.live_period)
    for follow_up in follow_ups(result, staff=staff, live=live):
        await send_follow_up(follow_up, update, context, ctx, actor, result)


async def send_follow_up(
    follow_up: FollowUp,
    update: Update,
    context: Context,
    ctx: AppContext,
    actor: Actor,
    result: CheckinResult,
) -> None:
    """One message a check-in leads to. Each goes out once per check-in: a re-delivered
    update (a crash came before it was marked handled) sends only what the crash kept from
    being sent."""
    lang, ref = actor.language, str(result.recorded.id)
    message = update.message
    assert message is not None  # a check-in is a new location message
    if follow_up is FollowUp.EVENING_REPLY:
        text = render_evening(lang, result)
        send = partial(reply, update, text, reply_markup=menu_for(actor))
        await confirm_once(ctx, CONFIRM_KIND, actor.user_id, ref, send)
    elif follow_up is FollowUp.STAFF_NOTE:
        await reply(update, t(lang, "reject.not_member_staff"), reply_markup=menu_for(actor))
    elif follow_up is FollowUp.MORNING_REPLY:
        await confirm_checkin(update, ctx, actor, result, message)
    elif follow_up is FollowUp.MAKEUP_OFFER:
        markup = makeup_offer(lang, result.verdict.local_day)
        send = partial(reply, update, t(lang, "makeup.offer"), reply_markup=markup)
        await confirm_once(ctx, "checkin.makeup_offer", actor.user_id, ref, send)
    elif follow_up is FollowUp.OUT_OF_AREA:
        await out_of_area(update, context, ctx, actor, result, message)
    else:
        send = partial(reply, update, t(lang, "checkin.live_tracking"))
        await confirm_once(ctx, "checkin.live_tracking", actor.user_id, ref, send)


async def confirm_checkin(
    update: Update, ctx: AppContext, actor: Actor, result: CheckinResult, message: Message
) -> None:
    async def send() -> None:
        await reply(
            update,
            render_result(actor.language, result, message),
            reply_markup=menu_for(actor),
        )

    await confirm_once(ctx, CONFIRM_KIND, actor.user_id, str(result.recorded.id), send)


def render_evening(lang: str, result: CheckinResult) -> str:
    v = result.verdict
    return t(
        lang,
        "evening.recorded",
        place=t(lang, f"place.{v.place}"),
        distance=format_distance(lang, v.distance_m),
    )


def render_result(lang: str, result: CheckinResult, message: Message) -> str:
    v = result.verdict
    team = result.team
    if not v.accepted:
        reason = v.reject_reason or RejectReason.NOT_MEMBER
        params: dict[str, object] = {}
        if reason is RejectReason.INACCURATE and message.location and team:
            accuracy = finite_or_nan(message.location.horizontal_accuracy or 0)
            params = {
                "accuracy": round(accuracy) if math.isfinite(accuracy) and accuracy >= 0 else "?",
                "radius": team.site.radius_m,
            }
        elif reason is RejectReason.BAD_TIME:
            params = {"sent": f"{message.date.astimezone(UTC):%Y-%m-%d %H:%M} UTC"}
        elif reason is RejectReason.TOO_EARLY and team:
            params = {"opens": team.schedule.opens.strftime("%H:%M")}
        elif reason is RejectReason.RECALLED and team:
            params = {"team": team.name}
        return t(lang, f"reject.{reason}", **params) + "\n" + t(lang, "reject.stored")
    assert team is not None
    sent = local_datetime(message.date.astimezone(UTC), team.timezone)
    lines = [
        t(
            lang,
            "checkin.recorded",
            time=sent.strftime("%H:%M"),
            tz=team.timezone,
            place=t(lang, f"place.{v.place}"),
            distance=format_distance(lang, v.distance_m),
            timing=t(lang, f"timing.{v.timing}"),
        )
    ]
    effect = result.recorded.effect
    if effect is DayEffect.UPGRADES:
        lines.append(
            t(lang, "checkin.upgraded", timing=t(lang, f"timing.{result.recorded.day_timing}"))
        )
    elif effect is DayEffect.NO_CHANGE:
        lines.append(
            t(
                lang,
                "checkin.already",
                place=t(lang, f"place.{result.recorded.day_place}"),
                timing=t(lang, f"timing.{result.recorded.day_timing}"),
            )
        )
    if v.delayed:
        lines.append(
            t(lang, "checkin.delayed", sent=sent.strftime("%H:%M"), minutes=round(v.delay_s / 60))
        )
    if v.timing is Timing.MISSED and effect is DayEffect.COUNTS:
        lines.append(t(lang, "checkin.missed_hint", cutoff=team.schedule.cutoff.strftime("%H:%M")))
    return "\n".join(lines)


async def out_of_area(
    update: Update,
    context: Context,
    ctx: AppContext,
    actor: Actor,
    result: CheckinResult,
    message: Message,
) -> None:
    """The member is asked for a reason (once per check-in), the supervisor alerted."""
    await confirm_once(
        ctx,
        "checkin.oor_ask",
        actor.user_id,
        str(result.recorded.id),
        lambda: ask_out_of_area_reason(update, ctx, actor, result),
    )
    await alert_supervisors(context, ctx, actor, result, message)


async def ask_out_of_area_reason(
    update: Update, ctx: AppContext, actor: Actor, result: CheckinResult
) -> None:
    await ctx.storage.flows.set(
        actor.user_id, "oor_reason", "reason", {"checkin_id": result.recorded.id}, now=ctx.now_ts()
    )
    await reply(update, t(actor.language, "checkin.oor_ask"))


async def alert_supervisors(
    context: Context, ctx: AppContext, actor: Actor, result: CheckinResult, message: Message
) -> None:
    """DingTalk's "field check-in": the supervisor hears at once, with the point itself.
    In the evening once per member and night: a second location from afar adds nothing."""
    team = result.team
    assert team is not None and message.location is not None
    name = actor.person.name if actor.person and actor.person.name else str(actor.user_id)
    sent = local_datetime(message.date.astimezone(UTC), team.timezone)
    kind, ref = "alert.out_of_area", str(result.recorded.id)
    if result.kind == "evening":
        kind, ref = "alert.evening_out_of_area", f"{actor.user_id}:{result.verdict.local_day}"
    for supervisor in (await alert_readers(ctx, team, exclude=actor.user_id)).people:
        lang = supervisor.language or "en"
        facts = {
            "name": name,
            "team": team.name,
            "time": sent.strftime("%H:%M"),
            "distance": format_distance(lang, result.verdict.distance_m),
        }
        if result.kind == "evening":
            text = t(lang, kind, **facts)
        else:
            text = t(lang, kind, timing=t(lang, f"timing.{result.verdict.timing}"), **facts)

        async def send(chat_id: int = supervisor.telegram_id, text: str = text) -> None:
            assert message.location is not None
            alert = as_alert(context.bot)
            await context.bot.send_message(chat_id, text, **alert)
            await context.bot.send_location(
                chat_id,
                latitude=message.location.latitude,
                longitude=message.location.longitude,
                **alert,
            )

        await _to_reader(
            ctx, supervisor.telegram_id, confirm_once(ctx, kind, supervisor.telegram_id, ref, send)
        )


async def _to_reader(ctx: AppContext, reader_id: int, sending: Awaitable[object]) -> None:
    """One reader who blocked the bot (or an admin who never opened a chat with it) must
    not stop the others hearing, nor the member's own reply."""
    try:
        await sending
    except Forbidden:
        await ctx.storage.people.set_unreachable(reader_id, True)
    except TelegramError as exc:
        log.warning("alert to %s not delivered: %s", reader_id, exc)


async def on_out_of_area_reason(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
) -> None:
    message = update.effective_message
    reason = clean_text(message.text if message else None, REASON_MAX)
    if reason is None:
        await reply(update, t(actor.language, "checkin.reason_invalid", max=REASON_MAX))
        return
    checkin_id = int(state.data["checkin_id"])
    await ctx.storage.checkins.set_out_of_area_reason(checkin_id, reason)
    membership = actor.member_of()
    team = await ctx.storage.teams.get(membership.team_id) if membership else None
    readers = await alert_readers(ctx, team, exclude=actor.user_id) if team else Readers((), False)
    await reply(
        update,
        t(actor.language, "checkin.oor_saved", told=told_text(actor.language, readers)),
        reply_markup=menu_for(actor),
    )
    if team is not None:
        await tell_readers_the_reason(context, ctx, actor, team, readers, reason)
    # Ended only once the readers were told: a crash before this tells them again rather
    # than never.
    await end_flow(update, ctx, actor)


async def tell_readers_the_reason(
    context: Context, ctx: AppContext, actor: Actor, team: Team, readers: Readers, reason: str
) -> None:
    name = actor.person.name if actor.person and actor.person.name else str(actor.user_id)
    for supervisor in readers.people:
        lang = supervisor.language or "en"
        await _to_reader(
            ctx,
            supervisor.telegram_id,
            context.bot.send_message(
                supervisor.telegram_id,
                t(lang, "alert.oor_reason", name=name, team=team.name, reason=reason),
                **as_alert(context.bot),
            ),
        )


async def on_live_edit(update: Update, context: Context) -> None:
    """A moving live location arrives as edits of the first message: keep them as a track."""
    message = update.edited_message
    if message is None or message.location is None:
        return
    ctx = app_ctx(context)
    edit_date = message.edit_date or message.date
    await track_live_position(
        ctx,
        chat_id=message.chat_id,
        message_id=message.message_id,
        lat=message.location.latitude,
        lon=message.location.longitude,
        accuracy_m=message.location.horizontal_accuracy,
        at=int(edit_date.timestamp()),
    )


async def menu_checkin_text(
    update: Update, context: Context, ctx: AppContext, actor: Actor
) -> None:
    # Some clients send the button's label as text when location access is refused.
    await cmd_checkin(update, context)
