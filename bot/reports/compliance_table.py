"""The monthly compliance table as headers and cell values, shared by the text and XLSX
renderings so both always show the same columns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from unicodedata import east_asian_width

from bot.i18n import t
from bot.rules.compliance import LEAVE_TYPES, MemberMonth, TeamMonth


def headers(lang: str, *, with_team: bool = False) -> list[str]:
    cols = [
        "compliance.col.member",
        "compliance.col.unit",
        "compliance.col.days",
        "compliance.col.made_up",
        "compliance.col.nights",
        "compliance.col.late",
        "compliance.col.missed",
        "compliance.col.out_of_area",
        *(f"compliance.leave.{kind}" for kind in LEAVE_TYPES),
        "compliance.col.leave_total",
        "compliance.col.diary",
        "compliance.col.absences",
        "compliance.col.signals",
        "compliance.col.verdict",
        "compliance.col.excellent",
        "compliance.col.competent",
    ]
    names = [t(lang, key) for key in cols]
    return [t(lang, "compliance.col.team"), *names] if with_team else names


def row(tm: TeamMonth, m: MemberMonth, lang: str, *, with_team: bool = False) -> list[Any]:
    nights: Any = (
        m.nights_on_site if m.nights_on_site is not None else t(lang, "compliance.not_tracked")
    )
    cells: list[Any] = [
        m.name,
        m.unit or "",
        m.days_on_site,
        m.made_up,
        nights,
        m.late,
        m.missed,
        m.out_of_area,
        *(m.leave_days.get(kind, 0) for kind in LEAVE_TYPES),
        m.leave_total,
        m.diary_days,
        m.absences_ytd,
        m.spoof_signals,
        t(lang, f"compliance.verdict.{m.verdict.value}"),
        _yes_no(lang, m.excellent_eligible),
        _yes_no(lang, m.competent_eligible),
    ]
    return [tm.team_name, *cells] if with_team else cells


def _yes_no(lang: str, value: bool) -> str:
    return t(lang, "compliance.yes" if value else "compliance.no")


def display_width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap


def aligned(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table, numbers right-aligned, wide characters measured as two."""
    table = [[str(c) for c in header], *([str(c) for c in r] for r in rows)]
    widths = [max(display_width(r[i]) for r in table) for i in range(len(header))]
    numeric = [all(isinstance(r[i], int) for r in rows) and bool(rows) for i in range(len(header))]
    lines = []
    for cells in table:
        lines.append(
            "  ".join(_pad(c, w, n) for c, w, n in zip(cells, widths, numeric, strict=True))
        )
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def policy_line(tm: TeamMonth, lang: str) -> str:
    """ "Policy: at least 22 days on site (and 15 nights, when nights are tracked)."""
    nights = (
        t(lang, "compliance.report.policy_nights", nights=tm.policy.min_nights)
        if tm.nights_tracked
        else ""
    )
    return t(lang, "compliance.report.policy", days=tm.policy.min_days, nights=nights)


def team_text(tm: TeamMonth, lang: str) -> str:
    """The heading and table of one team, for the terminal."""
    title = t(lang, "compliance.report.heading", team=tm.team_name, month=tm.label)
    if not tm.complete:
        title += " " + t(lang, "compliance.report.incomplete")
    policy = policy_line(tm, lang)
    if not tm.members:
        return f"{title}\n{policy}\n{t(lang, 'compliance.report.no_members')}"
    body = aligned(headers(lang), [row(tm, m, lang) for m in tm.members])
    return f"{title}\n{policy}\n{body}"
