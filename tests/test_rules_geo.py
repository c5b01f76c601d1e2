"""Tests for bot.rules.geo: datums, parsing, distance, radius."""

from __future__ import annotations

import math
import warnings

import prcoords
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rules.geo import (
    DEFAULT_RADIUS_M,
    RADIUS_MAX_M,
    RADIUS_MIN_M,
    Datum,
    InvalidCoordinates,
    Point,
    distance_m,
    in_china,
    parse_coordinates,
    parse_datum,
    parse_site_input,
    to_wgs84,
    validate_radius,
)

FAST = settings(max_examples=60, deadline=None)

# Published WGS-84 -> GCJ-02 pairs (the eviltransform test vectors, widely cross-checked).
PUBLISHED_GCJ = [
    # (wgs lat, wgs lon, gcj lat, gcj lon)
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]
TIANANMEN_WGS = Point(39.908722, 116.397499)
TIANANMEN_GCJ = Point(39.910131, 116.403740)


def _fwd_gcj(p: Point) -> Point:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = prcoords.wgs_gcj((p.lat, p.lon))
    return Point(c.lat, c.lon)


def _fwd_bd(p: Point) -> Point:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = prcoords.wgs_bd((p.lat, p.lon))
    return Point(c.lat, c.lon)


# ---------------------------------------------------------------- datum conversion


def test_tiananmen_forward_matches_published_gcj() -> None:
    assert distance_m(_fwd_gcj(TIANANMEN_WGS), TIANANMEN_GCJ) < 5


def test_tiananmen_gcj_to_wgs84() -> None:
    p = to_wgs84(TIANANMEN_GCJ.lat, TIANANMEN_GCJ.lon, Datum.GCJ02)
    assert distance_m(p, TIANANMEN_WGS) < 5


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), PUBLISHED_GCJ)
def test_published_pairs(wlat: float, wlon: float, glat: float, glon: float) -> None:
    assert distance_m(_fwd_gcj(Point(wlat, wlon)), Point(glat, glon)) < 1
    back = to_wgs84(glat, glon, "gcj02")
    assert distance_m(back, Point(wlat, wlon)) < 1


def test_published_bd09_pair_shanghai() -> None:
    # GCJ (31.17530398, 121.53154186) -> BD-09 (31.18132861, 121.53801569), a
    # commonly quoted vector; BD-09 input goes back to the WGS-84 Shanghai point.
    bd = Point(31.181328606874466, 121.53801568643858)
    assert distance_m(_fwd_bd(Point(31.1774276, 121.5272106)), bd) < 1
    back = to_wgs84(bd.lat, bd.lon, Datum.BD09)
    assert distance_m(back, Point(31.1774276, 121.5272106)) < 1


china_points = st.builds(
    Point,
    st.floats(min_value=18.5, max_value=48.0),
    st.floats(min_value=98.0, max_value=130.0),
)


@FAST
@given(china_points)
def test_gcj_round_trip_under_5m(p: Point) -> None:
    g = _fwd_gcj(p)
    back = to_wgs84(g.lat, g.lon, Datum.GCJ02)
    assert distance_m(back, p) < 5


@FAST
@given(china_points)
def test_bd_round_trip_under_5m(p: Point) -> None:
    b = _fwd_bd(p)
    back = to_wgs84(b.lat, b.lon, Datum.BD09)
    assert distance_m(back, p) < 5


@FAST
@given(
    st.builds(
        Point,
        st.floats(min_value=22.0, max_value=41.0),
        st.floats(min_value=110.0, max_value=122.0),
    )
)
def test_gcj_offset_300_to_700m_in_eastern_china(p: Point) -> None:
    assert 300 <= distance_m(_fwd_gcj(p), p) <= 700


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (52.52, 13.405),  # Berlin
        (40.7128, -74.006),  # New York
        (-33.8688, 151.2093),  # Sydney
        (0.0, 0.0),
        (90.0, 180.0),
        (-90.0, -180.0),
    ],
)
@pytest.mark.parametrize("datum", list(Datum))
def test_outside_china_is_identity(lat: float, lon: float, datum: Datum) -> None:
    assert not in_china(lat, lon)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert to_wgs84(lat, lon, datum) == Point(lat, lon)


def test_wgs84_is_identity_in_china() -> None:
    assert to_wgs84(39.9, 116.4, "wgs84") == Point(39.9, 116.4)


@pytest.mark.parametrize(
    ("lat", "lon", "reason"),
    [
        (91.0, 0.0, "lat_range"),
        (-90.5, 0.0, "lat_range"),
        (0.0, 180.01, "lon_range"),
        (0.0, -181.0, "lon_range"),
        (math.nan, 0.0, "not_finite"),
        (0.0, math.inf, "not_finite"),
    ],
)
def test_to_wgs84_validates(lat: float, lon: float, reason: str) -> None:
    with pytest.raises(InvalidCoordinates) as ei:
        to_wgs84(lat, lon, Datum.GCJ02)
    assert ei.value.reason == reason


def test_to_wgs84_unknown_datum() -> None:
    with pytest.raises(InvalidCoordinates) as ei:
        to_wgs84(39.9, 116.4, "mercator")
    assert ei.value.reason == "datum"


@pytest.mark.parametrize(
    ("word", "datum"),
    [("wgs84", Datum.WGS84), ("WGS-84", Datum.WGS84), ("GCJ-02", Datum.GCJ02),
     ("gcj02", Datum.GCJ02), ("BD09", Datum.BD09), ("bd-09", Datum.BD09)],
)  # fmt: skip
def test_parse_datum(word: str, datum: Datum) -> None:
    assert parse_datum(word) is datum


# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    "text",
    [
        "39.9087, 116.3975",
        "39.9087 116.3975",
        "39.9087,116.3975",
        "  39.9087 ,  116.3975  ",
        "39.9087;116.3975",
        "39.9087，116.3975",
        "+39.9087 +116.3975",
    ],
)
def test_parse_coordinates_accepts(text: str) -> None:
    assert parse_coordinates(text) == Point(39.9087, 116.3975)


def test_parse_coordinates_negative_and_bounds() -> None:
    assert parse_coordinates("-33.86, -151.2") == Point(-33.86, -151.2)
    assert parse_coordinates("90 180") == Point(90.0, 180.0)
    assert parse_coordinates("-90,-180") == Point(-90.0, -180.0)
    assert parse_coordinates("0 0") == Point(0.0, 0.0)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("abc", "format"),
        ("39.9", "format"),
        ("39.9 116.4 1", "format"),
        ("1e3, 2", "format"),
        ("39.9, 116.4 gcj02", "format"),  # datum words belong to parse_site_input
        ("nan, 1", "not_finite"),
        ("1, nan", "not_finite"),
        ("inf 0", "not_finite"),
        ("-inf, 0", "not_finite"),
        ("91,0", "lat_range"),
        ("-91 0", "lat_range"),
        ("0, 181", "lon_range"),
        ("0x10 5", "format"),
    ],
)
def test_parse_coordinates_rejects(text: str, reason: str) -> None:
    with pytest.raises(InvalidCoordinates) as ei:
        parse_coordinates(text)
    assert ei.value.reason == reason
    assert isinstance(ei.value, ValueError)


@FAST
@given(
    st.floats(min_value=-90, max_value=90, allow_nan=False),
    st.floats(min_value=-180, max_value=180, allow_nan=False),
    st.sampled_from([", ", " ", ",", " , "]),
)
def test_parse_coordinates_round_trip(lat: float, lon: float, sep: str) -> None:
    text = f"{lat:.7f}{sep}{lon:.7f}"
    p = parse_coordinates(text)
    assert abs(p.lat - lat) < 1e-6
    assert abs(p.lon - lon) < 1e-6


@FAST
@given(st.text(max_size=30))
def test_parse_coordinates_never_crashes_otherwise(text: str) -> None:
    try:
        p = parse_coordinates(text)
    except InvalidCoordinates:
        return
    assert -90 <= p.lat <= 90 and -180 <= p.lon <= 180
    assert math.isfinite(p.lat) and math.isfinite(p.lon)


def test_parse_site_input_default_wgs84() -> None:
    assert parse_site_input("39.9 116.4") == (Point(39.9, 116.4), Datum.WGS84)
    assert parse_site_input("39.9, 116.4 wgs84") == (Point(39.9, 116.4), Datum.WGS84)


def test_parse_site_input_gcj02_converts() -> None:
    p, datum = parse_site_input(f"{TIANANMEN_GCJ.lat} {TIANANMEN_GCJ.lon} gcj02")
    assert datum is Datum.GCJ02
    assert distance_m(p, TIANANMEN_WGS) < 5


@pytest.mark.parametrize("suffix", ["bd09", "BD-09", ", bd09"])
def test_parse_site_input_bd09_converts(suffix: str) -> None:
    bd = _fwd_bd(TIANANMEN_WGS)
    p, datum = parse_site_input(f"{bd.lat:.7f},{bd.lon:.7f}{suffix}")
    assert datum is Datum.BD09
    assert distance_m(p, TIANANMEN_WGS) < 5


@pytest.mark.parametrize(
    ("text", "reason"),
    [("", "empty"), ("gcj02", "format"), ("39.9 116.4 mercator", "datum"),
     ("39.9 inf", "not_finite"), ("91 0 gcj02", "lat_range")],
)  # fmt: skip
def test_parse_site_input_rejects(text: str, reason: str) -> None:
    with pytest.raises(InvalidCoordinates) as ei:
        parse_site_input(text)
    assert ei.value.reason == reason


# ---------------------------------------------------------------- distance


def test_distance_zero_for_same_point() -> None:
    p = Point(39.9, 116.4)
    assert distance_m(p, p) == 0


def test_one_degree_latitude_at_equator() -> None:
    assert distance_m(Point(0, 0), Point(1, 0)) == pytest.approx(110574, abs=2)


def test_tiananmen_gcj_offset_is_more_than_a_default_radius() -> None:
    d = distance_m(TIANANMEN_WGS, TIANANMEN_GCJ)
    assert DEFAULT_RADIUS_M < d < 700


def test_antimeridian_and_poles() -> None:
    assert distance_m(Point(0, 179.9), Point(0, -179.9)) == pytest.approx(22264, rel=1e-3)
    assert distance_m(Point(90, 0), Point(90, 120)) < 1e-6
    assert distance_m(Point(-90, 0), Point(90, 0)) == pytest.approx(20003931, rel=1e-4)
    # Nearly antipodal points still converge.
    assert distance_m(Point(0, 0), Point(0.5, 179.5)) > 19_000_000


coords = st.builds(
    Point,
    st.floats(min_value=-90, max_value=90, allow_nan=False),
    st.floats(min_value=-180, max_value=180, allow_nan=False),
)


@FAST
@given(coords, coords)
def test_distance_symmetric_and_non_negative(a: Point, b: Point) -> None:
    d = distance_m(a, b)
    assert d >= 0
    assert d == pytest.approx(distance_m(b, a), rel=1e-9, abs=1e-3)
    assert d <= 20_004_000


# ---------------------------------------------------------------- radius


def test_radius_bounds() -> None:
    assert (RADIUS_MIN_M, RADIUS_MAX_M, DEFAULT_RADIUS_M) == (50, 3000, 300)
    assert validate_radius(50) == 50
    assert validate_radius(3000) == 3000
    assert validate_radius(300.4) == 300
    assert isinstance(validate_radius(120.0), int)


@pytest.mark.parametrize("r", [49.9, 0, -1, 3000.5, 10_000, math.nan, math.inf, True])
def test_radius_rejects(r: float) -> None:
    with pytest.raises(ValueError):
        validate_radius(r)
