"""Leave and make-up requests through one approval machinery (SPEC §3.4, §3.2).

Approvers are the team's active supervisors (admins when a team has none); a leave longer
than the policy's days then needs an admin's second approval. Admins may decide at either
stage; an admin deciding first gives both approvals at once. Callback data only points at a
request: who may decide is checked against storage on every press, and refusals are audited.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError

from bot.access import Actor, supervisors_of
from bot.context import AppContext
from bot.i18n import t
from bot.resilience import as_alert
from bot.rules.catchup import followup_late
from bot.rules.leave import (
    ESCALATE_AFTER,
    REMIND_AFTER,
    Followup,
    followup_due,
    is_retroactive,
    leave_days,
    leave_workdays,
    makeup_day_allowed,
    needs_admin_approval,
)
from bot.rules.policy import Policy
from bot.rules.team_hours import cutoff_utc, is_workday, local_day
from bot.services.late import LateNote, noted
from storage.leave_requests import NewRequest, PromptMessage, Request
from storage.models import Team

log = logging.getLogger(__name__)


class Refusal(StrEnum):
    NOT_FOUND = "not_found"
    OWN = "own"
    NOT_APPROVER = "not_approver"
    DECIDED = "decided"


FORGED = (Refusal.NOT_FOUND, Refusal.OWN, Refusal.NOT_APPROVER)


@dataclass(frozen=True)
class Outcome:
    request: Request | None
    refusal: Refusal | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None


# -- reading ---------------------------------------------------------------------------------


async def person_name(ctx: AppContext, telegram_id: int | None) -> str:
    if telegram_id is None:
        return "—"
    person = await ctx.storage.people.get(telegram_id)
    return person.name if person and person.name else str(telegram_id)


async def language_of_person(ctx: AppContext, telegram_id: int) -> str:
    person = await ctx.storage.people.get(telegram_id)
    return (person.language if person else None) or "en"


async def admin_ids(ctx: AppContext) -> list[int]:
    return sorted(set(ctx.settings.admins) | await ctx.storage.people.admin_ids())


def team_today(ctx: AppContext, team: Team) -> date:
    return local_day(ctx.clock.now(), team.timezone)


def span(lang: str, r: Request) -> str:
    if r.first_day == r.last_day:
        return r.first_day.isoformat()
    return t(lang, "req.span", first=r.first_day.isoformat(), last=r.last_day.isoformat())


async def describe(ctx: AppContext, lang: str, r: Request) -> str:
    """One request as approvers and the member see it."""
    team = await ctx.storage.teams.get(r.team_id)
    title = t(
        lang,
        f"req.title.{r.kind}",
        id=r.id,
        name=await person_name(ctx, r.telegram_id),
        team=team.name if team else "?",
    )
    lines = [title]
    if r.kind == "leave":
        lines.append(
            t(
                lang,
                "req.leave_line",
                type=t(lang, f"leave_type.{r.leave_type}"),
                span=span(lang, r),
                days=r.days,
            )
        )
    else:
        lines.append(t(lang, "req.makeup_line", day=r.first_day.isoformat()))
    lines.append(t(lang, "req.reason_line", reason=r.reason))
    if r.retroactive:
        lines.append(t(lang, "req.retroactive"))
    if r.ended_early_on:
        lines.append(t(lang, "req.ended_early", day=r.ended_early_on.isoformat(), days=r.days))
    return "\n".join(lines)


def decision_buttons(lang: str, request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(lang, "req.approve"), callback_data=f"req:approve:{request_id}"
                ),
                InlineKeyboardButton(
                    t(lang, "req.reject"), callback_data=f"req:reject:{request_id}"
                ),
            ]
        ]
    )


# -- submitting ------------------------------------------------------------------------------


async def submit(
    ctx: AppContext, bot: telegram.Bot, new: NewRequest
) -> tuple[Request | None, list[Request], int]:
    """Stores a request (refused when it overlaps an active one) and sends it to the team's
    approvers. Returns the request, the clashes, and how many approvers got it."""
    request, clashes = await ctx.storage.leave_requests.create(new, now=ctx.now_ts())
    if request is None:
        return None, clashes, 0
    sent = await send_prompts(ctx, bot, request, await approvers(ctx, request), "supervisor")
    if sent == 0:
        # No supervisor could be reached (none left, or all blocked the bot): admins decide.
        admins = [i for i in await admin_ids(ctx) if i != request.telegram_id]
        sent = await send_prompts(ctx, bot, request, admins, "admin", key="req.escalated")
    return request, [], sent


async def approvers(ctx: AppContext, request: Request) -> list[int]:
    team = await ctx.storage.teams.get(request.team_id)
    ids = [p.telegram_id for p in await supervisors_of(ctx, team)] if team else []
    ids = [i for i in ids if i != request.telegram_id]
    return ids or [i for i in await admin_ids(ctx) if i != request.telegram_id]


async def send_prompts(
    ctx: AppContext,
    bot: telegram.Bot,
    request: Request,
    recipients: list[int],
    audience: str,
    *,
    key: str | None = None,
    late: LateNote | None = None,
) -> int:
    """Sends the request with Approve/Reject buttons and records each message, so that the
    first decision can turn all of them into "already decided by …"."""
    sent = 0
    for chat_id in recipients:
        lang = await language_of_person(ctx, chat_id)
        text = await describe(ctx, lang, request)
        if key:
            text = t(lang, key) + "\n\n" + text
        text = noted(text, lang, late)
        try:
            message = await bot.send_message(
                chat_id, text, reply_markup=decision_buttons(lang, request.id), **as_alert(bot)
            )
        except TelegramError as exc:
            log.warning("request %s: prompt to %s failed: %s", request.id, chat_id, exc)
            continue
        await ctx.storage.leave_requests.add_prompt(
            request.id, chat_id, message.message_id, audience
        )
        sent += 1
    return sent


# -- deciding --------------------------------------------------------------------------------


def refusal_for(actor: Actor, request: Request | None) -> Refusal | None:
    """Whether this person may decide this request at its current stage."""
    if request is None:
        return Refusal.NOT_FOUND
    if request.telegram_id == actor.user_id:
        return Refusal.OWN
    may_supervise = actor.supervises(request.team_id) or actor.is_admin
    if not may_supervise:
        return Refusal.NOT_APPROVER
    if request.state == "pending":
        return None
    if request.state == "awaiting_admin" and actor.is_admin:
        return None
    return Refusal.DECIDED


async def audit_refusal(
    ctx: AppContext, actor: Actor, request_id: int | None, refusal: Refusal, action: str
) -> None:
    request = await ctx.storage.leave_requests.get(request_id) if request_id else None
    await ctx.storage.audit.record(
        at=ctx.now_ts(),
        actor_id=actor.user_id,
        action="request.forged" if refusal in FORGED else "request.stale",
        team_id=request.team_id if request else None,
        subject=f"request:{request_id}",
        after={"pressed": action, "refusal": refusal.value},
    )


async def check_decider(ctx: AppContext, actor: Actor, request_id: int, action: str) -> Outcome:
    request = await ctx.storage.leave_requests.get(request_id)
    refusal = refusal_for(actor, request)
    if refusal is not None:
        await audit_refusal(ctx, actor, request_id, refusal, action)
    return Outcome(request, refusal)


async def decide(
    ctx: AppContext,
    bot: telegram.Bot,
    actor: Actor,
    request_id: int,
    *,
    approve: bool,
    reason: str | None = None,
) -> Outcome:
    """One press of Approve (or a rejection with its reason). Exactly one concurrent decider
    wins; everyone else gets `Refusal.DECIDED` and nothing changes."""
    action = "approve" if approve else "reject"
    checked = await check_decider(ctx, actor, request_id, action)
    request = checked.request
    if not checked.ok or request is None:
        return checked
    team = await ctx.storage.teams.get(request.team_id)
    admin_stage = request.state == "awaiting_admin"
    limit = team.policy.second_approval_after_days if team else Policy().second_approval_after_days
    two_level = needs_admin_approval(request.kind, request.days, limit)
    if not approve:
        new_state = "rejected"
    elif two_level and not admin_stage and not actor.is_admin:
        new_state = "awaiting_admin"
    else:
        new_state = "approved"
    decision = await ctx.storage.leave_requests.decide(
        request_id,
        expect_state=request.state,
        new_state=new_state,
        actor_id=actor.user_id,
        admin_stage=admin_stage,
        reason=reason,
        now=ctx.now_ts(),
        # An admin deciding a long leave first gives the second approval as well.
        also_admin=two_level and actor.is_admin and not admin_stage,
    )
    if not decision.won or decision.request is None:
        await audit_refusal(ctx, actor, request_id, Refusal.DECIDED, action)
        return Outcome(decision.request, Refusal.DECIDED)
    after = decision.request
    await asyncio.gather(
        close_prompts(ctx, bot, after, actor.user_id, new_state),
        tell_member(ctx, bot, after, actor.user_id, new_state),
    )
    if new_state == "awaiting_admin":
        await send_prompts(ctx, bot, after, await admin_ids(ctx), "admin", key="req.admin_needed")
    return Outcome(after)


async def close_prompts(
    ctx: AppContext, bot: telegram.Bot, request: Request, decider: int | None, outcome: str
) -> None:
    """Every open prompt of this request becomes a statement of what was decided, by whom."""
    name = await person_name(ctx, decider)
    prompts = [
        p for p in await ctx.storage.leave_requests.prompts(request.id) if p.audience != "member"
    ]
    await asyncio.gather(*(_close_one(ctx, bot, request, p, name, outcome) for p in prompts))


async def _close_one(
    ctx: AppContext,
    bot: telegram.Bot,
    request: Request,
    prompt: PromptMessage,
    name: str,
    outcome: str,
) -> None:
    lang = await language_of_person(ctx, prompt.chat_id)
    text = await describe(ctx, lang, request) + "\n\n" + t(lang, f"req.closed.{outcome}", name=name)
    try:
        await bot.edit_message_text(text, chat_id=prompt.chat_id, message_id=prompt.message_id)
    except TelegramError as exc:
        # Already showing this text, deleted by the user, too old: nothing to fix.
        log.info("request %s: prompt %s not edited: %s", request.id, prompt, exc)


async def tell_member(
    ctx: AppContext, bot: telegram.Bot, request: Request, decider: int, outcome: str
) -> None:
    lang = await language_of_person(ctx, request.telegram_id)
    team = await ctx.storage.teams.get(request.team_id)
    text = t(
        lang,
        f"req.member.{request.kind}.{outcome}",
        id=request.id,
        name=await person_name(ctx, decider),
        span=span(lang, request),
        limit=team.policy.second_approval_after_days if team else 5,
        reason=request.decision_reason or "—",
    )
    try:
        await bot.send_message(request.telegram_id, text)
    except TelegramError as exc:
        log.warning("request %s: member not told: %s", request.id, exc)


# -- the member withdrawing ------------------------------------------------------------------


async def cancel(ctx: AppContext, bot: telegram.Bot, actor: Actor, request_id: int) -> Outcome:
    request = await ctx.storage.leave_requests.get(request_id)
    if request is None or request.telegram_id != actor.user_id:
        await audit_refusal(ctx, actor, request_id, Refusal.NOT_FOUND, "cancel")
        return Outcome(None, Refusal.NOT_FOUND)
    team = await ctx.storage.teams.get(request.team_id)
    today = team_today(ctx, team) if team else request.first_day
    decision = await ctx.storage.leave_requests.cancel(
        request_id, actor.user_id, today=today, now=ctx.now_ts()
    )
    if not decision.won or decision.request is None:
        return Outcome(request, Refusal.DECIDED)
    await close_prompts(ctx, bot, decision.request, actor.user_id, "cancelled")
    if request.state == "approved":
        await notify_approvers(ctx, bot, decision.request, "req.notice.cancelled")
    return Outcome(decision.request)


async def end_early(ctx: AppContext, bot: telegram.Bot, actor: Actor, request_id: int) -> Outcome:
    """The member is back before the leave's last day: today onwards is released."""
    request = await ctx.storage.leave_requests.get(request_id)
    if request is None or request.telegram_id != actor.user_id:
        await audit_refusal(ctx, actor, request_id, Refusal.NOT_FOUND, "end")
        return Outcome(None, Refusal.NOT_FOUND)
    team = await ctx.storage.teams.get(request.team_id)
    today = team_today(ctx, team) if team else request.first_day
    last = today - timedelta(days=1)
    days = (
        leave_workdays(request.first_day, last, team.schedule)
        if team
        else leave_days(request.first_day, last)
    )
    decision = await ctx.storage.leave_requests.end_early(
        request_id, actor.user_id, back_on=today, days=days, now=ctx.now_ts()
    )
    if not decision.won or decision.request is None:
        return Outcome(request, Refusal.DECIDED)
    await notify_approvers(ctx, bot, decision.request, "req.notice.ended")
    return Outcome(decision.request)


async def notify_approvers(ctx: AppContext, bot: telegram.Bot, request: Request, key: str) -> None:
    for chat_id in await approvers(ctx, request):
        lang = await language_of_person(ctx, chat_id)
        text = t(lang, key, name=await person_name(ctx, request.telegram_id), id=request.id)
        try:
            await bot.send_message(chat_id, text + "\n\n" + await describe(ctx, lang, request))
        except TelegramError as exc:
            log.warning("request %s: notice to %s failed: %s", request.id, chat_id, exc)


# -- reminders and escalation ----------------------------------------------------------------


async def leave_followups(ctx: AppContext, bot: telegram.Bot) -> int:
    """Reminds approvers of requests undecided for 24 h and escalates those undecided for
    48 h to the admins, each once (claimed in storage before sending, so two runs never
    double up). Meant to be called by the scheduler every few minutes; returns messages sent."""
    now = ctx.clock.now()
    sent = 0
    for request in await ctx.storage.leave_requests.undecided(
        created_before=(now - REMIND_AFTER).timestamp()
    ):
        due = followup_due(
            _at(request.created_at), _opt(request.reminded_at), _opt(request.escalated_at), now
        )
        if due is Followup.REMIND:
            if await ctx.storage.leave_requests.claim_followup(
                request.id, "reminded_at", now=now.timestamp()
            ):
                recipients = await approvers(ctx, request)
                late = await _followup_note(ctx, request, REMIND_AFTER, now)
                sent += await send_prompts(
                    ctx, bot, request, recipients, "supervisor", key="req.reminder", late=late
                )
        elif due is Followup.ESCALATE:
            if await ctx.storage.leave_requests.claim_followup(
                request.id, "escalated_at", now=now.timestamp()
            ):
                recipients = [i for i in await admin_ids(ctx) if i != request.telegram_id]
                late = await _followup_note(ctx, request, ESCALATE_AFTER, now)
                sent += await send_prompts(
                    ctx, bot, request, recipients, "admin", key="req.escalated", late=late
                )
    # The second level is reminded like the first: once, a day after the supervisor's yes.
    for request in await ctx.storage.leave_requests.awaiting_admin(
        decided_before=(now - REMIND_AFTER).timestamp()
    ):
        if await ctx.storage.leave_requests.claim_followup(
            request.id, "admin_reminded_at", now=now.timestamp()
        ):
            recipients = [i for i in await admin_ids(ctx) if i != request.telegram_id]
            sent += await send_prompts(ctx, bot, request, recipients, "admin", key="req.reminder")
    return sent


async def _followup_note(
    ctx: AppContext, request: Request, after: timedelta, now: datetime
) -> LateNote | None:
    """A follow-up long past its mark (the bot was down) says it is late."""
    due = followup_late(_at(request.created_at), after, now)
    if due is None:
        return None
    team = await ctx.storage.teams.get(request.team_id)
    return LateNote(due, team.timezone if team else ctx.settings.timezone)


def _at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _opt(ts: float | None) -> datetime | None:
    return None if ts is None else _at(ts)


__all__ = [
    "Outcome",
    "Refusal",
    "cancel",
    "decide",
    "end_early",
    "leave_followups",
    "submit",
]


# -- make-up eligibility and building a request from a conversation --------------------------


class MakeupRefusal(StrEnum):
    NOT_YET = "not_yet"  # today, before the cutoff: it may still be checked in
    BEFORE_JOINING = "before_joining"
    NOT_WORKDAY = "not_workday"
    NOT_NEEDED = "not_needed"  # checked in (or made up) that day
    CLASH = "clash"  # a leave or make-up already covers it


@dataclass(frozen=True)
class MakeupCheck:
    """Whether a member may ask to make up `day`, and if not what says why."""

    refusal: MakeupRefusal | None
    since: date | None = None  # BEFORE_JOINING: the joining day
    timing: str | None = None  # NOT_NEEDED: how the day was recorded
    clashes: tuple[Request, ...] = ()


async def check_makeup(ctx: AppContext, actor: Actor, team: Team, day: date) -> MakeupCheck:
    today = team_today(ctx, team)
    after_cutoff = ctx.clock.now() >= cutoff_utc(today, team.timezone, team.schedule)
    if not makeup_day_allowed(day, today, after_cutoff):
        return MakeupCheck(MakeupRefusal.NOT_YET)
    since = joined_day_in(actor, team)
    if since is not None and day < since:
        return MakeupCheck(MakeupRefusal.BEFORE_JOINING, since=since)
    if not is_workday(day, team.schedule):
        return MakeupCheck(MakeupRefusal.NOT_WORKDAY)
    state = await ctx.storage.checkins.day_state(actor.user_id, team.id, day)
    if state is not None and state["timing"] != "missed":
        return MakeupCheck(MakeupRefusal.NOT_NEEDED, timing=str(state["timing"]))
    clashes = await ctx.storage.leave_requests.clashes(actor.user_id, day, day)
    if clashes:
        return MakeupCheck(MakeupRefusal.CLASH, clashes=tuple(clashes))
    return MakeupCheck(None)


def joined_day_in(actor: Actor, team: Team) -> date | None:
    """The day the actor joined `team` as a member, in the team's own time (None: not one)."""
    membership = actor.member_of()
    if membership is None or membership.team_id != team.id:
        return None
    return membership.joined_day(team.timezone)


def request_from(
    actor_id: int,
    team: Team,
    kind: str,
    leave_type: str | None,
    span: tuple[date, date],
    reason: str,
    today: date,
) -> NewRequest:
    """The request a finished leave or make-up conversation asks for: leave counts the
    team's workdays in it, a make-up its one day; leave for past days is retroactive."""
    first, last = span
    is_leave = kind == "leave"
    return NewRequest(
        kind=kind,
        telegram_id=actor_id,
        team_id=team.id,
        leave_type=leave_type if is_leave else None,
        first_day=first,
        last_day=last,
        days=leave_workdays(first, last, team.schedule) if is_leave else leave_days(first, last),
        reason=reason,
        retroactive=is_leave and is_retroactive(first, today),
    )
