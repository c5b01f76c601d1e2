"""What opening an invite link may do to someone's place in its team (SPEC §3.1, §3.8).

A link only ever adds a person to a team. It never rewrites a place someone already has:
their name, unit and role stay, a recall stays until an admin reinstates them, and a role
change waits for an admin's confirmation.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from storage.models import Membership


class JoinOutcome(StrEnum):
    # Not in the team (or left it earlier): asks name and unit, then joins.
    NEW = "new"
    # Already in the team with the link's role: nothing changes, and the reply says so.
    ALREADY = "already"
    # Recalled from the team: stays recalled until an admin reinstates them.
    RECALLED = "recalled"
    # In the team with the other role: an admin must confirm the change.
    ROLE_CHANGE = "role_change"


def join_outcome(memberships: Iterable[Membership], team_id: int, role: str) -> JoinOutcome:
    current = next((m for m in memberships if m.team_id == team_id), None)
    if current is None or current.state == "left":
        return JoinOutcome.NEW
    if current.state == "recalled":
        return JoinOutcome.RECALLED
    if current.role == role:
        return JoinOutcome.ALREADY
    return JoinOutcome.ROLE_CHANGE


def current_role(memberships: Iterable[Membership], team_id: int) -> str | None:
    return next((m.role for m in memberships if m.team_id == team_id), None)


def default_uses(role: str) -> int | None:
    """A supervisor link is for one person; a member link serves a whole team until it
    expires, unless the admin limits it."""
    return 1 if role == "supervisor" else None
