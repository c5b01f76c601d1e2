"""Judging a shared location as a morning check-in, and how it affects the day.

Pure: the evidence carries both Telegram's ``message.date`` and the bot's own receive
time (from the injected clock); nothing here reads a clock.

Decisions:

* ``membership`` other than ``"active"`` / ``"recalled"`` (including ``None``) is treated
  as not a member (fail closed).
* ``distance_m``/``place`` are filled whenever the coordinates are valid, and ``timing``
  always (from ``message_date``), also for rejected attempts: they are evidence. Only
  ``accepted`` says whether the check-in counts.
* A non-finite or negative ``accuracy_m`` is treated as inaccurate; a missing one is
  accepted.
* After the cutoff a check-in is still *accepted* with timing MISSED (the member is then
  asked for a make-up request); only TOO_EARLY is a rejection.
* On an upgrade (on-site after out-of-area) the day's place becomes ON_SITE but its
  timing stays the first accepted check-in's: a later on-site fix does not forgive
  lateness (:func:`upgraded_timing`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from bot.rules.geo import InvalidCoordinates, Point, check_coordinates, distance_m
from bot.rules.plausible import plausible_time
from bot.rules.team_hours import Schedule, Timing, local_day, morning_timing

__all__ = [
    "DELAYED_AFTER_S",
    "CheckinVerdict",
    "DayEffect",
    "EveningOutcome",
    "LocationEvidence",
    "Place",
    "RejectReason",
    "Site",
    "day_effect",
    "judge_checkin",
    "upgraded_timing",
]

DELAYED_AFTER_S = 60.0


class RejectReason(StrEnum):
    FORWARDED = "forwarded"
    VENUE = "venue"
    OFFLINE = "offline"
    INACCURATE = "inaccurate"
    NOT_MEMBER = "not_member"
    RECALLED = "recalled"
    TOO_EARLY = "too_early"
    LIVE_REQUIRED = "live_required"
    BAD_COORDINATES = "bad_coordinates"
    # Dated outside the last day (give or take the clocks' slack): forged or broken.
    BAD_TIME = "bad_time"


class Place(StrEnum):
    ON_SITE = "on_site"
    OUT_OF_AREA = "out_of_area"


class EveningOutcome(StrEnum):
    """What an accepted evening location says about the night: the morning's on time /
    late mean nothing at 21:00."""

    PRESENT = "evening_present"
    OUT_OF_AREA = "evening_out_of_area"


@dataclass(frozen=True)
class LocationEvidence:
    lat: float
    lon: float
    accuracy_m: float | None
    live_period: int | None
    is_forwarded: bool
    is_venue: bool
    is_from_offline: bool
    message_date: datetime  # aware UTC, Telegram's message.date
    received_at: datetime  # aware UTC, when the bot handled it (injected clock)

    @property
    def is_live(self) -> bool:
        return self.live_period is not None and self.live_period > 0


@dataclass(frozen=True)
class Site:
    lat: float
    lon: float
    radius_m: int


@dataclass(frozen=True)
class CheckinVerdict:
    accepted: bool
    reject_reason: RejectReason | None
    distance_m: float | None
    place: Place | None
    timing: Timing | None
    local_day: date
    delay_s: float
    delayed: bool
    evening: EveningOutcome | None = None  # set instead of timing for an evening check


def _aware(dt: datetime, name: str) -> None:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def judge_checkin(
    ev: LocationEvidence,
    site: Site,
    schedule: Schedule,
    tz: str,
    *,
    membership: str | None,
    require_live: bool = False,
    delayed_after_s: float = DELAYED_AFTER_S,
    evening: bool = False,
) -> CheckinVerdict:
    """Judge one shared location; ``evening``: shared inside the evening window, so it gets
    an evening outcome instead of a morning timing (same evidence rules and geofence).

    Rejection checks, first match wins: not member, recalled, bad coordinates, bad time,
    forwarded, venue, offline, live required, inaccurate (accuracy worse than the site
    radius), too early. Timing and local day come from ``ev.message_date`` only.
    """
    _aware(ev.message_date, "message_date")
    _aware(ev.received_at, "received_at")

    believable = plausible_time(ev.message_date, ev.received_at)
    # An implausible date says nothing about the day: the attempt is filed under today.
    when = ev.message_date if believable else ev.received_at
    day = local_day(when, tz)
    timing = morning_timing(when, tz, schedule)
    delay_s = max(0.0, (ev.received_at - ev.message_date).total_seconds())
    delayed = delay_s > delayed_after_s

    point: Point | None
    try:
        point = check_coordinates(ev.lat, ev.lon)
    except InvalidCoordinates:
        point = None

    dist: float | None = None
    place: Place | None = None
    if point is not None:
        dist = distance_m(point, Point(site.lat, site.lon))
        place = Place.ON_SITE if dist <= site.radius_m else Place.OUT_OF_AREA

    # A negative or non-finite radius of uncertainty is no measurement at all.
    inaccurate = ev.accuracy_m is not None and (
        not math.isfinite(ev.accuracy_m) or not 0 <= ev.accuracy_m <= site.radius_m
    )

    reason: RejectReason | None
    if membership not in ("active", "recalled"):
        reason = RejectReason.NOT_MEMBER
    elif membership == "recalled":
        reason = RejectReason.RECALLED
    elif point is None:
        reason = RejectReason.BAD_COORDINATES
    elif not believable:
        reason = RejectReason.BAD_TIME
    elif ev.is_forwarded:
        reason = RejectReason.FORWARDED
    elif ev.is_venue:
        reason = RejectReason.VENUE
    elif ev.is_from_offline:
        reason = RejectReason.OFFLINE
    elif require_live and not ev.is_live:
        reason = RejectReason.LIVE_REQUIRED
    elif inaccurate:
        reason = RejectReason.INACCURATE
    elif timing is Timing.TOO_EARLY:
        reason = RejectReason.TOO_EARLY
    else:
        reason = None

    verdict = CheckinVerdict(
        accepted=reason is None,
        reject_reason=reason,
        distance_m=dist,
        place=place,
        timing=timing,
        local_day=day,
        delay_s=delay_s,
        delayed=delayed,
    )
    return _as_evening(verdict) if evening else verdict


def _as_evening(verdict: CheckinVerdict) -> CheckinVerdict:
    outcome = None
    if verdict.accepted:
        present = verdict.place is Place.ON_SITE
        outcome = EveningOutcome.PRESENT if present else EveningOutcome.OUT_OF_AREA
    return replace(verdict, timing=None, evening=outcome)


class DayEffect(StrEnum):
    COUNTS = "counts"
    UPGRADES = "upgrades"
    NO_CHANGE = "no_change"


def day_effect(counting_place: Place | None, new: CheckinVerdict) -> DayEffect:
    """What a new verdict does to a member's day, given the place of the check-in that
    currently counts (``None`` if none does yet)."""
    if not new.accepted:
        return DayEffect.NO_CHANGE
    if counting_place is None:
        return DayEffect.COUNTS
    if counting_place is Place.OUT_OF_AREA and new.place is Place.ON_SITE:
        return DayEffect.UPGRADES
    return DayEffect.NO_CHANGE


def upgraded_timing(counting_timing: Timing | None, new_timing: Timing | None) -> Timing:
    """The day's timing after an upgrade: the first accepted check-in's timing is kept
    (lateness is not forgiven by a later on-site fix). Falls back to ``new_timing`` only
    when the counting one has none recorded."""
    if counting_timing is not None:
        return Timing(counting_timing)
    if new_timing is None:
        raise ValueError("no timing to keep")
    return Timing(new_timing)
