"""/leave and /makeup conversations, the member's own requests, and the approval buttons.

The conversation (flow "leave") is bot/flows/leave.py: its typed state, steps and what each
decides. Here: read the update, call the step, show its outcome. Leave (type, first day,
last day, reason, confirm) and make-up (reason, confirm) both end in
`services.leave_requests.submit`.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.access import Actor
from bot.context import AppContext
from bot.flows import leave as flow
from bot.flows import progress
from bot.flows.leave import REASON_MAX, Ask, Clashed, Submitted
from bot.flows.outcome import Problem
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
from handlers.flows import answered_before_step, route_other
from handlers.pressed import Press, pressed
from storage.leave_requests import Request
from storage.models import FlowState, Team

# The flows bot/app.py routes to this module.
FLOW, REJECT_FLOW = flow.FLOW, flow.REJECT_FLOW


# -- what the member sees --------------------------------------------------------------------


def calendar_markup(lang: str, month: date, today: date) -> InlineKeyboardMarkup:
    """A month of day buttons (lv:day:<iso>) with month navigation (lv:mon:<YYYY-MM>)."""
    bounds = flow.calendar_bounds(today)
    first = month.replace(day=1)
    rows = [_month_nav(lang, first, bounds), _weekday_header(lang)]
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        rows.append([_day_button(day, first, bounds) for day in week])
    return InlineKeyboardMarkup(rows)


def _blank() -> InlineKeyboardButton:
    return InlineKeyboardButton(" ", callback_data="lv:nop")


def _month_nav(lang: str, first: date, bounds: flow.CalendarBounds) -> list[InlineKeyboardButton]:
    prev_month = (first - timedelta(days=1)).replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    title = t(lang, "leave.month", year=first.year, month=first.month)
    return [
        InlineKeyboardButton("◀", callback_data=f"lv:mon:{prev_month:%Y-%m}")
        if prev_month >= bounds.earliest.replace(day=1)
        else _blank(),
        InlineKeyboardButton(title, callback_data="lv:nop"),
        InlineKeyboardButton("▶", callback_data=f"lv:mon:{next_month:%Y-%m}")
        if next_month <= bounds.latest
        else _blank(),
    ]


def _weekday_header(lang: str) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(name, callback_data="lv:nop")
        for name in t(lang, "leave.weekdays").split()
    ]


def _day_button(day: date, month: date, bounds: flow.CalendarBounds) -> InlineKeyboardButton:
    if day.month != month.month or not (bounds.earliest <= day <= bounds.latest):
        return _blank()
    label = f"·{day.day}·" if day == bounds.today else str(day.day)
    return InlineKeyboardButton(label, callback_data=f"lv:day:{day.isoformat()}")


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


def clash_text(lang: str, clashes: tuple[Request, ...] | list[Request]) -> str:
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


def question(lang: str, ask: Ask, team: Team, today: date) -> tuple[str, Any]:
    """The text and buttons of the question the flow waits on at `ask.step`."""
    state = ask.state
    if ask.step == "type":
        return t(lang, "leave.ask_type"), type_markup(lang)
    if ask.step == "first":
        return t(lang, "leave.ask_first"), calendar_markup(lang, today, today)
    if ask.step == "last":
        first = date.fromisoformat(state.first or "")
        return t(lang, "leave.ask_last", first=first.isoformat()), calendar_markup(
            lang, first, today
        )
    if ask.step == "reason" and state.kind == "makeup":
        return t(lang, "makeup.ask_reason", day=state.first), None
    if ask.step == "reason":
        return t(lang, "leave.ask_reason"), None
    return summary_text(lang, flow.summary_of(state, team, today)), confirm_markup(lang)


def summary_text(lang: str, s: flow.Summary) -> str:
    state = s.state
    if state.kind == "makeup":
        return t(lang, "makeup.summary", day=s.first.isoformat(), reason=state.reason)
    text = t(
        lang,
        "leave.summary",
        type=t(lang, f"leave_type.{state.type}"),
        first=s.first.isoformat(),
        last=s.last.isoformat(),
        days=s.workdays,
        reason=state.reason,
    )
    if s.admin_limit is not None:
        # Said before sending, as DingTalk shows the approval chain up front.
        text += "\n" + t(lang, "leave.needs_admin", limit=s.admin_limit)
    if s.retroactive:
        text += "\n" + t(lang, "req.retroactive")
    return text


async def show_step(
    update: Update, context: Context, ctx: AppContext, actor: Actor, team: Team, outcome: flow.Step
) -> None:
    """A step's outcome: the next question, a refusal, or the clash that restarts the dates."""
    lang = actor.language
    today = service.team_today(ctx, team)
    if isinstance(outcome, Problem):
        await send(update, context, actor, t(lang, outcome.key, **outcome.values))
        return
    if isinstance(outcome, Clashed):
        text = clash_text(lang, outcome.clashes) + "\n\n" + t(lang, "leave.ask_first")
        await send(update, context, actor, text, reply_markup=calendar_markup(lang, today, today))
        return
    text, markup = question(lang, outcome, team, today)
    await send(update, context, actor, text, reply_markup=markup)


def own_requests_view(
    lang: str, mine: list[flow.OwnRequest]
) -> tuple[str, InlineKeyboardMarkup | None]:
    lines = [t(lang, "leave.yours")]
    buttons = []
    for own in mine:
        r = own.request
        kind, span = t(lang, f"req.kind.{r.kind}"), service.span(lang, r)
        state = t(lang, f"req.state.{r.state}")
        lines.append(t(lang, "leave.your_item", id=r.id, kind=kind, span=span, state=state))
        if own.action is not None:
            label = t(lang, f"leave.{own.action}_button", id=r.id)
            buttons.append([InlineKeyboardButton(label, callback_data=f"req:{own.action}:{r.id}")])
    return "\n".join(lines), InlineKeyboardMarkup(buttons) if buttons else None


# -- starting --------------------------------------------------------------------------------


async def cmd_leave(update: Update, context: Context) -> None:
    opened = await open_member_command(update, context, "leave.members_only")
    if opened is None:
        return
    ctx, actor, team = opened
    await show_my_requests(update, ctx, actor, team, empty_note=False)
    ask = await flow.start(ctx, actor, update.update_id)
    await show_step(update, context, ctx, actor, team, ask)


async def cmd_cancelleave(update: Update, context: Context) -> None:
    ctx, actor = await actor_of(update, context)
    team = await member_team(ctx, actor) if is_private(update) else None
    if team is None:
        await reply(update, t(actor.language, "leave.members_only"))
        return
    await show_my_requests(update, ctx, actor, team, empty_note=True)


async def show_my_requests(
    update: Update, ctx: AppContext, actor: Actor, team: Team, *, empty_note: bool
) -> None:
    """The member's pending and future requests, each with what can still be done to it."""
    mine = await flow.own_requests(ctx, actor, team)
    if mine:
        text, markup = own_requests_view(actor.language, mine)
        await reply(update, text, reply_markup=markup)
    elif empty_note:
        await reply(update, t(actor.language, "leave.none"))


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
    outcome = await flow.begin_makeup(ctx, actor, team, day, update.update_id)
    if isinstance(outcome, Ask):
        await show_step(update, context, ctx, actor, team, outcome)
    else:
        await send(update, context, actor, makeup_refusal_text(actor.language, team, day, outcome))


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
    return clash_text(lang, checked.clashes)


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
        await progress.drop(ctx, actor.user_id)
        await reply(update, t(lang, "leave.members_only"))
    elif state.step in ("first", "last"):
        await _typed_day(update, context, ctx, actor, team, state, text)
    elif state.step == "reason":
        outcome = await flow.take_reason(ctx, actor, state, text, update.update_id)
        await show_step(update, context, ctx, actor, team, outcome)
    else:
        markup = type_markup(lang) if state.step == "type" else confirm_markup(lang)
        await reply(update, t(lang, "leave.use_buttons"), reply_markup=markup)


async def _typed_day(
    update: Update,
    context: Context,
    ctx: AppContext,
    actor: Actor,
    team: Team,
    state: FlowState,
    text: str | None,
) -> None:
    today = service.team_today(ctx, team)
    parsed = rules.parse_day(text, today)
    if parsed.day is None:
        problem = t(actor.language, f"leave.day.{parsed.problem}", example=today.isoformat())
        await reply(update, problem)
        return
    outcome = await flow.take_day(ctx, actor, team, state, parsed.day, update.update_id)
    await show_step(update, context, ctx, actor, team, outcome)


async def ask_current_question(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
) -> None:
    """The question the flow waits on, asked again (for an update that already moved it)."""
    team = await member_team(ctx, actor)
    if team is not None:
        await show_step(update, context, ctx, actor, team, Ask(state.step, flow.typed(state)))


async def on_leave_button(update: Update, context: Context) -> None:
    """lv:type:<t>, lv:day:<iso>, lv:mon:<YYYY-MM>, lv:ok, lv:no — only in the right step."""
    press = await pressed(update, context)
    if press.parts[1:] == ["nop"]:
        await answer_query(press.query)
        return
    ctx, actor = press.ctx, press.actor
    state = await progress.current(ctx, actor.user_id)
    if await answered_before_step(update, context, ctx, actor, state):
        await answer_query(press.query)
        return
    team = await member_team(ctx, actor)
    if state is None or state.flow != FLOW or team is None:
        await answer_query(press.query, t(actor.language, "button.stale"))
        return
    await _leave_press(update, context, press, team, state)


async def _leave_press(
    update: Update, context: Context, press: Press, team: Team, state: FlowState
) -> None:
    action, value = press.part(1), press.part(2)
    if action == "type" and state.step == "type" and value in rules.LEAVE_TYPES:
        await _chose_type(update, context, press, team, state, value)
    elif action == "mon" and state.step in ("first", "last"):
        await _turned_month(press, team, value)
    elif action == "day" and state.step in ("first", "last"):
        await _pressed_day(update, context, press, team, state, value)
    elif action in ("ok", "no") and state.step == "confirm":
        await answer_query(press.query)
        await edit_pressed(press.query, None)
        await _confirm(update, context, press, team, state, action == "ok")
    else:
        await answer_query(press.query, t(press.actor.language, "button.stale"))


async def _chose_type(
    update: Update, context: Context, press: Press, team: Team, state: FlowState, value: str
) -> None:
    lang = press.actor.language
    await answer_query(press.query)
    await edit_pressed(
        press.query, t(lang, "leave.type_chosen", type=t(lang, f"leave_type.{value}"))
    )
    ask = await flow.choose_type(press.ctx, press.actor, flow.typed(state), value, update.update_id)
    await show_step(update, context, press.ctx, press.actor, team, ask)


async def _turned_month(press: Press, team: Team, value: str) -> None:
    today = service.team_today(press.ctx, team)
    month = flow.calendar_bounds(today).month(value)
    if month is None:
        await answer_query(press.query, t(press.actor.language, "button.stale"))
        return
    await answer_query(press.query)
    await edit_pressed(press.query, None, calendar_markup(press.actor.language, month, today))


async def _pressed_day(
    update: Update, context: Context, press: Press, team: Team, state: FlowState, value: str
) -> None:
    parsed = rules.parse_day(value, service.team_today(press.ctx, team))
    if parsed.day is None:
        await answer_query(press.query, t(press.actor.language, "button.stale"))
        return
    await answer_query(press.query, parsed.day.isoformat())
    await edit_pressed(press.query, None)
    outcome = await flow.take_day(press.ctx, press.actor, team, state, parsed.day, update.update_id)
    await show_step(update, context, press.ctx, press.actor, team, outcome)


async def _confirm(
    update: Update, context: Context, press: Press, team: Team, state: FlowState, send_it: bool
) -> None:
    lang = press.actor.language
    outcome = await flow.confirm(
        press.ctx, context.bot, press.actor, team, state, send_it, update.update_id
    )
    if not isinstance(outcome, Submitted):
        text = t(lang, "leave.discarded")
    elif outcome.request is None:
        text = clash_text(lang, outcome.clashes)
    else:
        key = "req.submitted" if outcome.sent else "req.submitted_nobody"
        text = t(lang, key, id=outcome.request.id, n=outcome.sent)
    await send(update, context, press.actor, text, reply_markup=main_menu(lang))


# -- the approval buttons --------------------------------------------------------------------


async def on_request_button(update: Update, context: Context) -> None:
    """req:approve|reject|cancel|end:<id>. The data is a pointer: every press is checked."""
    press = await pressed(update, context)
    ctx, actor, query = press.ctx, press.actor, press.query
    action = press.part(1) if len(press.parts) == 3 else ""
    request_id = parse_id(press.part(2)) if len(press.parts) == 3 else None
    if request_id is None or action not in ("approve", "reject", "cancel", "end"):
        await service.audit_refusal(ctx, actor, None, service.Refusal.NOT_FOUND, query.data or "")
        await answer_query(query, t(actor.language, "req.refused.not_found"), show_alert=True)
    elif action in ("cancel", "end"):
        await on_own_request(update, context, ctx, actor, action, request_id)
    elif action == "reject":
        await _begin_rejection(update, context, press, request_id)
    else:
        outcome = await service.decide(ctx, context.bot, actor, request_id, approve=True)
        await _answer_decision(press, outcome)


async def _begin_rejection(update: Update, context: Context, press: Press, request_id: int) -> None:
    checked = await flow.begin_rejection(press.ctx, press.actor, request_id, update.update_id)
    if not checked.ok:
        await answer_refusal(press.query, press.ctx, press.actor.language, checked)
        return
    await answer_query(press.query)
    text = t(press.actor.language, "req.ask_reject_reason", id=request_id)
    await send(update, context, press.actor, text)


async def _answer_decision(press: Press, outcome: service.Outcome) -> None:
    if outcome.ok:
        await answer_query(press.query, t(press.actor.language, "req.done"))
    else:
        await answer_refusal(press.query, press.ctx, press.actor.language, outcome)


async def refusal_text(ctx: AppContext, lang: str, outcome: service.Outcome) -> str:
    """Why a decision did not go ahead; for one already decided, by whom."""
    if outcome.refusal is service.Refusal.DECIDED and outcome.request is not None:
        state = t(lang, f"req.state.{outcome.request.state}")
        return t(
            lang, "req.already", state=state, name=await flow.decider_name(ctx, outcome.request)
        )
    return t(lang, f"req.refused.{outcome.refusal or service.Refusal.NOT_FOUND}")


async def answer_refusal(query: Any, ctx: AppContext, lang: str, outcome: service.Outcome) -> None:
    decided = outcome.refusal is service.Refusal.DECIDED and outcome.request is not None
    await answer_query(query, await refusal_text(ctx, lang, outcome), show_alert=not decided)


async def on_reject_reason(
    update: Update, context: Context, ctx: AppContext, actor: Actor, state: FlowState
) -> None:
    message = update.effective_message
    reason, problem = flow.reason_of(message.text if message else None)
    lang = actor.language
    if reason is None:
        await reply(update, t(lang, problem or "leave.reason_empty", max=REASON_MAX))
        return
    outcome = await flow.reject_with_reason(
        ctx, context.bot, actor, state, reason, update.update_id
    )
    if outcome.ok:
        await reply(update, t(lang, "req.rejected_done", id=state.data["request_id"]))
    else:
        await reply(update, await refusal_text(ctx, lang, outcome))


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
    state = await progress.current(ctx, actor.user_id)
    if state is None and actor.known:
        # A sticker or file out of the blue: say what the bot does take.
        await reply(update, t(actor.language, "other.unsupported"), reply_markup=menu_for(actor))
        return
    await route_other(update, context, ctx, actor, state)


async def menu_leave(update: Update, context: Context, ctx: AppContext, actor: Actor) -> None:
    await cmd_leave(update, context)
