"""Coordinates: datums, parsing, validation and geodesic distance.

Everything here is pure: no I/O, no clock.

Datum conversion uses ``prcoords``' precise iterative inverses (``gcj_wgs_bored``,
``bd_wgs_bored``), accurate to well under a metre. GCJ-02 and BD-09 only exist for
points inside China; we use prcoords' own rough bounding box (``sanity_in_china_p``,
the same box eviltransform and most libraries use) on the *typed* point, and outside it
conversion is the identity for both datums (Amap/Tencent/Baidu show WGS-84 abroad).
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from enum import StrEnum

import prcoords
from geographiclib.geodesic import Geodesic

__all__ = [
    "DEFAULT_RADIUS_M",
    "RADIUS_MAX_M",
    "RADIUS_MIN_M",
    "Datum",
    "InvalidCoordinates",
    "Point",
    "check_coordinates",
    "distance_m",
    "in_china",
    "parse_coordinates",
    "parse_datum",
    "parse_site_input",
    "to_wgs84",
    "validate_radius",
]

RADIUS_MIN_M = 50
RADIUS_MAX_M = 3000
DEFAULT_RADIUS_M = 300


class Datum(StrEnum):
    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


@dataclass(frozen=True)
class Point:
    """A plain (lat, lon) pair in degrees. Construction does not validate; see
    :func:`check_coordinates`."""

    lat: float
    lon: float


class InvalidCoordinates(ValueError):
    """Coordinates that cannot be used. ``reason`` is a short machine-readable code:

    ``empty``, ``format``, ``not_finite``, ``lat_range``, ``lon_range``, ``datum``.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def check_coordinates(lat: float, lon: float) -> Point:
    """Validate a latitude/longitude pair (finite, -90..90, -180..180) and return it."""
    try:
        lat_f = float(lat)
        lon_f = float(lon)
    except (TypeError, ValueError) as exc:
        raise InvalidCoordinates("format", repr((lat, lon))) from exc
    if not (math.isfinite(lat_f) and math.isfinite(lon_f)):
        raise InvalidCoordinates("not_finite", repr((lat, lon)))
    if not -90.0 <= lat_f <= 90.0:
        raise InvalidCoordinates("lat_range", repr(lat))
    if not -180.0 <= lon_f <= 180.0:
        raise InvalidCoordinates("lon_range", repr(lon))
    return Point(lat_f, lon_f)


def in_china(lat: float, lon: float) -> bool:
    """prcoords' rough bounding box in which GCJ-02/BD-09 obfuscation applies."""
    return bool(prcoords.sanity_in_china_p(prcoords.Coords(lat, lon)))


_DATUM_ALIASES: dict[str, Datum] = {
    "wgs84": Datum.WGS84,
    "wgs": Datum.WGS84,
    "gps": Datum.WGS84,
    "gcj02": Datum.GCJ02,
    "gcj": Datum.GCJ02,
    "bd09": Datum.BD09,
    "bd": Datum.BD09,
    "bd09ll": Datum.BD09,
}


def parse_datum(word: str) -> Datum:
    """``wgs84``/``WGS-84``/``gcj02``/``GCJ-02``/``bd09``/``BD-09`` (case, ``-``/``_``
    ignored) -> :class:`Datum`; raises ``InvalidCoordinates("datum")``."""
    key = re.sub(r"[-_\s]", "", word).lower()
    try:
        return _DATUM_ALIASES[key]
    except KeyError:
        raise InvalidCoordinates("datum", word) from None


def to_wgs84(lat: float, lon: float, datum: Datum | str) -> Point:
    """Convert a point typed in ``datum`` to WGS-84 (identity outside China)."""
    d = datum if isinstance(datum, Datum) else parse_datum(datum)
    p = check_coordinates(lat, lon)
    if d is Datum.WGS84 or not in_china(p.lat, p.lon):
        return p
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if d is Datum.GCJ02:
            out = prcoords.gcj_wgs_bored((p.lat, p.lon))
        else:
            out = prcoords.bd_wgs_bored((p.lat, p.lon))
    return check_coordinates(out.lat, out.lon)


# A plain decimal number: no exponent, no nan/inf, optional sign.
_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_PAIR_RE = re.compile(rf"^\s*({_NUM})\s*(?:[,;，]\s*|\s+)({_NUM})\s*$")


def parse_coordinates(text: str) -> Point:
    """Parse typed ``"lat, lon"`` / ``"lat lon"`` / ``"lat,lon"`` (also ``;`` and the
    full-width ``，``) in decimal degrees, latitude first. Validates the range."""
    if text is None or not text.strip():
        raise InvalidCoordinates("empty")
    m = _PAIR_RE.match(text)
    if m is None:
        lowered = text.lower()
        if "nan" in lowered or "inf" in lowered:
            raise InvalidCoordinates("not_finite", text)
        raise InvalidCoordinates("format", text)
    return check_coordinates(float(m.group(1)), float(m.group(2)))


def parse_site_input(text: str) -> tuple[Point, Datum]:
    """``"39.9 116.4 gcj02"`` -> (WGS-84 point, datum used). Datum defaults to WGS-84."""
    if text is None or not text.strip():
        raise InvalidCoordinates("empty")
    stripped = text.strip()
    datum = Datum.WGS84
    m = re.search(r"[A-Za-z][A-Za-z0-9_-]*$", stripped)
    if m is not None and m.start() > 0:
        key = re.sub(r"[-_\s]", "", m.group(0)).lower()
        if key in _DATUM_ALIASES:
            datum = _DATUM_ALIASES[key]
            stripped = stripped[: m.start()].rstrip().rstrip(",;，").rstrip()
        elif key not in ("nan", "inf", "infinity"):
            raise InvalidCoordinates("datum", m.group(0))
    pt = parse_coordinates(stripped)
    return to_wgs84(pt.lat, pt.lon, datum), datum


def distance_m(a: Point, b: Point) -> float:
    """Geodesic distance on the WGS-84 ellipsoid, in metres (Karney's algorithm).

    geographiclib directly, as geopy's `geodesic` does underneath, asking for the distance
    alone: a third of the cost, and every check-in measures one.
    """
    return float(Geodesic.WGS84.Inverse(a.lat, a.lon, b.lat, b.lon, Geodesic.DISTANCE)["s12"])


def validate_radius(r: float) -> int:
    """Radius in metres, 50..3000 inclusive, rounded to a whole metre."""
    if isinstance(r, bool):
        raise ValueError("radius must be a number")
    try:
        value = float(r)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"radius must be a number, got {r!r}") from exc
    if not math.isfinite(value) or not RADIUS_MIN_M <= value <= RADIUS_MAX_M:
        raise ValueError(f"radius must be between {RADIUS_MIN_M} and {RADIUS_MAX_M} m")
    return round(value)
