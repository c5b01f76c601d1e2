"""A member's month as one picture (SPEC §6): every fix around the site circle, in metres
east and north of the site (no map tiles), coloured by timing, signals ringed in red.

Fixes far outside the circle would shrink it to a dot; the frame stops at a few radii and
the rest are counted in a note. Same Agg canvas and CJK font handling as the compliance
chart.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import date

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle

from bot.i18n import t
from bot.reports.compliance_chart import font_families
from bot.rules.checkin import Site

DPI = 110
FRAME_RADII = 4.0  # the frame spans this many radii around the site
M_PER_DEG = 111_320.0
COLORS = {"on_time": "#2e7d32", "late": "#f9a825", "missed": "#6d4c41", "other": "#1e88e5"}


@dataclass(frozen=True)
class PlotFix:
    lat: float
    lon: float
    day: date
    timing: str  # on_time | late | missed | other (roll call, evening)
    flagged: bool


def east_north(site: Site, lat: float, lon: float) -> tuple[float, float]:
    """Metres east and north of the site (equirectangular: exact enough within kilometres)."""
    north = (lat - site.lat) * M_PER_DEG
    east = (lon - site.lon) * M_PER_DEG * math.cos(math.radians(site.lat))
    return east, north


def render_evidence(
    lang: str, title: str, site: Site, fixes: list[PlotFix], signal_lines: list[str]
) -> bytes:
    fonts = font_families()
    listed = signal_lines[:25]
    fig = Figure(figsize=(8.0, 8.0 + 0.22 * len(listed)), dpi=DPI)
    FigureCanvasAgg(fig)
    top = 8.0 / (8.0 + 0.22 * len(listed))
    ax = fig.add_axes((0.12, 1 - top + 0.08 * top, 0.84, 0.82 * top))
    half = _frame(site, fixes)
    ax.set_xlim(-half, half)
    ax.set_ylim(-half, half)
    ax.set_aspect("equal")
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.add_patch(Circle((0, 0), site.radius_m, fill=False, color="#333333", linewidth=1.5))
    ax.plot([0], [0], marker="+", color="#333333", markersize=12)
    far = []
    for f in fixes:
        x, y = east_north(site, f.lat, f.lon)
        if abs(x) > half or abs(y) > half:
            far.append(math.hypot(x, y))
            x, y = _clamp(x, y, half)
        ax.scatter([x], [y], s=36, color=COLORS.get(f.timing, COLORS["other"]), zorder=3)
        if f.flagged:
            ax.scatter(
                [x], [y], s=160, facecolors="none", edgecolors="#d32f2f", linewidths=1.8, zorder=4
            )
        ax.annotate(
            str(f.day.day),
            (x, y),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=7,
            color="#555555",
        )
    ax.set_xlabel(t(lang, "evidence.chart.east"), fontfamily=fonts)
    ax.set_ylabel(t(lang, "evidence.chart.north"), fontfamily=fonts)
    ax.set_title(title, fontfamily=fonts, fontsize=13)
    legend = [
        Line2D([], [], color="#333333", label=t(lang, "evidence.chart.site", r=site.radius_m)),
        *(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                color=COLORS[k],
                label=t(lang, f"evidence.chart.{k}"),
            )
            for k in ("on_time", "late", "missed", "other")
        ),
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markerfacecolor="none",
            markeredgecolor="#d32f2f",
            markersize=11,
            label=t(lang, "evidence.chart.signal"),
        ),
    ]
    ax.legend(handles=legend, loc="upper right", prop={"family": fonts, "size": 8})
    if far:
        note = t(lang, "evidence.chart.far", n=len(far), km=round(max(far) / 1000, 1))
        ax.text(
            0.01, 0.01, note, transform=ax.transAxes, fontsize=8, fontfamily=fonts, color="#d32f2f"
        )
    y = 1 - top - 0.01 if listed else 0.0
    for line in listed:
        fig.text(0.04, y, line, fontsize=8, fontfamily=fonts, va="top")
        y -= 0.22 / (8.0 + 0.22 * len(listed))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, pil_kwargs={"compress_level": 3})
    return buf.getvalue()


def _frame(site: Site, fixes: list[PlotFix]) -> float:
    """Half the frame's width: the circle and the fixes near it, at most FRAME_RADII radii."""
    widest = site.radius_m * FRAME_RADII
    extents = [max(abs(c) for c in east_north(site, f.lat, f.lon)) for f in fixes]
    near = [e for e in extents if e <= widest]
    return max(site.radius_m * 1.25, min(widest, max(near, default=0.0) * 1.15))


def _clamp(x: float, y: float, half: float) -> tuple[float, float]:
    """A fix beyond the frame is drawn on its edge, in its true direction."""
    scale = half / max(abs(x), abs(y))
    return x * scale * 0.97, y * scale * 0.97
