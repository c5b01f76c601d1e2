"""Tests for bot.rules.checkin: rejection precedence, delays, places, day effects."""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rules.checkin import (
    DELAYED_AFTER_S,
    CheckinVerdict,
    DayEffect,
    LocationEvidence,
    Place,
    RejectReason,
    Site,
    day_effect,
    judge_checkin,
    upgraded_timing,
)
from bot.rules.geo import Point, distance_m
from bot.rules.team_hours import Schedule, Timing

FAST = settings(max_examples=60, deadline=None)
SH = "Asia/Shanghai"
SITE = Site(lat=39.908722, lon=116.397499, radius_m=300)
SCHED = Schedule()
# 07:35 Shanghai on 6 May 2026.
ON_TIME_AT = datetime(2026, 5, 5, 23, 35, tzinfo=UTC)


def evidence(**overrides: Any) -> LocationEvidence:
    base: dict[str, Any] = {
        "lat": SITE.lat + 0.0005,  # ~55 m north
        "lon": SITE.lon,
        "accuracy_m": 20.0,
        "live_period": None,
        "is_forwarded": False,
        "is_venue": False,
        "is_from_offline": False,
        "message_date": ON_TIME_AT,
        "received_at": ON_TIME_AT + timedelta(seconds=1),
    }
    base.update(overrides)
    return LocationEvidence(**base)


def judge(ev: LocationEvidence, membership: str | None = "active", **kw: Any) -> CheckinVerdict:
    return judge_checkin(ev, SITE, SCHED, SH, membership=membership, **kw)


# ---------------------------------------------------------------- acceptance


def test_accepted_on_site_on_time() -> None:
    v = judge(evidence())
    assert v.accepted and v.reject_reason is None
    assert v.place is Place.ON_SITE
    assert v.timing is Timing.ON_TIME
    assert v.local_day == date(2026, 5, 6)
    assert v.distance_m is not None and 50 < v.distance_m < 60
    assert v.delay_s == 1.0 and not v.delayed


def test_out_of_area_is_accepted_with_distance() -> None:
    # ~1.1 km east.
    v = judge(evidence(lat=SITE.lat, lon=SITE.lon + 0.013))
    assert v.accepted
    assert v.place is Place.OUT_OF_AREA
    assert v.distance_m is not None and 1000 < v.distance_m < 1200


def test_place_boundary_is_inclusive() -> None:
    # Find a point exactly-ish at the radius by scaling; within radius -> on site.
    inside = judge(evidence(lat=SITE.lat + 0.0026955))  # ~299.1 m
    outside = judge(evidence(lat=SITE.lat + 0.0027045))  # ~300.1 m
    assert inside.distance_m is not None and inside.distance_m <= 300
    assert outside.distance_m is not None and outside.distance_m > 300
    assert inside.place is Place.ON_SITE
    assert outside.place is Place.OUT_OF_AREA


@pytest.mark.parametrize(
    ("hour_utc", "minute", "timing"),
    [(0, 5, Timing.LATE), (4, 0, Timing.MISSED), (21, 30, Timing.ON_TIME)],
)
def test_late_and_missed_are_accepted(hour_utc: int, minute: int, timing: Timing) -> None:
    day = 6 if hour_utc < 16 else 5
    at = datetime(2026, 5, day, hour_utc, minute, tzinfo=UTC)
    v = judge(evidence(message_date=at, received_at=at))
    assert v.accepted
    assert v.timing is timing
    assert v.local_day == date(2026, 5, 6)


def test_live_location_accepted_and_required() -> None:
    live = evidence(live_period=900)
    assert live.is_live
    assert judge(live, require_live=True).accepted
    assert not evidence(live_period=0).is_live
    assert not evidence(live_period=None).is_live


def test_accuracy_none_accepted_and_equal_radius_accepted() -> None:
    assert judge(evidence(accuracy_m=None)).accepted
    assert judge(evidence(accuracy_m=300.0)).accepted


# ---------------------------------------------------------------- rejections


@pytest.mark.parametrize(
    ("overrides", "kw", "reason"),
    [
        ({}, {"membership": None}, RejectReason.NOT_MEMBER),
        ({}, {"membership": "left"}, RejectReason.NOT_MEMBER),
        ({}, {"membership": "recalled"}, RejectReason.RECALLED),
        ({"lat": 91.0}, {}, RejectReason.BAD_COORDINATES),
        ({"lon": math.nan}, {}, RejectReason.BAD_COORDINATES),
        ({"is_forwarded": True}, {}, RejectReason.FORWARDED),
        ({"is_venue": True}, {}, RejectReason.VENUE),
        ({"is_from_offline": True}, {}, RejectReason.OFFLINE),
        ({}, {"require_live": True}, RejectReason.LIVE_REQUIRED),
        ({"live_period": 0}, {"require_live": True}, RejectReason.LIVE_REQUIRED),
        ({"accuracy_m": 300.5}, {}, RejectReason.INACCURATE),
        ({"accuracy_m": math.inf}, {}, RejectReason.INACCURATE),
        ({"accuracy_m": math.nan}, {}, RejectReason.INACCURATE),
        (
            {
                "message_date": datetime(2026, 5, 5, 21, 29, 59, tzinfo=UTC),
                "received_at": datetime(2026, 5, 5, 21, 30, tzinfo=UTC),
            },
            {},
            RejectReason.TOO_EARLY,
        ),
    ],
)
def test_each_rejection(
    overrides: dict[str, Any], kw: dict[str, Any], reason: RejectReason
) -> None:
    kw = dict(kw)
    membership = kw.pop("membership", "active")
    v = judge(evidence(**overrides), membership, **kw)
    assert not v.accepted
    assert v.reject_reason is reason


# Every failing condition, in the documented precedence order.
PRECEDENCE: list[tuple[RejectReason, dict[str, Any], dict[str, Any]]] = [
    (RejectReason.NOT_MEMBER, {}, {"membership": None}),
    (RejectReason.RECALLED, {}, {"membership": "recalled"}),
    (RejectReason.BAD_COORDINATES, {"lat": 123.0}, {}),
    (RejectReason.FORWARDED, {"is_forwarded": True}, {}),
    (RejectReason.VENUE, {"is_venue": True}, {}),
    (RejectReason.OFFLINE, {"is_from_offline": True}, {}),
    (RejectReason.LIVE_REQUIRED, {}, {"require_live": True}),
    (RejectReason.INACCURATE, {"accuracy_m": 5000.0}, {}),
    (
        RejectReason.TOO_EARLY,
        {"message_date": datetime(2026, 5, 5, 20, 0, tzinfo=UTC)},  # 04:00 local
        {},
    ),
]


def _combine(idx: set[int]) -> tuple[LocationEvidence, str | None, bool]:
    ev_over: dict[str, Any] = {}
    kw: dict[str, Any] = {"require_live": False}
    for i in sorted(idx):
        _, e, k = PRECEDENCE[i]
        ev_over.update(e)
        kw.update(k)
    # Both membership failures chosen: None (index 0) must be the one applied.
    kw["membership"] = None if 0 in idx else ("recalled" if 1 in idx else "active")
    if "message_date" in ev_over:
        ev_over.setdefault("received_at", ev_over["message_date"])
    return evidence(**ev_over), kw["membership"], kw["require_live"]


@FAST
@given(st.sets(st.integers(min_value=0, max_value=len(PRECEDENCE) - 1), min_size=1))
def test_rejection_precedence(idx: set[int]) -> None:
    ev, membership, require_live = _combine(idx)
    v = judge(ev, membership, require_live=require_live)
    assert not v.accepted
    assert v.reject_reason is PRECEDENCE[min(idx)][0]


def test_precedence_examples() -> None:
    # Recalled and forwarded: recalled wins.
    v = judge(evidence(is_forwarded=True), "recalled")
    assert v.reject_reason is RejectReason.RECALLED
    # Forwarded venue: forwarded wins.
    assert judge(evidence(is_forwarded=True, is_venue=True)).reject_reason is (
        RejectReason.FORWARDED
    )
    # Offline and inaccurate: offline wins.
    v = judge(evidence(is_from_offline=True, accuracy_m=1000.0))
    assert v.reject_reason is RejectReason.OFFLINE


def test_rejected_attempt_keeps_evidence() -> None:
    v = judge(evidence(is_forwarded=True, lon=SITE.lon + 0.013))
    assert not v.accepted
    assert v.distance_m is not None and v.distance_m > 1000
    assert v.place is Place.OUT_OF_AREA
    assert v.timing is Timing.ON_TIME
    assert v.local_day == date(2026, 5, 6)


def test_bad_coordinates_have_no_distance() -> None:
    v = judge(evidence(lat=math.inf))
    assert v.reject_reason is RejectReason.BAD_COORDINATES
    assert v.distance_m is None and v.place is None


def test_not_member_still_measured() -> None:
    v = judge(evidence(), None)
    assert v.reject_reason is RejectReason.NOT_MEMBER
    assert v.place is Place.ON_SITE


# ---------------------------------------------------------------- delay


def test_backlog_is_delayed_but_on_time() -> None:
    # Sent at 07:35 local, handled 10 minutes later (07:45, after the deadline).
    ev = evidence(received_at=ON_TIME_AT + timedelta(minutes=10))
    v = judge(ev)
    assert v.accepted
    assert v.timing is Timing.ON_TIME
    assert v.delay_s == 600.0
    assert v.delayed


def test_backlog_across_midnight_keeps_message_day() -> None:
    # Sent 23:59 local on 5 May (MISSED for that day), handled at 00:10 on 6 May.
    sent = datetime(2026, 5, 5, 15, 59, tzinfo=UTC)
    v = judge(evidence(message_date=sent, received_at=sent + timedelta(minutes=11)))
    assert v.local_day == date(2026, 5, 5)
    assert v.timing is Timing.MISSED
    assert v.delayed


def test_delay_threshold() -> None:
    at60 = judge(evidence(received_at=ON_TIME_AT + timedelta(seconds=DELAYED_AFTER_S)))
    at61 = judge(evidence(received_at=ON_TIME_AT + timedelta(seconds=61)))
    assert not at60.delayed and at61.delayed
    custom = judge(evidence(received_at=ON_TIME_AT + timedelta(seconds=20)), delayed_after_s=10)
    assert custom.delayed


def test_clock_skew_gives_zero_delay() -> None:
    v = judge(evidence(received_at=ON_TIME_AT - timedelta(seconds=5)))
    assert v.delay_s == 0.0 and not v.delayed


def test_naive_datetimes_rejected() -> None:
    with pytest.raises(ValueError):
        judge(evidence(message_date=datetime(2026, 5, 6, 7, 35)))
    with pytest.raises(ValueError):
        judge(evidence(received_at=datetime(2026, 5, 6, 7, 35)))


@FAST
@given(
    st.floats(min_value=-90, max_value=90, allow_nan=False),
    st.floats(min_value=-180, max_value=180, allow_nan=False),
    st.integers(min_value=0, max_value=3600),
)
def test_verdict_invariants(lat: float, lon: float, delay: int) -> None:
    v = judge(evidence(lat=lat, lon=lon, received_at=ON_TIME_AT + timedelta(seconds=delay)))
    assert v.accepted and v.distance_m is not None
    assert v.distance_m == pytest.approx(distance_m(Point(lat, lon), Point(SITE.lat, SITE.lon)))
    assert (v.place is Place.ON_SITE) == (v.distance_m <= SITE.radius_m)
    assert v.timing is Timing.ON_TIME
    assert v.delay_s == delay and v.delayed == (delay > DELAYED_AFTER_S)


# ---------------------------------------------------------------- day effect


def _verdict(accepted: bool, place: Place | None) -> CheckinVerdict:
    v = judge(evidence())
    return dataclasses.replace(
        v,
        accepted=accepted,
        reject_reason=None if accepted else RejectReason.FORWARDED,
        place=place,
    )


@pytest.mark.parametrize(
    ("counting", "accepted", "new_place", "effect"),
    [
        (None, True, Place.ON_SITE, DayEffect.COUNTS),
        (None, True, Place.OUT_OF_AREA, DayEffect.COUNTS),
        (None, False, Place.ON_SITE, DayEffect.NO_CHANGE),
        (None, False, None, DayEffect.NO_CHANGE),
        (Place.ON_SITE, True, Place.ON_SITE, DayEffect.NO_CHANGE),
        (Place.ON_SITE, True, Place.OUT_OF_AREA, DayEffect.NO_CHANGE),
        (Place.ON_SITE, False, Place.ON_SITE, DayEffect.NO_CHANGE),
        (Place.OUT_OF_AREA, True, Place.ON_SITE, DayEffect.UPGRADES),
        (Place.OUT_OF_AREA, True, Place.OUT_OF_AREA, DayEffect.NO_CHANGE),
        (Place.OUT_OF_AREA, False, Place.ON_SITE, DayEffect.NO_CHANGE),
    ],
)
def test_day_effect_table(
    counting: Place | None, accepted: bool, new_place: Place | None, effect: DayEffect
) -> None:
    assert day_effect(counting, _verdict(accepted, new_place)) is effect


def test_upgrade_keeps_first_timing() -> None:
    assert upgraded_timing(Timing.LATE, Timing.LATE) is Timing.LATE
    assert upgraded_timing(Timing.ON_TIME, Timing.LATE) is Timing.ON_TIME
    assert upgraded_timing(Timing.LATE, Timing.MISSED) is Timing.LATE
    assert upgraded_timing(None, Timing.LATE) is Timing.LATE
    with pytest.raises(ValueError):
        upgraded_timing(None, None)


def test_full_day_flow() -> None:
    """Out of area at 07:35 (on time), on site at 08:10 (late): day upgrades, stays on time."""
    first = judge(evidence(lon=SITE.lon + 0.013))
    assert day_effect(None, first) is DayEffect.COUNTS
    later_at = datetime(2026, 5, 6, 0, 10, tzinfo=UTC)
    second = judge(evidence(message_date=later_at, received_at=later_at))
    assert second.timing is Timing.LATE
    assert first.place is not None
    assert day_effect(first.place, second) is DayEffect.UPGRADES
    assert first.timing is not None
    assert upgraded_timing(first.timing, second.timing) is Timing.ON_TIME
    third = judge(evidence(lon=SITE.lon + 0.013, message_date=later_at, received_at=later_at))
    assert day_effect(Place.ON_SITE, third) is DayEffect.NO_CHANGE
