"""Who may do what. Identity is always the update's user id looked up in storage; callback
data and message text only ever point at things, never vouch for anyone."""

from __future__ import annotations

from dataclasses import dataclass

from bot.context import AppContext
from bot.i18n import language_of
from storage.models import Membership, Person, Team


@dataclass(frozen=True)
class Actor:
    user_id: int
    person: Person | None
    memberships: tuple[Membership, ...]
    is_admin: bool
    language: str

    @property
    def known(self) -> bool:
        return self.is_admin or any(m.state == "active" for m in self.memberships)

    def supervises(self, team_id: int) -> bool:
        return any(
            m.team_id == team_id and m.role == "supervisor" and m.state == "active"
            for m in self.memberships
        )

    def member_of(self) -> Membership | None:
        """The team this person is stationed with (recalled counts: it must be refused)."""
        members = [m for m in self.memberships if m.role == "member" and m.state != "left"]
        active = [m for m in members if m.state == "active"]
        chosen = active or members
        return chosen[-1] if chosen else None

    @property
    def is_staff_only(self) -> bool:
        """Known here (an admin, or a supervisor) but not stationed as a member: told that a
        location from them is not a check-in rather than pointed to an invite link."""
        return self.known and not self.can_act_as_member

    @property
    def can_act_as_member(self) -> bool:
        """May check in, write the diary, ask leave: stationed with a team and not recalled."""
        membership = self.member_of()
        return membership is not None and membership.state == "active"

    def supervised_team_ids(self) -> set[int]:
        return {
            m.team_id for m in self.memberships if m.role == "supervisor" and m.state == "active"
        }


async def load_actor(ctx: AppContext, user_id: int, language_code: str | None) -> Actor:
    person = await ctx.storage.people.get(user_id)
    memberships = tuple(await ctx.storage.people.memberships(user_id)) if person else ()
    is_admin = user_id in ctx.settings.admins or bool(person and person.is_admin)
    language = (person.language if person and person.language else None) or language_of(
        language_code
    )
    return Actor(user_id, person, memberships, is_admin, language)


async def supervisors_of(ctx: AppContext, team: Team) -> list[Person]:
    return [p for _, p in await ctx.storage.people.team_members(team.id, role="supervisor")]


@dataclass(frozen=True)
class Readers:
    """Who hears of a team's alerts and requests: its supervisors, or the admins when the
    team has none (nothing goes unheard), and which of the two it was."""

    people: tuple[Person, ...]
    supervisors: bool


async def alert_readers(ctx: AppContext, team: Team, *, exclude: int | None = None) -> Readers:
    supervisors = [p for p in await supervisors_of(ctx, team) if p.telegram_id != exclude]
    if supervisors:
        return Readers(tuple(supervisors), True)
    return Readers(await admin_people(ctx, exclude=exclude), False)


async def admin_people(ctx: AppContext, *, exclude: int | None = None) -> tuple[Person, ...]:
    """Every administrator (configured or promoted) as a person, known to the bot or not."""
    admin_ids = sorted(set(ctx.settings.admins) | await ctx.storage.people.admin_ids())
    admins = []
    for admin_id in admin_ids:
        if admin_id == exclude:
            continue
        person = await ctx.storage.people.get(admin_id)
        admins.append(person or Person(admin_id, None, None, None, None, True, False))
    return tuple(admins)


def told_text(lang: str, readers: Readers) -> str:
    """The member's "who was told" line."""
    from bot.i18n import t

    if not readers.people:
        return t(lang, "told.nobody")
    if not readers.supervisors:
        return t(lang, "told.admins")
    names = ", ".join(p.name or str(p.telegram_id) for p in readers.people)
    return t(lang, "told.supervisors", names=names)


# -- who may see which teams, and refusals on record (issue 11: out of handlers/) ------------


async def member_team(ctx: AppContext, actor: Actor) -> Team | None:
    """The team an active member is stationed with; None for anyone else (recalled too)."""
    membership = actor.member_of()
    if membership is None or membership.state != "active":
        return None
    return await ctx.storage.teams.get(membership.team_id)


async def overseen_teams(ctx: AppContext, actor: Actor) -> list[Team]:
    """The teams whose summaries, reports and roll calls this person may have: every team
    for an admin, the teams they supervise for anyone else."""
    teams = await ctx.storage.teams.all()
    return teams if actor.is_admin else [team for team in teams if actor.supervises(team.id)]


async def record_refusal(ctx: AppContext, actor: Actor, what: str) -> None:
    """Someone asked for what only an admin may do: kept in the audit trail."""
    await ctx.storage.audit.record(
        at=ctx.now_ts(), actor_id=actor.user_id, action=f"{what}.refused", subject=what
    )


def overseen_scope(actor: Actor) -> set[int] | None:
    """The team ids whose evidence and signals this person may see: None is every team
    (an admin); an empty set is none."""
    return None if actor.is_admin else actor.supervised_team_ids()


# -- reading a team's diaries (bot/flows/diary_reading.py) -------------------------------------


def may_read_team(actor: Actor, team_id: int) -> bool:
    """A team's diaries are read by its active supervisors, and by admins."""
    return actor.is_admin or actor.supervises(team_id)
