"""Reading what people type about a site the way they mean it: a radius with its unit, and
coordinates pasted in Amap's "lon,lat" order."""

from __future__ import annotations

import re

_RADIUS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|metres?|meters?|米|km|公里|千米)?\s*$", re.I)


def parse_radius(text: str) -> float:
    """Metres from "500", "500m", "500 米" or "0.5km"; ValueError for anything else."""
    m = _RADIUS.match(text or "")
    if m is None:
        raise ValueError(f"not a radius: {text!r}")
    value = float(m.group(1))
    unit = (m.group(2) or "m").lower()
    return value * 1000 if unit in ("km", "公里", "千米") else value


def looks_swapped(lat: float, lon: float) -> bool:
    """True when the pair only makes sense the other way round: a "latitude" beyond 90 whose
    swap is a valid point (Amap and Baidu show longitude first)."""
    return abs(lat) > 90 and abs(lat) <= 180 and abs(lon) <= 90
