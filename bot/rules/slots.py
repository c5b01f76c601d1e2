"""Where a team's timed work sits: a slot is one (kind, timezone, local time) that every team
sharing it is served at, so the scheduler holds one job per distinct slot, not per team.

Pure: which slots a team occupies follows from its timezone, schedule and reminder lead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from bot.rules.reminders import DIGEST_AT, Kind, due_times
from bot.rules.team_hours import Schedule

MONTHLY_COMPLIANCE = "monthly_compliance"


@dataclass(frozen=True, order=True)
class Slot:
    kind: str
    timezone: str
    at: time

    @property
    def name(self) -> str:
        return f"slot:{self.kind}:{self.timezone}:{self.at:%H:%M}"

    @property
    def weekly(self) -> bool:
        """Mondays only (the digest)."""
        return self.kind == Kind.WEEKLY_DIGEST.value

    @property
    def monthly(self) -> bool:
        """The 1st of the month only (the compliance report)."""
        return self.kind == MONTHLY_COMPLIANCE


def team_slots(timezone: str, schedule: Schedule, lead_minutes: int) -> frozenset[Slot]:
    """Every slot a team with this schedule is served at, in its own timezone."""
    slots = {
        Slot(kind.value, timezone, at) for kind, at in due_times(schedule, lead_minutes).items()
    }
    slots.add(Slot(MONTHLY_COMPLIANCE, timezone, DIGEST_AT))
    return frozenset(slots)
