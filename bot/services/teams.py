"""Creating teams and invites, shared by the CLI and the /newteam chat wizard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.context import AppContext
from bot.rules.calendar import format_workdays, parse_workdays
from bot.rules.checkin import Site
from bot.rules.geo import Datum, to_wgs84, validate_radius
from bot.rules.joining import default_uses
from bot.rules.names import clean_team_name
from bot.rules.policy import POLICY_SETTINGS, Policy, describe_policy, policy_setting
from bot.rules.team_hours import Schedule
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
    cutoff: str = "12:00"


def invite_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"


async def create_team(ctx: AppContext, draft: TeamDraft, *, actor_id: int | None) -> Team:
    from bot.rules.team_hours import parse_hhmm

    name = clean_team_name(draft.name)
    point = to_wgs84(draft.lat, draft.lon, draft.datum)
    site = Site(lat=point.lat, lon=point.lon, radius_m=validate_radius(draft.radius_m))
    team = await ctx.storage.teams.create(
        name,
        draft.timezone,
        site,
        now=ctx.now_ts(),
        schedule=Schedule(on_time=parse_hhmm(draft.on_time), cutoff=parse_hhmm(draft.cutoff)),
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
            "cutoff": draft.cutoff,
        },
    )
    return team


_UNSET: Any = object()


async def create_invite(
    ctx: AppContext,
    team: Team,
    role: str,
    *,
    actor_id: int | None,
    max_uses: int | None = _UNSET,
) -> Invite:
    """`max_uses` None: unlimited; not given: the role's default (supervisor links: one)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if max_uses is _UNSET:
        max_uses = default_uses(role)
    if max_uses is not None and max_uses < 1:
        raise ValueError("an invite needs at least one use")
    invite = await ctx.storage.invites.create(
        team.id,
        role,
        now=ctx.now_ts(),
        days=ctx.settings.invite_days,
        created_by=actor_id,
        max_uses=max_uses,
    )
    await ctx.storage.audit.record(
        at=ctx.now_ts(),
        actor_id=actor_id,
        action="invite.create",
        team_id=team.id,
        subject=invite.code,
        after={"role": role, "expires_at": invite.expires_at, "max_uses": max_uses},
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


@dataclass(frozen=True)
class TeamChanges:
    """What `outpost team set` may change; None leaves a field as it is."""

    lat: float | None = None
    lon: float | None = None
    datum: Datum = Datum.WGS84
    radius_m: int | None = None
    timezone: str | None = None
    on_time: str | None = None
    grace_minutes: int | None = None
    cutoff: str | None = None
    require_live: bool | None = None
    evening_enabled: bool | None = None
    # Policy settings as (key, value) pairs, keys of bot.rules.policy.POLICY_SETTINGS.
    policy: tuple[tuple[str, str], ...] = ()
    workdays: str | None = None
    holidays_add: tuple[date, ...] = ()
    holidays_remove: tuple[date, ...] = ()


def _describe(team: Team) -> dict[str, object]:
    s = team.schedule
    return {
        "policy": describe_policy(team.policy),
        "workdays": format_workdays(s.workdays),
        "holidays": [d.isoformat() for d in sorted(s.holidays)],
        "site": [round(team.site.lat, 7), round(team.site.lon, 7), team.site.radius_m],
        "timezone": team.timezone,
        "on_time": s.on_time.strftime("%H:%M"),
        "grace_minutes": s.grace_minutes,
        "cutoff": s.cutoff.strftime("%H:%M"),
        "require_live": team.require_live,
        "evening_enabled": s.evening_enabled,
    }


async def update_team(
    ctx: AppContext, team: Team, changes: TeamChanges, *, actor_id: int | None
) -> Team:
    """Applies the changes that validate, as one audited step (before and after)."""
    import dataclasses

    from bot.rules.team_hours import parse_hhmm

    site = team.site
    if changes.lat is not None or changes.lon is not None:
        if changes.lat is None or changes.lon is None:
            raise ValueError("give both --lat and --lon to move the site")
        point = to_wgs84(changes.lat, changes.lon, changes.datum)
        site = Site(point.lat, point.lon, site.radius_m)
    if changes.radius_m is not None:
        site = Site(site.lat, site.lon, validate_radius(changes.radius_m))
    schedule = team.schedule
    replace: dict[str, Any] = {}
    if changes.on_time is not None:
        replace["on_time"] = parse_hhmm(changes.on_time)
    if changes.cutoff is not None:
        replace["cutoff"] = parse_hhmm(changes.cutoff)
    if changes.grace_minutes is not None:
        replace["grace_minutes"] = changes.grace_minutes
    if changes.evening_enabled is not None:
        replace["evening_enabled"] = changes.evening_enabled
    if changes.workdays is not None:
        replace["workdays"] = parse_workdays(changes.workdays)
    if changes.holidays_add or changes.holidays_remove:
        replace["holidays"] = (schedule.holidays | set(changes.holidays_add)) - set(
            changes.holidays_remove
        )
    schedule = dataclasses.replace(schedule, **replace)  # validates the new schedule as a whole
    policy = team.policy
    for key, value in changes.policy:
        policy = policy_setting(policy, key, value)
    require_live = team.require_live if changes.require_live is None else changes.require_live
    now = ctx.now_ts()
    if site != team.site:
        await ctx.storage.teams.set_site(team.id, site, now=now, datum=changes.datum.value)
    await ctx.storage.teams.set_schedule(team.id, schedule, require_live)
    if policy != team.policy:
        await ctx.storage.teams.set_policy(team.id, policy)
    if changes.timezone is not None:
        await ctx.storage.teams.set_timezone(team.id, changes.timezone)
    updated = await ctx.storage.teams.get(team.id)
    assert updated is not None
    await ctx.storage.audit.record(
        at=now,
        actor_id=actor_id,
        action="team.update",
        team_id=team.id,
        subject=team.name,
        before=_describe(team),
        after=_describe(updated),
    )
    return updated


async def rename_team(ctx: AppContext, team: Team, new_name: str, *, actor_id: int | None) -> Team:
    """Raises ValueError for a bad name and storage.teams.DuplicateTeam for a taken one."""
    name = clean_team_name(new_name)
    await ctx.storage.teams.rename(team.id, name)
    await ctx.storage.audit.record(
        at=ctx.now_ts(),
        actor_id=actor_id,
        action="team.rename",
        team_id=team.id,
        subject=name,
        before={"name": team.name},
        after={"name": name},
    )
    renamed = await ctx.storage.teams.get(team.id)
    assert renamed is not None
    return renamed


class TeamNotEmpty(ValueError):
    """Archiving would strand members: they are recalled or moved first."""

    def __init__(self, members: int) -> None:
        super().__init__(f"{members} member(s) still active")
        self.members = members


async def archive_team(ctx: AppContext, team: Team, *, actor_id: int | None) -> None:
    """Archives a team that no member is active in. Nothing is deleted: its check-ins, leave
    and reports stay exportable, and its name stays taken so old records stay unambiguous."""
    members = (await ctx.storage.teams.member_counts()).get(team.id, {}).get("member", 0)
    if members:
        raise TeamNotEmpty(members)
    await ctx.storage.teams.archive(team.id, now=ctx.now_ts())
    await ctx.storage.audit.record(
        at=ctx.now_ts(),
        actor_id=actor_id,
        action="team.archive",
        team_id=team.id,
        subject=team.name,
        before={"archived": False},
        after={"archived": True},
    )


async def set_default_policy(
    ctx: AppContext, settings: tuple[tuple[str, str], ...], *, actor_id: int | None
) -> Policy:
    """The policy teams created from now on start with; existing teams keep theirs."""
    before = await ctx.storage.teams.default_policy()
    policy = before
    for key, value in settings:
        policy = policy_setting(policy, key, value)
    await ctx.storage.teams.set_default_policy(policy)
    await ctx.storage.audit.record(
        at=ctx.now_ts(),
        actor_id=actor_id,
        action="policy.defaults",
        before=describe_policy(before),
        after=describe_policy(policy),
    )
    return policy


# -- one setting an admin types in chat (/policy TEAM KEY VALUE) -------------------------------

CALENDAR_KEYS = ("workdays", "holiday", "holiday_remove")
SETTING_KEYS = (*POLICY_SETTINGS, *CALENDAR_KEYS)


def setting_change(key: str, value: str) -> TeamChanges:
    """One typed setting as the change it asks for; ValueError when it cannot be read."""
    if key in POLICY_SETTINGS:
        return TeamChanges(policy=((key, value),))
    if key == "workdays":
        return TeamChanges(workdays=value)
    day = date.fromisoformat(value)  # ValueError names the bad date
    if key == "holiday":
        return TeamChanges(holidays_add=(day,))
    return TeamChanges(holidays_remove=(day,))
