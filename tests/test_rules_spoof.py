"""Spoof signals: a genuine month around the site raises none; each kind of fake raises its own."""

from __future__ import annotations

import math
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rules.checkin import Site
from bot.rules.spoof import (
    Fix,
    Signal,
    SpoofThresholds,
    assess,
    edge_hugging,
    frozen_fix,
    impossible_travel,
    no_accuracy,
    static_live,
)

SITE = Site(30.1674, 120.2589, 300)
TH = SpoofThresholds()
DAY0 = date(2026, 11, 2)
T0 = 1_793_000_000.0  # an instant on DAY0 morning
M_PER_DEG = 111_320.0


def at_offset(east_m: float, north_m: float) -> tuple[float, float]:
    lat = SITE.lat + north_m / M_PER_DEG
    lon = SITE.lon + east_m / (M_PER_DEG * math.cos(math.radians(SITE.lat)))
    return lat, lon


CELL_M = 3.0  # one day's standing place per cell: two days are never within a metre
CELLS = int(380 // CELL_M)  # a square of cells inside the 190 m circle's bounding box


@st.composite
def genuine_month(draw: st.DrawFn) -> list[Fix]:
    """A member walking about the site: each morning somewhere within 190 m of the centre
    (a different spot each day, as GPS never lands on the same metre twice), a real phone's
    accuracy (centimetres that never repeat), walking pace between fixes."""
    days = draw(st.integers(min_value=2, max_value=20))
    inside = [
        (x, y)
        for x in range(CELLS)
        for y in range(CELLS)
        if math.hypot((x - CELLS / 2) * CELL_M, (y - CELLS / 2) * CELL_M) < 185
    ]
    cells = draw(st.lists(st.sampled_from(inside), min_size=days, max_size=days, unique=True))
    fixes = []
    for i, (x, y) in enumerate(cells):
        east = (x - CELLS / 2) * CELL_M + draw(st.floats(-0.9, 0.9))
        north = (y - CELLS / 2) * CELL_M + draw(st.floats(-0.9, 0.9))
        lat, lon = at_offset(east, north)
        accuracy = round(draw(st.floats(3.0, 40.0)), 2) + i * 0.013 + 0.001
        minute = draw(st.integers(0, 120))
        fixes.append(
            Fix(
                T0 + i * 86_400 + minute * 60,
                lat,
                lon,
                accuracy,
                DAY0 + timedelta(days=i),
                ref=i,
            )
        )
    return fixes


def run_month(fixes: list[Fix], site: Site = SITE, th: SpoofThresholds = TH) -> list[list[Signal]]:
    return [[f.signal for f in assess(fix, fixes[:i], site, th)] for i, fix in enumerate(fixes)]


@given(genuine_month())
@settings(max_examples=60, deadline=None)
def test_a_genuine_month_raises_nothing(fixes: list[Fix]) -> None:
    assert run_month(fixes) == [[] for _ in fixes]


@given(genuine_month(), st.data())
@settings(max_examples=60, deadline=None)
def test_a_replayed_pin_raises_frozen_fix(fixes: list[Fix], data: st.DataObject) -> None:
    earlier = data.draw(st.sampled_from(fixes))
    later = fixes[-1].day + timedelta(days=data.draw(st.integers(1, 20)))
    replay = Fix(
        T0 + (later - DAY0).days * 86_400, earlier.lat, earlier.lon, earlier.accuracy_m, later
    )
    signals = [f.signal for f in assess(replay, fixes, SITE, TH)]
    assert Signal.FROZEN_FIX in signals


@given(genuine_month(), st.floats(0.0, 0.0009))
@settings(max_examples=30, deadline=None)
def test_a_pin_within_a_metre_is_the_same_pin(fixes: list[Fix], nudge: float) -> None:
    last = fixes[-1]
    replay = Fix(
        last.at + 86_400,
        last.lat + nudge / M_PER_DEG,
        last.lon,
        12.34,
        last.day + timedelta(days=1),
    )
    found = frozen_fix(replay, fixes, TH)
    assert found is not None and found.inputs["gap_m"] < 1.0


@given(
    st.floats(0, 2 * math.pi),
    st.floats(300_000, 2_000_000),
    st.floats(60, 3600),
)
@settings(max_examples=60, deadline=None)
def test_a_jump_faster_than_roads_raises_impossible_travel(
    bearing: float, metres: float, seconds: float
) -> None:
    start = Fix(T0, SITE.lat, SITE.lon, 10.5, DAY0)
    lat, lon = at_offset(metres * math.cos(bearing), metres * math.sin(bearing))
    jump = Fix(T0 + seconds, lat, lon, 8.25, DAY0, source="rollcall")
    found = impossible_travel(jump, [start], TH)
    assert found is not None and found.inputs["speed_kmh"] > TH.max_speed_kmh
    # and whichever came first: a roll-call answer judged before the check-in it follows
    assert impossible_travel(start, [jump], TH) is not None


def test_three_hundred_km_in_an_hour() -> None:
    start = Fix(T0, SITE.lat, SITE.lon, 10.5, DAY0)
    lat, lon = at_offset(0, 300_000)
    found = impossible_travel(Fix(T0 + 3600, lat, lon, 9.1, DAY0), [start], TH)
    assert found is not None and 290 < found.inputs["speed_kmh"] < 310


@given(st.floats(0, 140), st.floats(0.5, 48))
@settings(max_examples=60, deadline=None)
def test_driving_within_the_speed_limit_is_fine(kmh: float, hours: float) -> None:
    start = Fix(T0, SITE.lat, SITE.lon, 10.5, DAY0)
    lat, lon = at_offset(0, kmh / 3.6 * hours * 3600 * 0.999)
    assert impossible_travel(Fix(T0 + hours * 3600, lat, lon, 9.1, DAY0), [start], TH) is None


def test_gps_jitter_a_second_apart_is_not_travel() -> None:
    start = Fix(T0, SITE.lat, SITE.lon, 20.0, DAY0)
    lat, lon = at_offset(35, 0)
    assert impossible_travel(Fix(T0 + 1, lat, lon, 20.0, DAY0), [start], TH) is None


@given(genuine_month(), st.sampled_from([None, 0.0]))
@settings(max_examples=30, deadline=None)
def test_a_fix_without_accuracy_is_flagged(fixes: list[Fix], accuracy: float | None) -> None:
    last = fixes[-1]
    # Inside the site but 60 m beyond where the month walked: no earlier day stood here (a
    # step from the last fix could land on an earlier day's spot, a frozen fix as well).
    lat, lon = at_offset(0.0, 250.0)
    pick = Fix(last.at + 86_400, lat, lon, accuracy, last.day + timedelta(1))
    assert [f.signal for f in assess(pick, fixes, SITE, TH)] == [Signal.NO_ACCURACY]


@given(st.sampled_from(sorted(TH.round_accuracies)), st.integers(1, 6))
def test_a_round_accuracy_repeated_on_days_is_flagged(accuracy: float, days: int) -> None:
    fixes = [
        Fix(T0 + i * 86_400, *at_offset(i * 5.0, 0), accuracy, DAY0 + timedelta(i))
        for i in range(days)
    ]
    found = no_accuracy(fixes[-1], fixes[:-1], TH)
    assert (found is not None) == (days >= TH.repeat_days)


def test_the_same_centimetre_accuracy_on_three_days_is_frozen() -> None:
    fixes = [
        Fix(T0 + i * 86_400, *at_offset(i * 5.0, 0), 13.37, DAY0 + timedelta(i)) for i in range(3)
    ]
    assert frozen_fix(fixes[1], fixes[:1], TH) is None
    found = frozen_fix(fixes[2], fixes[:2], TH)
    assert found is not None and found.inputs["same_accuracy_days"] == ["2026-11-02", "2026-11-03"]


@given(st.integers(3, 60), st.floats(0, 0.9))
@settings(max_examples=40, deadline=None)
def test_a_live_location_that_never_moves_is_flagged(points: int, spread: float) -> None:
    track = [
        Fix(T0 + i * 60, *at_offset(spread * (i % 2), 0), 5.5, DAY0, source="live")
        for i in range(points)
    ]
    found = static_live(track, TH)
    assert (found is not None) == ((points - 1) * 60 >= TH.static_live_s)


@given(st.integers(11, 60), st.floats(1.5, 30))
@settings(max_examples=40, deadline=None)
def test_a_live_location_that_drifts_is_not(points: int, step: float) -> None:
    track = [
        Fix(T0 + i * 60, *at_offset(step * math.sin(i), step * math.cos(i)), 5.5, DAY0)
        for i in range(points)
    ]
    assert static_live(track, TH) is None


@given(st.integers(1, 7), st.floats(0.87, 0.995))
@settings(max_examples=40, deadline=None)
def test_fixes_hugging_the_edge_day_after_day(days: int, fraction: float) -> None:
    fixes = [
        Fix(
            T0 + i * 86_400,
            *at_offset(0, SITE.radius_m * fraction - i * 0.3),
            7.0 + i * 0.11,
            DAY0 + timedelta(i),
        )
        for i in range(days)
    ]
    found = edge_hugging(fixes[-1], fixes[:-1], SITE, TH)
    assert (found is not None) == (days >= TH.edge_days)


def test_edge_days_outside_the_window_do_not_count() -> None:
    days = [0, 1, 2, 9]  # the first three are more than a week before the fourth
    fixes = [
        Fix(T0 + d * 86_400, *at_offset(0, 290 - d * 0.3), 7.0 + d * 0.1, DAY0 + timedelta(d))
        for d in days
    ]
    assert edge_hugging(fixes[-1], fixes[:-1], SITE, TH) is None


def test_thresholds_are_the_teams() -> None:
    start = Fix(T0, SITE.lat, SITE.lon, 10.5, DAY0)
    lat, lon = at_offset(0, 100_000)
    fast = Fix(T0 + 3600, lat, lon, 9.1, DAY0)  # 100 km/h
    assert impossible_travel(fast, [start], TH) is None
    assert impossible_travel(fast, [start], SpoofThresholds(max_speed_kmh=80)) is not None
