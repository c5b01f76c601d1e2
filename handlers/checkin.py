"""The morning check-in (SPEC §3.2): a shared location in, a statement of what was recorded out."""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial

from telegram import Message, Update
from telegram.error import Forbidden, TelegramError

from bot.access import Actor, alert_readers, told_text
from bot.context import AppContext, app_ctx
from bot.delivery import confirm_once
from bot.flows import checkin as flow
from bot.flows.checkin import WAIT_FLOW as WAIT_FLOW  # routed in the composition root
from bot.i18n import t
from bot.resilience import as_alert
from bot.rules.checkin import DayEffect, RejectReason
from bot.rules.plausible import finite_or_nan
from bot.rules.team_hours import Timing, local_datetime
from bot.services.checkin import (
    CheckinResult,
    FollowUp,
    alert_once_key,
    check_in,
    follow_ups,
    track_live_position,
)
from bot.services.people import mark_unreachable
from handlers import rollcall
from handlers.common import (
    Context,
    actor_of,
    clean_text,
    format_distance,
    is_private,
    main_menu,
    menu_for,
    open_known_command,
    reply,
)
from handlers.flows import end_flow, route_location
from handlers.leave import makeup_offer
from handlers.locations import location_evidence
from storage.models import FlowState, Person, Team

REASON_MAX = 500
log = logging.getLogger(__name__)
CONFIRM_KIND = "checkin.confirm"  # notifications.kind of a check-in's confirmation
FollowUpSender = Callable[[Update, Context, AppContext, Actor, CheckinResult], Awaitable[None]]


async def cmd_checkin(update: Update, context: Context) -> None:
    opened = await open_known_command(update, context)
    if opened is None:
        return
    ctx, actor = opened
    await flow.await_location(ctx, actor.user_id)
    await reply(update, t(actor.language, "checkin.prompt"), reply_markup=main_menu(actor.language))


async def on_text_instead_of_location(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
) -> None:
    await flow.stop_waiting(ctx, actor.user_id)
    text = t(actor.language, "checkin.text_not_location")
    await reply(update, text, reply_markup=menu_for(actor))


async def on_location(update: Update, context: Context) -> None:
    message = update.message
    if message is None or message.location is None or not is_private(update):
        return
    ctx, actor = await actor_of(update, context)
    # While a roll call waits for this person, their next location is its answer.
    if await rollcall.maybe_answer(update, context, ctx, actor):
        return
    state = await flow.flow_for_location(ctx, actor.user_id)
    if await route_location(update, context, ctx, actor, state):
        return
    await check_in_and_answer(update, context, ctx, actor, message)


async def check_in_and_answer(
    update: Update, context: Context, ctx: AppContext, actor: Actor, message: Message
) -> None:
    evidence = location_evidence(message, ctx.clock.now())
    ids = {"chat_id": message.chat_id, "message_id": message.message_id}
    result = await check_in(ctx, actor, evidence, **ids, update_id=update.update_id)
    live = bool(message.location and message.location.live_period)
    for follow_up in follow_ups(result, staff=actor.is_staff_only, live=live):
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
    await FOLLOW_UPS[follow_up](update, context, ctx, actor, result)


async def _once(
    ctx: AppContext,
    kind: str,
    actor: Actor,
    result: CheckinResult,
    send: Callable[[], Awaitable[object]],
) -> None:
    await confirm_once(ctx, kind, actor.user_id, str(result.recorded.id), send)


async def send_evening_reply(
    update: Update, context: Context, ctx: AppContext, actor: Actor, result: CheckinResult
) -> None:
    text = render_evening(actor.language, result)
    await _once(
        ctx, CONFIRM_KIND, actor, result, partial(reply, update, text, reply_markup=menu_for(actor))
    )


async def send_staff_note(
    update: Update, context: Context, ctx: AppContext, actor: Actor, result: CheckinResult
) -> None:
    text = t(actor.language, "reject.not_member_staff")
    await reply(update, text, reply_markup=menu_for(actor))


async def confirm_checkin(
    update: Update, context: Context, ctx: AppContext, actor: Actor, result: CheckinResult
) -> None:
    message = update.message
    assert message is not None  # a check-in is a new location message
    text = render_result(actor.language, result, message)
    await _once(
        ctx, CONFIRM_KIND, actor, result, partial(reply, update, text, reply_markup=menu_for(actor))
    )


async def send_makeup_offer(
    update: Update, context: Context, ctx: AppContext, actor: Actor, result: CheckinResult
) -> None:
    markup = makeup_offer(actor.language, result.verdict.local_day)
    send = partial(reply, update, t(actor.language, "makeup.offer"), reply_markup=markup)
    await _once(ctx, "checkin.makeup_offer", actor, result, send)


async def send_live_note(
    update: Update, context: Context, ctx: AppContext, actor: Actor, result: CheckinResult
) -> None:
    send = partial(reply, update, t(actor.language, "checkin.live_tracking"))
    await _once(ctx, "checkin.live_tracking", actor, result, send)


def render_evening(lang: str, result: CheckinResult) -> str:
    v = result.verdict
    place = t(lang, f"place.{v.place}")
    return t(lang, "evening.recorded", place=place, distance=format_distance(lang, v.distance_m))


def render_result(lang: str, result: CheckinResult, message: Message) -> str:
    if not result.verdict.accepted:
        return render_rejection(lang, result, message)
    assert result.team is not None
    sent = local_datetime(message.date.astimezone(UTC), result.team.timezone)
    return "\n".join(recorded_lines(lang, result, result.team, sent))


def render_rejection(lang: str, result: CheckinResult, message: Message) -> str:
    reason = result.verdict.reject_reason or RejectReason.NOT_MEMBER
    params = rejection_params(reason, result.team, message)
    return t(lang, f"reject.{reason}", **params) + "\n" + t(lang, "reject.stored")


def rejection_params(
    reason: RejectReason, team: Team | None, message: Message
) -> dict[str, object]:
    """What a rejection's message says besides its reason."""
    if reason is RejectReason.INACCURATE and message.location and team:
        accuracy = finite_or_nan(message.location.horizontal_accuracy or 0)
        shown = round(accuracy) if math.isfinite(accuracy) and accuracy >= 0 else "?"
        return {"accuracy": shown, "radius": team.site.radius_m}
    if reason is RejectReason.BAD_TIME:
        return {"sent": f"{message.date.astimezone(UTC):%Y-%m-%d %H:%M} UTC"}
    if reason is RejectReason.TOO_EARLY and team:
        return {"opens": team.schedule.opens.strftime("%H:%M")}
    if reason is RejectReason.RECALLED and team:
        return {"team": team.name}
    return {}


def recorded_lines(lang: str, result: CheckinResult, team: Team, sent: datetime) -> list[str]:
    v, recorded = result.verdict, result.recorded
    place, timing = t(lang, f"place.{v.place}"), t(lang, f"timing.{v.timing}")
    distance = format_distance(lang, v.distance_m)
    time = sent.strftime("%H:%M")
    lines = [
        t(
            lang,
            "checkin.recorded",
            time=time,
            tz=team.timezone,
            place=place,
            distance=distance,
            timing=timing,
        )
    ]
    lines += day_lines(lang, result)
    if v.delayed:
        lines.append(t(lang, "checkin.delayed", sent=time, minutes=round(v.delay_s / 60)))
    if v.timing is Timing.MISSED and recorded.effect is DayEffect.COUNTS:
        lines.append(t(lang, "checkin.missed_hint", cutoff=team.schedule.cutoff.strftime("%H:%M")))
    return lines


def day_lines(lang: str, result: CheckinResult) -> list[str]:
    """What this check-in did to a day that already had one."""
    recorded = result.recorded
    timing = t(lang, f"timing.{recorded.day_timing}")
    if recorded.effect is DayEffect.UPGRADES:
        return [t(lang, "checkin.upgraded", timing=timing)]
    if recorded.effect is DayEffect.NO_CHANGE:
        return [
            t(lang, "checkin.already", place=t(lang, f"place.{recorded.day_place}"), timing=timing)
        ]
    return []


async def out_of_area(
    update: Update, context: Context, ctx: AppContext, actor: Actor, result: CheckinResult
) -> None:
    """The member is asked for a reason (once per check-in), the supervisor alerted."""
    ask = partial(ask_out_of_area_reason, update, ctx, actor, result)
    await _once(ctx, "checkin.oor_ask", actor, result, ask)
    await alert_supervisors(update, context, ctx, actor, result)


async def ask_out_of_area_reason(
    update: Update, ctx: AppContext, actor: Actor, result: CheckinResult
) -> None:
    await flow.ask_reason(ctx, actor.user_id, result.recorded.id)
    await reply(update, t(actor.language, "checkin.oor_ask"))


def name_of(actor: Actor) -> str:
    return actor.person.name if actor.person and actor.person.name else str(actor.user_id)


async def alert_supervisors(
    update: Update, context: Context, ctx: AppContext, actor: Actor, result: CheckinResult
) -> None:
    """DingTalk's "field check-in": the supervisor hears at once, with the point itself."""
    message, team = update.message, result.team
    assert message is not None and team is not None
    sent = local_datetime(message.date.astimezone(UTC), team.timezone).strftime("%H:%M")
    kind, ref = alert_once_key(result, actor.user_id)
    for reader in (await alert_readers(ctx, team, exclude=actor.user_id)).people:
        text = alert_text(reader.language or "en", kind, name_of(actor), team, sent, result)
        send = partial(send_alert, context, reader.telegram_id, text, message)
        await _to_reader(
            ctx, reader.telegram_id, confirm_once(ctx, kind, reader.telegram_id, ref, send)
        )


def alert_text(
    lang: str, kind: str, name: str, team: Team, sent: str, result: CheckinResult
) -> str:
    distance = format_distance(lang, result.verdict.distance_m)
    facts = {"name": name, "team": team.name, "time": sent, "distance": distance}
    if result.kind == "evening":
        return t(lang, kind, **facts)
    return t(lang, kind, timing=t(lang, f"timing.{result.verdict.timing}"), **facts)


async def send_alert(context: Context, chat_id: int, text: str, message: Message) -> None:
    """The alert, then the point itself."""
    assert message.location is not None
    alert = as_alert(context.bot)
    await context.bot.send_message(chat_id, text, **alert)
    location = message.location
    await context.bot.send_location(
        chat_id, latitude=location.latitude, longitude=location.longitude, **alert
    )


async def _to_reader(ctx: AppContext, reader_id: int, sending: Awaitable[object]) -> None:
    """One reader who blocked the bot (or an admin who never opened a chat with it) must
    not stop the others hearing, nor the member's own reply."""
    try:
        await sending
    except Forbidden:
        await mark_unreachable(ctx, reader_id)
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
    kept = await flow.keep_reason(ctx, actor, state, reason)
    told = told_text(actor.language, kept.readers)
    await reply(
        update, t(actor.language, "checkin.oor_saved", told=told), reply_markup=menu_for(actor)
    )
    if kept.team is not None:
        await tell_readers_the_reason(context, ctx, actor, kept.team, kept.readers.people, reason)
    # Ended only once the readers were told: a crash before this tells them again rather
    # than never.
    await end_flow(update, ctx, actor)


async def tell_readers_the_reason(
    context: Context,
    ctx: AppContext,
    actor: Actor,
    team: Team,
    readers: tuple[Person, ...],
    reason: str,
) -> None:
    for reader in readers:
        text = t(
            reader.language or "en",
            "alert.oor_reason",
            name=name_of(actor),
            team=team.name,
            reason=reason,
        )
        sending = context.bot.send_message(reader.telegram_id, text, **as_alert(context.bot))
        await _to_reader(ctx, reader.telegram_id, sending)


async def on_live_edit(update: Update, context: Context) -> None:
    """A moving live location arrives as edits of the first message: keep them as a track."""
    message = update.edited_message
    if message is None or message.location is None:
        return
    location, at = message.location, int((message.edit_date or message.date).timestamp())
    await track_live_position(
        app_ctx(context),
        chat_id=message.chat_id,
        message_id=message.message_id,
        lat=location.latitude,
        lon=location.longitude,
        accuracy_m=location.horizontal_accuracy,
        at=at,
    )


async def menu_checkin_text(
    update: Update, context: Context, ctx: AppContext, actor: Actor
) -> None:
    # Some clients send the button's label as text when location access is refused.
    await cmd_checkin(update, context)


FOLLOW_UPS: dict[FollowUp, FollowUpSender] = {
    FollowUp.EVENING_REPLY: send_evening_reply,
    FollowUp.STAFF_NOTE: send_staff_note,
    FollowUp.MORNING_REPLY: confirm_checkin,
    FollowUp.MAKEUP_OFFER: send_makeup_offer,
    FollowUp.OUT_OF_AREA: out_of_area,
    FollowUp.LIVE_TRACKING: send_live_note,
}
