"""A team's attendance policy (SPEC §2); numbers are defaults, each one a setting."""

from __future__ import annotations

import dataclasses
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


# The policy's settings as typed (CLI option / chat key), the field each sets, and its range.
POLICY_SETTINGS: dict[str, tuple[str, int, int]] = {
    "min_days": ("min_days", 0, 31),
    "min_nights": ("min_nights", 0, 31),
    "excellent_absences": ("excellent_absence_limit", 1, 366),
    "competent_absences": ("competent_absence_limit", 0, 366),
    "second_approval_after": ("second_approval_after_days", 1, 366),
    "refill_days": ("refill_days", 1, 366),
}


def policy_setting(policy: Policy, key: str, value: object) -> Policy:
    """The policy with one setting changed, or ValueError naming the setting and its range."""
    if key not in POLICY_SETTINGS:
        raise ValueError(f"unknown setting {key!r}: one of {', '.join(POLICY_SETTINGS)}")
    attr, low, high = POLICY_SETTINGS[key]
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValueError(f"{key} must be a whole number from {low} to {high}") from None
    if not low <= number <= high:
        raise ValueError(f"{key} must be a whole number from {low} to {high}")
    changed: Policy = dataclasses.replace(policy, **{attr: number})  # type: ignore[arg-type]
    return changed


def describe_policy(policy: Policy) -> dict[str, int]:
    return {key: getattr(policy, attr) for key, (attr, _, _) in POLICY_SETTINGS.items()}
