"""/leave and /makeup conversations, the member's own requests, and the approval buttons.

Conversation state lives in storage (flow "leave"), so a restart mid-way loses nothing. The
same flow serves leave (type, first day, last day, reason, confirm) and make-up (reason,
confirm): both end in `services.leave_requests.submit`.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.access import Actor
from bot.context import AppContext
from bot.i18n import t
from bot.rules import leave as rules
from bot.services import leave_requests as service
from handlers.common import (
    Context,
    actor_of,
    answer_query,
    edit_pressed,
    is_private,
    main_menu,
    member_team,
    menu_for,
    open_member_command,
    parse_id,
    reply,
)
from handlers.flows import answered_before_step, end_flow, move_flow, route_other
from storage.leave_requests import Request
from storage.models import FlowState, Team

FLOW = "leave"
REJECT_FLOW = "req_reject"
REASON_MAX = 500


# -- helpers ---------------------------------------------------------------------------------


def reason_of(text: str | None) -> tuple[str | None, str | None]:
    """A usable reason, or the catalog key of what is wrong with it."""
    value = " ".join((text or "").split())
    if not value:
        return None, "leave.reason_empty"
    if len(value) > REASON_MAX:
        return None, "leave.reason_long"
    return value, None


def calendar_month(value: str, today: date) -> date | None:
    """`YYYY-MM` of a month the calendar can show (the months a leave may fall in), else
    None: a forged 9999-12 would overflow the next month's arithmetic."""
    try:
        month = date.fromisoformat(value + "-01")
    except ValueError:
        return None
    earliest = (today - timedelta(days=rules.PAST_LIMIT_DAYS)).replace(day=1)
    latest = today + timedelta(days=rules.FUTURE_LIMIT_DAYS)
    return month if earliest <= month <= latest else None


def calendar_markup(lang: str, month: date, today: date) -> InlineKeyboardMarkup:
    """A month of day buttons (lv:day:<iso>) with month navigation (lv:mon:<YYYY-MM>)."""
    first = month.replace(day=1)
    prev_month = (first - timedelta(days=1)).replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    earliest = today - timedelta(days=rules.PAST_LIMIT_DAYS)
    latest = today + timedelta(days=rules.FUTURE_LIMIT_DAYS)
    nav = [
        InlineKeyboardButton("◀", callback_data=f"lv:mon:{prev_month:%Y-%m}")
        if prev_month >= earliest.replace(day=1)
        else InlineKeyboardButton(" ", callback_data="lv:nop"),
        InlineKeyboardButton(
            t(lang, "leave.month", year=first.year, month=first.month), callback_data="lv:nop"
        ),
        InlineKeyboardButton("▶", callback_data=f"lv:mon:{next_month:%Y-%m}")
        if next_month <= latest
        else InlineKeyboardButton(" ", callback_data="lv:nop"),
    ]
    header = [
        InlineKeyboardButton(name, callback_data="lv:nop")
        for name in t(lang, "leave.weekdays").split()
    ]
    rows = [nav, header]
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        row = []
        for day in week:
            if day.month != first.month or not (earliest <= day <= latest):
                row.append(InlineKeyboardButton(" ", callback_data="lv:nop"))
            else:
                label = f"·{day.day}·" if day == today else str(day.day)
                row.append(InlineKeyboardButton(label, callback_data=f"lv:day:{day.isoformat()}"))
        rows.append(row)
    return InlineKeyboardMarkup(rows)


def type_markup(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t(lang, f"leave_type.{lt}"), callback_data=f"lv:type:{lt}")]
            for lt in rules.LEAVE_TYPES
        ]
    )


def confirm_markup(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t(lang, "leave.send"), callback_data="lv:ok"),
                InlineKeyboardButton(t(lang, "leave.discard"), callback_data="lv:no"),
            ]
        ]
    )


async def send(update: Update, context: Context, actor: Actor, text: str, **kw: Any) -> None:
    """A reply in the person's private chat, whether the update was a message or a press."""
    await context.bot.send_message(actor.user_id, text, **kw)


def clash_text(lang: str, clashes: list[Request]) -> str:
    names = "; ".join(
        t(
            lang,
            "leave.clash_item",
            id=c.id,
            kind=t(lang, f"req.kind.{c.kind}"),
            span=service.span(lang, c),
            state=t(lang, f"req.state.{c.state}"),
        )
        for c in clashes
    )
    return t(lang, "leave.clash", clashes=names)


# -- starting --------------------------------------------------------------------------------


async def cmd_leave(update: Update, context: Context) -> None:
    opened = await open_member_command(update, context, "leave.members_only")
    if opened is None:
        return
    ctx, actor, team = opened
    await show_my_requests(update, context, ctx, actor, team, empty_note=False)
    await move_flow(update, ctx, actor, FLOW, "type", {"kind": "leave"})
    await reply(
        update, t(actor.language, "leave.ask_type"), reply_markup=type_markup(actor.language)
    )


async def cmd_cancelleave(update: Update, context: Context) -> None:
    ctx, actor = await actor_of(update, context)
    team = await member_team(ctx, actor) if is_private(update) else None
    if team is None:
        await reply(update, t(actor.language, "leave.members_only"))
        return
    await show_my_requests(update, context, ctx, actor, team, empty_note=True)


async def show_my_requests(
    update: Update, context: Context, ctx: AppContext, actor: Actor, team: Team, *, empty_note: bool
) -> None:
    """The member's pending and future requests, each with what can still be done to it."""
    lang = actor.language
    today = service.team_today(ctx, team)
    mine = await ctx.storage.leave_requests.of_person(actor.user_id, from_day=today)
    if not mine:
        if empty_note:
            await reply(update, t(lang, "leave.none"))
        return
    lines = [t(lang, "leave.yours")]
    buttons = []
    for r in mine:
        state = t(lang, f"req.state.{r.state}")
        lines.append(
            t(
                lang,
                "leave.your_item",
                id=r.id,
                kind=t(lang, f"req.kind.{r.kind}"),
                span=service.span(lang, r),
                state=state,
            )
        )
        if rules.can_cancel(r.state, r.first_day, today):
            buttons.append(
                [
                    InlineKeyboardButton(
                        t(lang, "leave.cancel_button", id=r.id), callback_data=f"req:cancel:{r.id}"
                    )
                ]
            )
        elif r.kind == "leave" and rules.can_end_early(
            r.state, r.first_day, r.last_day, r.ended_early_on, today
        ):
            buttons.append(
                [
                    InlineKeyboardButton(
                        t(lang, "leave.end_button", id=r.id), callback_data=f"req:end:{r.id}"
                    )
                ]
            )
    await reply(
        update, "\n".join(lines), reply_markup=InlineKeyboardMarkup(buttons) if buttons else None
    )


async def cmd_makeup(update: Update, context: Context) -> None:
    opened = await open_member_command(update, context, "leave.members_only")
    if opened is None:
        return
    ctx, actor, team = opened
    today = service.team_today(ctx, team)
    raw = context.args[0] if context.args else "today"
    parsed = rules.parse_day(raw, today)
    if parsed.day is None:
        await reply(
            update, t(actor.language, f"leave.day.{parsed.problem}", example=today.isoformat())
        )
        return
    await begin_makeup(update, context, ctx, actor, team, parsed.day)


async def begin_makeup(
    update: Update, context: Context, ctx: AppContext, actor: Actor, team: Team, day: date
) -> None:
    checked = await service.check_makeup(ctx, actor, team, day)
    if checked.refusal is not None:
        text = makeup_refusal_text(actor.language, team, day, checked)
        await send(update, context, actor, text)
        return
    data = {"kind": "makeup", "first": day.isoformat(), "last": day.isoformat()}
    await move_flow(update, ctx, actor, FLOW, "reason", data)
    await send(update, context, actor, t(actor.language, "makeup.ask_reason", day=day.isoformat()))


def makeup_refusal_text(lang: str, team: Team, day: date, checked: service.MakeupCheck) -> str:
    refusal, iso = checked.refusal, day.isoformat()
    if refusal is service.MakeupRefusal.NOT_YET:
        cutoff = team.schedule.cutoff.strftime("%H:%M")
        return t(lang, "makeup.not_yet", day=iso, cutoff=cutoff)
    if refusal is service.MakeupRefusal.BEFORE_JOINING:
        since = checked.since.isoformat() if checked.since else ""
        return t(lang, "req.before_joining", day=iso, since=since)
    if refusal is service.MakeupRefusal.NOT_WORKDAY:
        return t(lang, "makeup.not_workday", day=iso)
    if refusal is service.MakeupRefusal.NOT_NEEDED:
        made_up = checked.timing == "made_up"
        timing = t(lang, "makeup.made_up") if made_up else t(lang, f"timing.{checked.timing}")
        return t(lang, "makeup.not_needed", day=iso, timing=timing)
    return clash_text(lang, list(checked.clashes))


# -- the conversation's steps ----------------------------------------------------------------


async def on_leave_text(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
) -> None:
    """A typed answer (or a sticker, photo… where a typed one was expected: a re-prompt)."""
    message = update.effective_message
    text = message.text if message else None
    lang = actor.language
    team = await member_team(ctx, actor)
    if team is None:
        await ctx.storage.flows.clear(actor.user_id)
        await reply(update, t(lang, "leave.members_only"))
        return
    today = service.team_today(ctx, team)
    if state.step == "type":
        await reply(update, t(lang, "leave.use_buttons"), reply_markup=type_markup(lang))
    elif state.step in ("first", "last"):
        parsed = rules.parse_day(text, today)
        if parsed.day is None:
            await reply(update, t(lang, f"leave.day.{parsed.problem}", example=today.isoformat()))
            return
        await take_day(update, context, ctx, actor, team, state, parsed.day)
    elif state.step == "reason":
        reason, problem = reason_of(text)
        if reason is None:
            await reply(update, t(lang, problem or "leave.reason_empty", max=REASON_MAX))
            return
        data = {**state.data, "reason": reason}
        await move_flow(update, ctx, actor, FLOW, "confirm", data)
        await reply(update, summary(lang, data, today, team), reply_markup=confirm_markup(lang))
    else:
        await reply(update, t(lang, "leave.use_buttons"), reply_markup=confirm_markup(lang))


async def ask_current_question(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
) -> None:
    """The question the flow waits on, asked again (for an update that already moved it)."""
    lang = actor.language
    team = await member_team(ctx, actor)
    if team is None:
        return
    today = service.team_today(ctx, team)
    data = state.data
    if state.step == "type":
        await send(
            update, context, actor, t(lang, "leave.ask_type"), reply_markup=type_markup(lang)
        )
    elif state.step == "first":
        markup = calendar_markup(lang, today, today)
        await send(update, context, actor, t(lang, "leave.ask_first"), reply_markup=markup)
    elif state.step == "last":
        first = date.fromisoformat(data["first"])
        markup = calendar_markup(lang, first, today)
        text = t(lang, "leave.ask_last", first=first.isoformat())
        await send(update, context, actor, text, reply_markup=markup)
    elif state.step == "reason" and data.get("kind") == "makeup":
        await send(update, context, actor, t(lang, "makeup.ask_reason", day=data["first"]))
    elif state.step == "reason":
        await send(update, context, actor, t(lang, "leave.ask_reason"))
    else:
        markup = confirm_markup(lang)
        await send(update, context, actor, summary(lang, data, today, team), reply_markup=markup)


async def take_day(
    update: Update,
    context: Context,
    ctx: AppContext,
    actor: Actor,
    team: Team,
    state: FlowState,
    day: date,
) -> None:
    lang = actor.language
    today = service.team_today(ctx, team)
    if state.step == "first":
        if await _refused_before_joining(update, context, actor, team, day):
            return
        data = {**state.data, "first": day.isoformat()}
        await move_flow(update, ctx, actor, FLOW, "last", data)
        await send(
            update,
            context,
            actor,
            t(lang, "leave.ask_last", first=day.isoformat()),
            reply_markup=calendar_markup(lang, day, today),
        )
        return
    first = date.fromisoformat(state.data["first"])
    if rules.check_last_day(first, day):
        await send(
            update, context, actor, t(lang, "leave.day.before_first", first=first.isoformat())
        )
        return
    clashes = await ctx.storage.leave_requests.clashes(actor.user_id, first, day)
    if clashes:
        # Start the dates again: the clash names what is in the way.
        data = {k: v for k, v in state.data.items() if k not in ("first", "last")}
        await move_flow(update, ctx, actor, FLOW, "first", data)
        await send(
            update,
            context,
            actor,
            clash_text(lang, clashes) + "\n\n" + t(lang, "leave.ask_first"),
            reply_markup=calendar_markup(lang, today, today),
        )
        return
    if state.data.get("kind") == "leave" and not rules.leave_workdays(first, day, team.schedule):
        # Only holidays and days off: nothing to take leave from.
        await send(
            update,
            context,
            actor,
            t(lang, "leave.no_workdays", first=first.isoformat(), last=day.isoformat()),
        )
        return
    data = {**state.data, "last": day.isoformat()}
    await move_flow(update, ctx, actor, FLOW, "reason", data)
    await send(update, context, actor, t(lang, "leave.ask_reason"))


async def _refused_before_joining(
    update: Update, context: Context, actor: Actor, team: Team, day: date
) -> bool:
    """Before joining a person was not a member yet: no leave to take."""
    since = service.joined_day_in(actor, team)
    if since is None or day >= since:
        return False
    text = t(actor.language, "req.before_joining", day=day.isoformat(), since=since.isoformat())
    await send(update, context, actor, text)
    return True


def summary(lang: str, data: dict[str, Any], today: date, team: Team) -> str:
    first, last = date.fromisoformat(data["first"]), date.fromisoformat(data["last"])
    if data["kind"] == "makeup":
        text = t(lang, "makeup.summary", day=first.isoformat(), reason=data["reason"])
    else:
        text = t(
            lang,
            "leave.summary",
            type=t(lang, f"leave_type.{data['type']}"),
            first=first.isoformat(),
            last=last.isoformat(),
            days=rules.leave_workdays(first, last, team.schedule),
            reason=data["reason"],
        )
        limit = team.policy.second_approval_after_days
        if rules.needs_admin_approval(
            "leave", rules.leave_workdays(first, last, team.schedule), limit
        ):
            # Said before sending, as DingTalk shows the approval chain up front.
            text += "\n" + t(lang, "leave.needs_admin", limit=limit)
    if rules.is_retroactive(first, today) and data["kind"] == "leave":
        text += "\n" + t(lang, "req.retroactive")
    return text


async def on_leave_button(update: Update, context: Context) -> None:
    """lv:type:<t>, lv:day:<iso>, lv:mon:<YYYY-MM>, lv:ok, lv:no — only in the right step."""
    query = update.callback_query
    assert query is not None
    ctx, actor = await actor_of(update, context)
    lang = actor.language
    parts = (query.data or "").split(":")
    if parts[1:] == ["nop"]:
        await answer_query(query)
        return
    state = await ctx.storage.flows.get(actor.user_id)
    if await answered_before_step(update, context, ctx, actor, state):
        await answer_query(query)
        return
    team = await member_team(ctx, actor)
    if state is None or state.flow != FLOW or team is None:
        await answer_query(query, t(lang, "button.stale"))
        return
    today = service.team_today(ctx, team)
    action, value = parts[1], parts[2] if len(parts) > 2 else ""
    if action == "type" and state.step == "type" and value in rules.LEAVE_TYPES:
        await answer_query(query)
        await edit_pressed(query, t(lang, "leave.type_chosen", type=t(lang, f"leave_type.{value}")))
        data = {**state.data, "type": value}
        await move_flow(update, ctx, actor, FLOW, "first", data)
        await send(
            update,
            context,
            actor,
            t(lang, "leave.ask_first"),
            reply_markup=calendar_markup(lang, today, today),
        )
    elif action == "mon" and state.step in ("first", "last"):
        month = calendar_month(value, today)
        if month is None:
            await answer_query(query, t(lang, "button.stale"))
            return
        await answer_query(query)
        await edit_pressed(query, None, calendar_markup(lang, month, today))
    elif action == "day" and state.step in ("first", "last"):
        parsed = rules.parse_day(value, today)
        if parsed.day is None:
            await answer_query(query, t(lang, "button.stale"))
            return
        await answer_query(query, parsed.day.isoformat())
        await edit_pressed(query, None)
        await take_day(update, context, ctx, actor, team, state, parsed.day)
    elif action in ("ok", "no") and state.step == "confirm":
        await answer_query(query)
        await edit_pressed(query, None)
        if action == "ok":
            await submit(update, context, ctx, actor, team, state.data, today)
        # Ended only once submitted: a crash before this leaves the request to be sent again
        # (it then meets itself as a clash), never lost.
        await end_flow(update, ctx, actor)
        if action == "no":
            await send(
                update, context, actor, t(lang, "leave.discarded"), reply_markup=main_menu(lang)
            )
    else:
        await answer_query(query, t(lang, "button.stale"))


async def submit(
    update: Update,
    context: Context,
    ctx: AppContext,
    actor: Actor,
    team: Team,
    data: dict[str, Any],
    today: date,
) -> None:
    lang = actor.language
    span = date.fromisoformat(data["first"]), date.fromisoformat(data["last"])
    kind, leave_type, reason = data["kind"], data.get("type"), data["reason"]
    new = service.request_from(actor.user_id, team, kind, leave_type, span, reason, today)
    request, clashes, sent = await service.submit(ctx, context.bot, new)
    if request is None:
        await send(update, context, actor, clash_text(lang, clashes), reply_markup=main_menu(lang))
        return
    key = "req.submitted" if sent else "req.submitted_nobody"
    await send(
        update, context, actor, t(lang, key, id=request.id, n=sent), reply_markup=main_menu(lang)
    )


# -- the approval buttons --------------------------------------------------------------------


async def on_request_button(update: Update, context: Context) -> None:
    """req:approve|reject|cancel|end:<id>. The data is a pointer: every press is checked."""
    query = update.callback_query
    assert query is not None
    ctx, actor = await actor_of(update, context)
    lang = actor.language
    parts = (query.data or "").split(":")
    action = parts[1] if len(parts) == 3 else ""
    request_id = parse_id(parts[2]) if len(parts) == 3 else None
    if request_id is None or action not in ("approve", "reject", "cancel", "end"):
        await service.audit_refusal(ctx, actor, None, service.Refusal.NOT_FOUND, query.data or "")
        await answer_query(query, t(lang, "req.refused.not_found"), show_alert=True)
        return
    if action in ("cancel", "end"):
        await on_own_request(update, context, ctx, actor, action, request_id)
        return
    if action == "reject":
        checked = await service.check_decider(ctx, actor, request_id, "reject")
        if not checked.ok:
            await answer_refusal(query, ctx, lang, checked)
            return
        data = {"request_id": request_id}
        await move_flow(update, ctx, actor, REJECT_FLOW, "reason", data)
        await answer_query(query)
        await send(update, context, actor, t(lang, "req.ask_reject_reason", id=request_id))
        return
    outcome = await service.decide(ctx, context.bot, actor, request_id, approve=True)
    if not outcome.ok:
        await answer_refusal(query, ctx, lang, outcome)
        return
    await answer_query(query, t(lang, "req.done"))


async def answer_refusal(query: Any, ctx: AppContext, lang: str, outcome: service.Outcome) -> None:
    refusal = outcome.refusal or service.Refusal.NOT_FOUND
    request = outcome.request
    if refusal is service.Refusal.DECIDED and request is not None:
        by = request.admin_decided_by or request.decided_by
        name = await service.person_name(ctx, by) if by else "—"
        text = t(lang, "req.already", state=t(lang, f"req.state.{request.state}"), name=name)
        await answer_query(query, text)
        return
    await answer_query(query, t(lang, f"req.refused.{refusal}"), show_alert=True)


async def on_reject_reason(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
) -> None:
    message = update.effective_message
    reason, problem = reason_of(message.text if message else None)
    lang = actor.language
    if reason is None:
        await reply(update, t(lang, problem or "leave.reason_empty", max=REASON_MAX))
        return
    request_id = int(state.data["request_id"])
    outcome = await service.decide(
        ctx, context.bot, actor, request_id, approve=False, reason=reason
    )
    # Ended only once decided: a crash before this leaves the reason to be taken again.
    await end_flow(update, ctx, actor)
    if outcome.ok:
        await reply(update, t(lang, "req.rejected_done", id=request_id))
    elif outcome.refusal is service.Refusal.DECIDED and outcome.request:
        by = outcome.request.admin_decided_by or outcome.request.decided_by
        await reply(
            update,
            t(
                lang,
                "req.already",
                state=t(lang, f"req.state.{outcome.request.state}"),
                name=await service.person_name(ctx, by),
            ),
        )
    else:
        await reply(update, t(lang, f"req.refused.{outcome.refusal}"))


async def on_own_request(
    update: Update, context: Context, ctx: AppContext, actor: Actor, action: str, request_id: int
) -> None:
    query = update.callback_query
    assert query is not None
    lang = actor.language
    if action == "cancel":
        outcome = await service.cancel(ctx, context.bot, actor, request_id)
    else:
        outcome = await service.end_early(ctx, context.bot, actor, request_id)
    if not outcome.ok or outcome.request is None:
        key = (
            "req.refused.not_found"
            if outcome.refusal is service.Refusal.NOT_FOUND
            else "leave.cannot_change"
        )
        await answer_query(query, t(lang, key), show_alert=True)
        return
    await answer_query(query)
    r = outcome.request
    if action == "cancel":
        text = t(lang, "leave.cancelled", id=r.id, span=service.span(lang, r))
    else:
        text = t(
            lang,
            "leave.ended",
            id=r.id,
            day=r.ended_early_on.isoformat() if r.ended_early_on else "",
            days=r.days,
        )
    await send(update, context, actor, text)


async def on_makeup_button(update: Update, context: Context) -> None:
    """mk:<iso day>: the make-up offer under an after-cutoff check-in reply."""
    query = update.callback_query
    assert query is not None
    ctx, actor = await actor_of(update, context)
    team = await member_team(ctx, actor)
    value = (query.data or "").removeprefix("mk:")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if team is None or day is None:
        await answer_query(query, t(actor.language, "button.stale"))
        return
    await answer_query(query)
    await edit_pressed(query, None)
    await begin_makeup(update, context, ctx, actor, team, day)


def makeup_offer(lang: str, day: date) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(lang, "makeup.offer_button"), callback_data=f"mk:{day.isoformat()}"
                )
            ]
        ]
    )


async def on_other_message(update: Update, context: Context) -> None:
    """A sticker, document, contact… in a private chat while one of these conversations
    (leave, make-up, rejection reason, diary) expects an answer: that step asks again.
    Elsewhere such messages stay unanswered, as before."""
    if not is_private(update):
        return
    ctx, actor = await actor_of(update, context)
    state = await ctx.storage.flows.get(actor.user_id)
    if state is None and actor.known:
        # A sticker or file out of the blue: say what the bot does take.
        await reply(update, t(actor.language, "other.unsupported"), reply_markup=menu_for(actor))
        return
    await route_other(update, context, ctx, actor, state)


async def menu_leave(update: Update, context: Context, ctx: AppContext, actor: Actor) -> None:
    await cmd_leave(update, context)
