"""Creating teams and invites, shared by the CLI and the /newteam chat wizard."""

from __future__ import annotations

from dataclasses import dataclass

from bot.context import AppContext
from bot.rules.checkin import Site
from bot.rules.geo import Datum, to_wgs84, validate_radius
from bot.rules.schedule import Schedule
from storage.models import Invite, Team

ROLES = ("member", "supervisor")


@dataclass(frozen=True)
class TeamDraft:
    name: str
    lat: float
    lon: float
    datum: Datum
    radius_m: int
    timezone: str
    on_time: str = "07:30"


def invite_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"


async def create_team(ctx: AppContext, draft: TeamDraft, *, actor_id: int | None) -> Team:
    from bot.rules.schedule import parse_hhmm

    point = to_wgs84(draft.lat, draft.lon, draft.datum)
    site = Site(lat=point.lat, lon=point.lon, radius_m=validate_radius(draft.radius_m))
    team = await ctx.storage.teams.create(
        draft.name,
        draft.timezone,
        site,
        now=ctx.now_ts(),
        schedule=Schedule(on_time=parse_hhmm(draft.on_time)),
        entered=(draft.lat, draft.lon, draft.datum.value),
    )
    await ctx.storage.audit.record(
        at=ctx.now_ts(),
        actor_id=actor_id,
        action="team.create",
        team_id=team.id,
        subject=team.name,
        after={
            "site": [site.lat, site.lon, site.radius_m],
            "entered": [draft.lat, draft.lon, draft.datum.value],
            "timezone": team.timezone,
            "on_time": draft.on_time,
        },
    )
    return team


async def create_invite(ctx: AppContext, team: Team, role: str, *, actor_id: int | None) -> Invite:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    invite = await ctx.storage.invites.create(
        team.id, role, now=ctx.now_ts(), days=ctx.settings.invite_days, created_by=actor_id
    )
    await ctx.storage.audit.record(
        at=ctx.now_ts(),
        actor_id=actor_id,
        action="invite.create",
        team_id=team.id,
        subject=invite.code,
        after={"role": role, "expires_at": invite.expires_at},
    )
    return invite


async def revoke_invite(ctx: AppContext, code: str, *, actor_id: int | None) -> bool:
    invite = await ctx.storage.invites.get(code)
    if invite is None:
        return False
    await ctx.storage.invites.revoke(code, now=ctx.now_ts())
    await ctx.storage.audit.record(
        at=ctx.now_ts(),
        actor_id=actor_id,
        action="invite.revoke",
        team_id=invite.team_id,
        subject=code,
        before={"revoked": invite.revoked_at is not None, "uses": invite.uses},
        after={"revoked": True},
    )
    return True
