"""Spoofed-presence signals (SPEC §6): pure rules over one member's own fixes.

A signal never rejects anything: members who live at the site send similar fixes, phones
round their accuracy. It is a reason for a supervisor to look, stored with the inputs that
raised it. Each rule takes the fix being judged and the member's earlier (and, for roll-call
answers and live points, nearby) fixes, and returns a `Finding` or nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from bot.rules.checkin import Site

EARTH_M_PER_DEG = 111_320.0  # metres per degree of latitude (and of longitude at the equator)
EARTH_RADIUS_M = 6_371_008.8  # the mean radius


class Signal(StrEnum):
    FROZEN_FIX = "frozen_fix"
    IMPOSSIBLE_TRAVEL = "impossible_travel"
    NO_ACCURACY = "no_accuracy"
    STATIC_LIVE = "static_live"
    EDGE_HUGGING = "edge_hugging"


@dataclass(frozen=True)
class SpoofThresholds:
    """Per team, in its policy."""

    # Two fixes on different days closer than this are the same fix replayed.
    frozen_m: float = 1.0
    # The same accuracy to the centimetre (not a round number) on this many days.
    repeat_days: int = 3
    # Faster than roads allow between two fixes.
    max_speed_kmh: float = 150.0
    # Round accuracies a map pick or mock app reports; repeated on `repeat_days` days.
    round_accuracies: frozenset[float] = frozenset({5.0, 10.0, 65.0})
    # A live location whose points never leave this circle over this long.
    static_live_m: float = 1.0
    static_live_s: int = 600
    # The outer band of the radius (a fraction of it) ...
    edge_band: float = 0.15
    # ... on this many of the last `edge_window_days` days.
    edge_days: int = 4
    edge_window_days: int = 7

    @property
    def history_days(self) -> int:
        """How far back the rules look."""
        return 31


@dataclass(frozen=True)
class Fix:
    """One position the member sent: a check-in, a live-location point or a roll-call answer."""

    at: float  # Telegram's timestamp, epoch seconds
    lat: float
    lon: float
    accuracy_m: float | None
    day: date  # the team-local day
    source: str = "checkin"  # checkin | live | rollcall
    ref: int | None = None  # the row it came from

    def describe(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "ref": self.ref,
            "at": self.at,
            "day": self.day.isoformat(),
            "lat": self.lat,
            "lon": self.lon,
            "accuracy_m": self.accuracy_m,
        }


@dataclass(frozen=True)
class Finding:
    signal: Signal
    inputs: dict[str, Any]


def _near_m(a: Fix | Site, b: Fix | Site) -> float:
    """Equirectangular distance: exact enough under a few kilometres (a site's radius is at
    most 3), and cheap to run over a month of fixes."""
    dy = (a.lat - b.lat) * EARTH_M_PER_DEG
    dx = (a.lon - b.lon) * EARTH_M_PER_DEG * math.cos(math.radians((a.lat + b.lat) / 2))
    return math.hypot(dx, dy)


def _far_m(a: Fix, b: Fix) -> float:
    """Haversine distance: within half a percent of the geodesic anywhere, a few
    microseconds instead of a geodesic's tens. These rules run inside the check-in's write;
    a signal is a reason to look, not a measurement."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b.lon - a.lon) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def frozen_fix(fix: Fix, history: Iterable[Fix], th: SpoofThresholds) -> Finding | None:
    earlier = [h for h in history if h.day < fix.day]
    # A degree of latitude is the same length everywhere: most fixes are ruled out by it
    # before a distance is worth computing.
    reach = th.frozen_m / EARTH_M_PER_DEG
    for h in earlier:
        if abs(h.lat - fix.lat) >= reach:
            continue
        gap = _near_m(fix, h)
        if gap < th.frozen_m:
            return Finding(
                Signal.FROZEN_FIX,
                {
                    "fix": fix.describe(),
                    "same_as": h.describe(),
                    "gap_m": round(gap, 3),
                    "threshold_m": th.frozen_m,
                },
            )
    acc = fix.accuracy_m
    if acc is None or _is_round(acc):
        return None
    days = sorted(
        {
            h.day
            for h in earlier
            if h.accuracy_m is not None and round(h.accuracy_m, 2) == round(acc, 2)
        }
    )
    if len(days) + 1 >= th.repeat_days:
        return Finding(
            Signal.FROZEN_FIX,
            {
                "fix": fix.describe(),
                "accuracy_m": acc,
                "same_accuracy_days": [d.isoformat() for d in days],
                "threshold_days": th.repeat_days,
            },
        )
    return None


def _is_round(accuracy: float) -> bool:
    return float(accuracy).is_integer()


def impossible_travel(fix: Fix, history: Iterable[Fix], th: SpoofThresholds) -> Finding | None:
    """Against the fixes just before and just after it in time: the speed between neighbours
    is what roads bound. Both fixes' accuracies are given to the member."""
    before = max(
        (h for h in history if h.at <= fix.at and h is not fix), key=lambda h: h.at, default=None
    )
    after = min((h for h in history if h.at > fix.at), key=lambda h: h.at, default=None)
    for other in (before, after):
        if other is None:
            continue
        seconds = abs(fix.at - other.at)
        metres = _far_m(fix, other)
        slack = (fix.accuracy_m or 0.0) + (other.accuracy_m or 0.0)
        travelled = max(0.0, metres - slack)
        # A minute's floor: two fixes a second apart with a few metres of jitter are not a jet.
        kmh = travelled / max(seconds, 60.0) * 3.6
        if kmh > th.max_speed_kmh:
            return Finding(
                Signal.IMPOSSIBLE_TRAVEL,
                {
                    "fix": fix.describe(),
                    "other": other.describe(),
                    "distance_m": round(metres),
                    "seconds": seconds,
                    "speed_kmh": round(kmh, 1),
                    "threshold_kmh": th.max_speed_kmh,
                },
            )
    return None


def no_accuracy(fix: Fix, history: Iterable[Fix], th: SpoofThresholds) -> Finding | None:
    """No accuracy at all (a point picked on a map), exactly 0, or a round value a mock app
    reports, the same on several days."""
    acc = fix.accuracy_m
    if acc is None or acc <= 0:
        return Finding(Signal.NO_ACCURACY, {"fix": fix.describe(), "accuracy_m": acc})
    if acc not in th.round_accuracies:
        return None
    days = sorted({h.day for h in history if h.day < fix.day and h.accuracy_m == acc})
    if len(days) + 1 >= th.repeat_days:
        return Finding(
            Signal.NO_ACCURACY,
            {
                "fix": fix.describe(),
                "accuracy_m": acc,
                "same_accuracy_days": [d.isoformat() for d in days],
                "threshold_days": th.repeat_days,
            },
        )
    return None


def static_live(track: Sequence[Fix], th: SpoofThresholds) -> Finding | None:
    """A live location that never moves: a real phone drifts by metres even on a desk."""
    if len(track) < 3:
        return None
    span = track[-1].at - track[0].at
    if span < th.static_live_s:
        return None
    first = track[0]
    spread = max(_near_m(first, p) for p in track)
    if spread < th.static_live_m:
        return Finding(
            Signal.STATIC_LIVE,
            {
                "points": len(track),
                "seconds": span,
                "spread_m": round(spread, 3),
                "threshold_m": th.static_live_m,
                "first": first.describe(),
            },
        )
    return None


def edge_hugging(
    fix: Fix, history: Iterable[Fix], site: Site, th: SpoofThresholds
) -> Finding | None:
    """Fixes just inside the radius day after day: someone standing where the fence ends,
    or a point placed there."""

    def in_band(f: Fix) -> bool:
        return site.radius_m * (1 - th.edge_band) <= _near_m(f, site) <= site.radius_m

    if not in_band(fix):
        return None
    window = [
        h
        for h in history
        if 0 < (fix.day - h.day).days < th.edge_window_days and h.source == "checkin"
    ]
    days = sorted({h.day for h in window if in_band(h)})
    if len(days) + 1 >= th.edge_days:
        return Finding(
            Signal.EDGE_HUGGING,
            {
                "fix": fix.describe(),
                "edge_days": [d.isoformat() for d in days],
                "band_m": [round(site.radius_m * (1 - th.edge_band)), site.radius_m],
                "threshold_days": th.edge_days,
                "window_days": th.edge_window_days,
            },
        )
    return None


def assess(
    fix: Fix, history: Sequence[Fix], site: Site | None, th: SpoofThresholds
) -> list[Finding]:
    """Every signal one accepted fix raises against the member's other fixes."""
    others = [h for h in history if h is not fix]
    found = [
        frozen_fix(fix, others, th),
        impossible_travel(fix, others, th),
        no_accuracy(fix, others, th),
        edge_hugging(fix, others, site, th) if site is not None else None,
    ]
    return [f for f in found if f is not None]
