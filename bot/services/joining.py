"""Joining a team through an invite code (SPEC §3.1)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden, TelegramError

from bot.access import Actor
from bot.context import AppContext
from bot.i18n import t
from bot.rules.joining import JoinOutcome, current_role, join_outcome
from bot.services.recall import admin_ids, member_joined
from storage.models import Invite, RoleChange, Team

log = logging.getLogger(__name__)


class InviteProblem(StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    REVOKED = "revoked"
    USED_UP = "used_up"


@dataclass(frozen=True)
class InviteCheck:
    invite: Invite | None
    team: Team | None
    problem: InviteProblem | None


async def check_invite(ctx: AppContext, code: str) -> InviteCheck:
    invite = await ctx.storage.invites.get(code) if code else None
    if invite is None:
        return InviteCheck(None, None, InviteProblem.UNKNOWN)
    if invite.revoked_at is not None:
        return InviteCheck(invite, None, InviteProblem.REVOKED)
    if not invite.usable_at(ctx.now_ts()):
        return InviteCheck(invite, None, InviteProblem.EXPIRED)
    if invite.used_up:
        return InviteCheck(invite, None, InviteProblem.USED_UP)
    team = await ctx.storage.teams.get(invite.team_id)
    if team is None:
        return InviteCheck(invite, None, InviteProblem.UNKNOWN)
    return InviteCheck(invite, team, None)


def conflicting_team(actor: Actor, invite: Invite) -> str | None:
    """A member stationed elsewhere is never moved silently: the name of that team, if any."""
    if invite.role != "member":
        return None
    current = actor.member_of()
    if current and current.team_id != invite.team_id and current.state == "active":
        return current.team_name
    return None


async def outcome_for(ctx: AppContext, user_id: int, invite: Invite) -> JoinOutcome:
    """Read from storage each time: a recall or a join may have happened since the link
    was opened."""
    return join_outcome(await ctx.storage.people.memberships(user_id), invite.team_id, invite.role)


async def complete_join(
    ctx: AppContext,
    user_id: int,
    invite: Invite,
    *,
    name: str,
    unit: str,
    username: str | None,
    language: str | None = None,
) -> JoinOutcome | InviteProblem:
    """Joins a person new to the team. Anyone already in it keeps their place as it is: the
    outcome says why nothing changed (or the code ran out of uses meanwhile)."""
    now = ctx.now_ts()
    await ctx.storage.people.ensure(user_id, now=now, username=username)
    memberships = await ctx.storage.people.memberships(user_id)
    outcome = join_outcome(memberships, invite.team_id, invite.role)
    if outcome is not JoinOutcome.NEW:
        return outcome
    before = [(m.team_id, m.role, m.state) for m in memberships]
    # One transaction: a crash never leaves someone joined without their name, or (as a
    # member: stationed at one site at a time) still in their old team.
    joined = await ctx.storage.people.accept_invite(
        user_id,
        invite.team_id,
        invite.role,
        unit=unit,
        code=invite.code,
        now=now,
        name=name,
        leave_other_member_teams=invite.role == "member",
    )
    if not joined:
        return InviteProblem.USED_UP
    person = await ctx.storage.people.get(user_id)
    if language and person is not None and not person.language:
        # Kept so that messages the bot sends them unprompted (a recall, a reminder) are in
        # the language their Telegram app uses; /language changes it later.
        await ctx.storage.people.set_language(user_id, language, now=now)
    # The person the organisation's list (outpost member import) expects here, if named so.
    listed = invite.role == "member" and await ctx.storage.imports.match_expected(
        invite.team_id, name, user_id, now=now
    )
    await ctx.storage.audit.record(
        at=now,
        actor_id=user_id,
        action="invite.accept",
        team_id=invite.team_id,
        subject=invite.code,
        before=before,
        after={"role": invite.role, "name": name, "unit": unit, "on_list": listed},
    )
    if invite.role == "member":
        # Only a person new to the team fills the oldest vacancy a recall left there.
        await member_joined(ctx, invite.team_id, user_id)
    return outcome


async def ask_role_change(
    ctx: AppContext, actor: Actor, invite: Invite
) -> tuple[RoleChange, bool] | None:
    """Someone in the team opened a link for the other role: recorded for an admin to
    confirm (the link's use is taken). None when the code has no use left; the bool says
    whether the request is new (admins are asked once)."""
    from_role = current_role(actor.memberships, invite.team_id)
    assert from_role is not None
    return await ctx.storage.invites.ask_role_change(
        actor.user_id, invite.team_id, from_role, invite.role, code=invite.code, now=ctx.now_ts()
    )


async def decide_role_change(
    ctx: AppContext, change_id: int, *, approved: bool, admin_id: int
) -> RoleChange | None:
    """An admin's decision; the first one wins. The request as decided, or None when it was
    unknown or already decided."""
    if not await ctx.storage.invites.decide_role_change(
        change_id, approved=approved, by=admin_id, now=ctx.now_ts()
    ):
        return None
    return await ctx.storage.invites.role_change(change_id)


async def ask_admins(ctx: AppContext, bot: Bot, change: RoleChange, who: str, team: Team) -> int:
    """Each admin gets the request with Confirm / Refuse buttons; returns how many got it."""
    sent = 0
    for admin in await admin_ids(ctx):
        person = await ctx.storage.people.get(admin)
        lang = (person.language if person else None) or "en"
        role, current = t(lang, f"role.{change.to_role}"), t(lang, f"role.{change.from_role}")
        buttons = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        t(lang, "join.role_change_yes", role=role),
                        callback_data=f"role:ok:{change.id}",
                    ),
                    InlineKeyboardButton(
                        t(lang, "join.role_change_no"), callback_data=f"role:no:{change.id}"
                    ),
                ]
            ]
        )
        text = t(
            lang,
            "join.role_change_request",
            name=who,
            user_id=change.telegram_id,
            current=current,
            team=team.name,
            role=role,
        )
        try:
            await bot.send_message(admin, text, reply_markup=buttons)
        except Forbidden:
            await ctx.storage.people.set_unreachable(admin, True)
            continue
        except TelegramError as exc:
            log.warning("role change request to admin %s failed: %s", admin, exc)
            continue
        sent += 1
    return sent


async def tell_role_decision(ctx: AppContext, bot: Bot, change: RoleChange, team: Team) -> None:
    person = await ctx.storage.people.get(change.telegram_id)
    lang = (person.language if person else None) or "en"
    key = "join.role_change_told_yes" if change.approved else "join.role_change_told_no"
    text = t(
        lang,
        key,
        role=t(lang, f"role.{change.to_role}"),
        current=t(lang, f"role.{change.from_role}"),
        team=team.name,
    )
    try:
        await bot.send_message(change.telegram_id, text)
    except TelegramError as exc:
        log.warning("could not tell %s of the role decision: %s", change.telegram_id, exc)


@dataclass(frozen=True)
class RoleDecision:
    """A role change as an admin decided it, with what their answer names."""

    change: RoleChange
    team: Team
    name: str


async def settle_role_change(
    ctx: AppContext, change_id: int, *, approved: bool, admin_id: int
) -> RoleDecision | None:
    """decide_role_change, with the team and the person's name; None when there is nothing
    left to decide (unknown, decided already, or its team is gone)."""
    change = await decide_role_change(ctx, change_id, approved=approved, admin_id=admin_id)
    team = await ctx.storage.teams.get(change.team_id) if change else None
    if change is None or team is None:
        return None
    person = await ctx.storage.people.get(change.telegram_id)
    return RoleDecision(change, team, (person.name if person else None) or str(change.telegram_id))
