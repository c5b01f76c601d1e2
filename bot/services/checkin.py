"""The morning check-in: judge a shared location and record it with its evidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from bot.access import Actor
from bot.context import AppContext
from bot.rules import spoof
from bot.rules.checkin import (
    CheckinVerdict,
    DayEffect,
    EveningOutcome,
    LocationEvidence,
    Place,
    RejectReason,
    day_effect,
    judge_checkin,
)
from bot.rules.geo import Point, check_coordinates, distance_m
from bot.rules.plausible import optional_finite, plausible_time
from bot.rules.spoof import Fix
from bot.rules.team_hours import Timing, in_evening_window, local_day
from storage.checkins import LivePoint, NewCheckin, RecordedCheckin, SpoofCheck
from storage.models import Team
from storage.spoof import SignalTarget


@dataclass(frozen=True)
class CheckinResult:
    verdict: CheckinVerdict
    recorded: RecordedCheckin
    team: Team | None
    kind: str = "morning"


def stranger_verdict(ev: LocationEvidence, tz: str) -> CheckinVerdict:
    """Someone with no team: no site to measure against, but the attempt is still evidence."""
    delay = max(0.0, (ev.received_at - ev.message_date).total_seconds())
    when = ev.message_date if plausible_time(ev.message_date, ev.received_at) else ev.received_at
    return CheckinVerdict(
        accepted=False,
        reject_reason=RejectReason.NOT_MEMBER,
        distance_m=None,
        place=None,
        timing=None,
        local_day=local_day(when, tz),
        delay_s=delay,
        delayed=False,
    )


async def check_in(
    ctx: AppContext,
    actor: Actor,
    ev: LocationEvidence,
    *,
    chat_id: int,
    message_id: int,
    update_id: int | None,
) -> CheckinResult:
    membership = actor.member_of()
    team = await ctx.storage.teams.get(membership.team_id) if membership else None
    # Inside the (optional) evening window a location is the evening presence check: kept
    # as its own row with its own outcome (a night on site when accepted on site), never
    # touching the morning.
    evening = team is not None and in_evening_window(ev.message_date, team.timezone, team.schedule)
    kind = "evening" if evening else "morning"
    if membership is None or team is None:
        verdict = stranger_verdict(ev, ctx.settings.timezone)
    else:
        verdict = judge_checkin(
            ev,
            team.site,
            team.schedule,
            team.timezone,
            membership=membership.state,
            require_live=team.require_live,
            evening=evening,
        )
    recorded = await ctx.storage.checkins.record(
        NewCheckin(
            telegram_id=actor.user_id,
            team_id=team.id if team else None,
            chat_id=chat_id,
            message_id=message_id,
            update_id=update_id,
            evidence=ev,
            verdict=verdict,
            site=team.site if team else None,
            received_at=ev.received_at.timestamp(),
            kind=kind,
        ),
        (lambda _: DayEffect.NO_CHANGE) if evening else (lambda c: day_effect(c, verdict)),
        spoof_check(ev, verdict, team),
    )
    return CheckinResult(verdict, recorded, team, kind)


def spoof_check(
    ev: LocationEvidence, verdict: CheckinVerdict, team: Team | None
) -> SpoofCheck | None:
    """The signals an accepted check-in raises, judged from the member's own history."""
    if team is None or not verdict.accepted:
        return None
    fix = Fix(
        at=ev.message_date.timestamp(),
        lat=ev.lat,
        lon=ev.lon,
        accuracy_m=ev.accuracy_m,
        day=verdict.local_day,
    )
    site, thresholds = team.site, team.policy.spoof
    return SpoofCheck(
        lambda history: spoof.assess(fix, history, site, thresholds), thresholds.history_days
    )


async def track_live_position(
    ctx: AppContext,
    *,
    chat_id: int,
    message_id: int,
    lat: float,
    lon: float,
    accuracy_m: float | None,
    at: int,
) -> bool:
    """A later position of a live location: appended to the track of the check-in it edits."""
    stored = await ctx.storage.checkins.by_message(chat_id, message_id)
    if stored is None or not plausible_time(datetime.fromtimestamp(at, UTC), ctx.clock.now()):
        return False
    try:
        point = check_coordinates(lat, lon)
    except ValueError:
        return False
    dist = None
    if stored["site_lat"] is not None:
        dist = distance_m(point, Point(stored["site_lat"], stored["site_lon"]))
    added = await ctx.storage.checkins.add_live_point(
        chat_id,
        message_id,
        LivePoint(
            at=at,
            lat=point.lat,
            lon=point.lon,
            accuracy_m=optional_finite(accuracy_m),
            distance_m=dist,
        ),
        received_at=ctx.now_ts(),
    )
    if added and stored["accepted"] and stored["team_id"] is not None:
        await live_signals(
            ctx,
            stored,
            Fix(
                float(at),
                point.lat,
                point.lon,
                optional_finite(accuracy_m),
                date.fromisoformat(stored["local_day"]),
                "live",
            ),
        )
    return added


async def live_signals(ctx: AppContext, checkin: dict[str, Any], point: Fix) -> None:
    """A live location that never moves, or a point no road could have reached: raised once
    per live location (the signal's ref is the check-in it belongs to)."""
    team = await ctx.storage.teams.get(checkin["team_id"])
    if team is None:
        return
    th = team.policy.spoof
    track = [
        Fix(float(p.at), p.lat, p.lon, p.accuracy_m, point.day, "live")
        for p in await ctx.storage.checkins.track(checkin["id"])
    ]
    start = Fix(
        float(checkin["message_date"]),
        checkin["lat"],
        checkin["lon"],
        checkin["accuracy_m"],
        point.day,
    )
    found = [
        spoof.static_live([start, *track], th),
        spoof.impossible_travel(point, [start, *[p for p in track if p != point]], th),
    ]
    await ctx.storage.spoof.record(
        SignalTarget(checkin["telegram_id"], team.id, point.day, "live", checkin["id"]),
        [f for f in found if f is not None],
        ctx.now_ts(),
    )


class FollowUp(StrEnum):
    """What a judged location leads to besides its own reply, in the order it is sent."""

    EVENING_REPLY = "evening_reply"  # the evening presence check's reply
    STAFF_NOTE = "staff_note"  # a supervisor or admin told check-ins are for members
    MORNING_REPLY = "morning_reply"  # what was recorded: time, distance, status
    MAKEUP_OFFER = "makeup_offer"  # missed: a make-up request is one press away
    OUT_OF_AREA = "out_of_area"  # the member is asked why, the supervisors alerted
    LIVE_TRACKING = "live_tracking"  # a live location's later positions will be kept


def follow_ups(result: CheckinResult, *, staff: bool, live: bool) -> list[FollowUp]:
    """Which messages a check-in sends (SPEC 3.2): a rule of the result alone. `staff`: a
    supervisor or admin who is no member; `live`: the location is a live one."""
    verdict, counts = result.verdict, result.recorded.effect is DayEffect.COUNTS
    if result.kind == "evening" and verdict.accepted:
        out = verdict.evening is EveningOutcome.OUT_OF_AREA
        return [FollowUp.EVENING_REPLY, *([FollowUp.OUT_OF_AREA] if out else [])]
    if not verdict.accepted and staff:
        return [FollowUp.STAFF_NOTE]
    steps = [FollowUp.MORNING_REPLY]
    if verdict.timing is Timing.MISSED and counts:
        steps.append(FollowUp.MAKEUP_OFFER)
    if verdict.accepted and counts and verdict.place is Place.OUT_OF_AREA:
        steps.append(FollowUp.OUT_OF_AREA)
    if verdict.accepted and live:
        steps.append(FollowUp.LIVE_TRACKING)
    return steps


def alert_once_key(result: CheckinResult, user_id: int) -> tuple[str, str]:
    """(kind, ref) under which an out-of-area alert goes to each reader once: once per
    check-in in the morning; in the evening once per member and night, since a second
    location from afar adds nothing."""
    if result.kind == "evening":
        return "alert.evening_out_of_area", f"{user_id}:{result.verdict.local_day}"
    return "alert.out_of_area", str(result.recorded.id)
