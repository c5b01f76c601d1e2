"""Joining a team through an invite code (SPEC §3.1)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.access import Actor
from bot.context import AppContext
from bot.services.recall import member_joined
from storage.models import Invite, Team


class InviteProblem(StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    REVOKED = "revoked"


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


async def complete_join(
    ctx: AppContext,
    user_id: int,
    invite: Invite,
    *,
    name: str,
    unit: str,
    username: str | None,
    language: str | None = None,
) -> None:
    now = ctx.now_ts()
    await ctx.storage.people.ensure(user_id, now=now, username=username)
    await ctx.storage.people.set_profile(user_id, name=name, unit=unit)
    person = await ctx.storage.people.get(user_id)
    if language and person is not None and not person.language:
        # Kept so that messages the bot sends them unprompted (a recall, a reminder) are in
        # the language their Telegram app uses; /language changes it later.
        await ctx.storage.people.set_language(user_id, language, now=now)
    before = [(m.team_id, m.role, m.state) for m in await ctx.storage.people.memberships(user_id)]
    if invite.role == "member":
        # Stationed at one site at a time: joining a new team as member leaves the old one.
        await ctx.storage.people.leave_other_member_teams(user_id, keep_team_id=invite.team_id)
    await ctx.storage.people.join(
        user_id, invite.team_id, invite.role, unit=unit, code=invite.code, now=now
    )
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
        # A member accepted into a team fills the oldest vacancy a recall left there.
        await member_joined(ctx, invite.team_id, user_id)
