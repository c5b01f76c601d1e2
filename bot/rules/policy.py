"""A team's attendance policy (SPEC §2); numbers are defaults, each one a setting."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.rules.spoof import SpoofThresholds


@dataclass(frozen=True)
class Policy:
    min_days: int = 22
    min_nights: int = 15
    # This many roll-call absences in a year make a member ineligible for "excellent".
    excellent_absence_limit: int = 2
    # More than this many bar a "competent" rating.
    competent_absence_limit: int = 3
    # Leave longer than this many days needs an admin's second approval.
    second_approval_after_days: int = 5
    # A recalled member's place must be refilled within this many days.
    refill_days: int = 7
    # When a fix is worth a supervisor's look (SPEC §6).
    spoof: SpoofThresholds = field(default_factory=SpoofThresholds)
