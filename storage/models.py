"""Plain records that storage hands out; the rules' own types are reused where they fit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from bot.rules.checkin import Site
from bot.rules.policy import Policy
from bot.rules.team_hours import Schedule, local_day


@dataclass(frozen=True)
class Team:
    id: int
    name: str
    timezone: str
    site: Site
    schedule: Schedule
    policy: Policy
    require_live: bool = False
    reminder_lead_minutes: int = 30
    entered_datum: str = "wgs84"


@dataclass(frozen=True)
class Person:
    telegram_id: int
    name: str | None
    unit: str | None
    username: str | None
    language: str | None
    is_admin: bool
    unreachable: bool


@dataclass(frozen=True)
class Membership:
    id: int
    team_id: int
    team_name: str
    telegram_id: int
    role: str
    state: str
    unit: str | None
    joined_at: float = 0.0

    def joined_day(self, timezone: str) -> date:
        """The team-local day the person joined: the days before it they owed nothing."""
        return local_day(datetime.fromtimestamp(self.joined_at, UTC), timezone)


@dataclass(frozen=True)
class Invite:
    code: str
    team_id: int
    role: str
    created_at: float
    expires_at: float
    revoked_at: float | None
    uses: int
    # None: any number of people may join with it until it expires.
    max_uses: int | None = None

    def usable_at(self, now: float) -> bool:
        return self.revoked_at is None and now < self.expires_at

    @property
    def used_up(self) -> bool:
        return self.max_uses is not None and self.uses >= self.max_uses


@dataclass(frozen=True)
class FlowState:
    telegram_id: int
    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    # The Telegram update that moved the flow to this step (None: not moved by an update).
    advanced_by: int | None = None


@dataclass(frozen=True)
class RoleChange:
    """Someone opened a link for a team they are already in, with another role: it waits
    for an admin's confirmation."""

    id: int
    telegram_id: int
    team_id: int
    from_role: str
    to_role: str
    invite_code: str
    asked_at: float
    decided_by: int | None
    decided_at: float | None
    approved: bool | None
