"""The monthly compliance workbooks, written with openpyxl's write-only mode so memory stays
flat for thousands of members:

* `write_workbook`: a summary sheet (one row per member) and a member × day grid (a team's
  own report; the shell's report of every team, with a Team column);
* `write_digest_workbook`: the admins' monthly digest, an overview sheet (a row per team)
  and then one sheet per team, each member's figures and days on one row.

Written to a temporary file next to the target and renamed at the end: a failure never
leaves a half-written workbook under the real name.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from bot.i18n import t
from bot.reports.compliance_colors import STATUS_COLORS
from bot.reports.compliance_table import headers, row
from bot.reports.sheet_names import sheet_names
from bot.rules.compliance import DayStatus, TeamMonth, Verdict

# openpyxl's write-only worksheet: its class lives in a private module (`_write_only`), so
# it is not named here.
Sheet = Any

_BOLD = Font(bold=True)
_CENTER = Alignment(horizontal="center")
_FILLS = {
    s: PatternFill(
        start_color=c.lstrip("#").upper(), end_color=c.lstrip("#").upper(), fill_type="solid"
    )
    for s, c in STATUS_COLORS.items()
}
# Summary column widths (characters): name, unit, then the figures.
_NAME_WIDTH, _UNIT_WIDTH, _FIGURE_WIDTH, _VERDICT_WIDTH = 22, 20, 11, 30


def write_workbook(months: Sequence[TeamMonth], path: Path, lang: str) -> Path:
    """Writes the workbook for one or more teams' month to ``path`` atomically."""

    def fill(wb: Workbook) -> None:
        _summary_sheet(wb, months, lang)
        _grid_sheet(wb, months, lang)

    return _save_atomic(path, fill)


def write_digest_workbook(months: Sequence[TeamMonth], path: Path, lang: str) -> Path:
    """The admins' digest: the overview, then a sheet per team (named after the team, as
    Excel allows), written atomically to ``path``."""

    def fill(wb: Workbook) -> None:
        overview = t(lang, "compliance.sheet.overview")
        # A team with nobody that month (new, or emptied) is a line of the overview only.
        staffed = [tm for tm in months if tm.members]
        names = dict(
            zip(
                (tm.team_id for tm in staffed),
                sheet_names(
                    [tm.team_name for tm in staffed],
                    taken=[overview],
                    fallback=_team_fallback(lang),
                ),
                strict=True,
            )
        )
        _overview_sheet(wb, overview, months, names, lang)
        for tm in staffed:
            _team_sheet(wb, names[tm.team_id], tm, lang)

    return _save_atomic(path, fill)


def _save_atomic(path: Path, fill: Callable[[Workbook], None]) -> Path:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        wb = Workbook(write_only=True)
        fill(wb)
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _team_fallback(lang: str) -> str:
    return t(lang, "compliance.col.team")


def _header_cells(ws: Sheet, names: Sequence[str]) -> list[WriteOnlyCell]:
    cells = []
    for name in names:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = _BOLD
        cells.append(cell)
    return cells


def _summary_sheet(wb: Workbook, months: Sequence[TeamMonth], lang: str) -> None:
    ws = wb.create_sheet(t(lang, "compliance.sheet.summary"))
    names = headers(lang, with_team=True)
    widths = [_NAME_WIDTH, _NAME_WIDTH, _UNIT_WIDTH, *([_FIGURE_WIDTH] * (len(names) - 6))]
    widths += [_VERDICT_WIDTH, _FIGURE_WIDTH, _FIGURE_WIDTH]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "C2"  # header row and team/member columns stay in view
    ws.append(_header_cells(ws, names))
    for tm in months:
        for m in tm.members:
            ws.append(row(tm, m, lang, with_team=True))


def _grid_sheet(wb: Workbook, months: Sequence[TeamMonth], lang: str) -> None:
    ws = wb.create_sheet(t(lang, "compliance.sheet.grid"))
    n_days = max((len(tm.days) for tm in months), default=31)
    ws.column_dimensions["A"].width = _NAME_WIDTH
    ws.column_dimensions["B"].width = _NAME_WIDTH
    for i in range(3, 3 + n_days):
        ws.column_dimensions[get_column_letter(i)].width = 4.5
    ws.freeze_panes = "C2"
    day_numbers = [str(d) for d in range(1, n_days + 1)]
    ws.append(
        _header_cells(
            ws, [t(lang, "compliance.col.team"), t(lang, "compliance.col.member"), *day_numbers]
        )
    )
    codes = _codes(lang)
    rows = 1
    for tm in months:
        for m in tm.members:
            ws.append([tm.team_name, m.name, *(codes[s] or None for s in m.grid)])
            rows += 1
    _colour_codes(ws, f"C2:{get_column_letter(2 + n_days)}{max(rows, 2)}", codes)
    _legend(ws, codes, lang)


def _codes(lang: str) -> dict[DayStatus, str]:
    """The grid's one-letter codes; days still to come and days before someone joined stay
    blank."""
    return {
        s: ""
        if s in (DayStatus.FUTURE, DayStatus.NOT_MEMBER)
        else t(lang, f"compliance.code.{s.value}")
        for s in DayStatus
    }


def _colour_codes(ws: Sheet, area: str, codes: dict[DayStatus, str]) -> None:
    # Colours by conditional formatting on the codes, one rule per status, instead of a
    # styled cell per member-day: 150,000 styled cells took most of the writing time.
    for status, code in codes.items():
        if code:
            rule = CellIsRule(operator="equal", formula=[_quoted(code)], fill=_FILLS[status])
            ws.conditional_formatting.add(area, rule)


def _overview_sheet(
    wb: Workbook, title: str, months: Sequence[TeamMonth], names: dict[int, str], lang: str
) -> None:
    """A row per team: its verdict counts, and the name of its sheet (if it has one)."""
    ws = wb.create_sheet(title)
    keys = ("team", "sheet", "members", "meets", "covered", "short")
    labels = [t(lang, f"compliance.overview.{key}") for key in keys]
    for i, width in enumerate((_NAME_WIDTH, _NAME_WIDTH, *[_FIGURE_WIDTH] * 4), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "B2"
    ws.append(_header_cells(ws, labels))
    for tm in months:
        verdicts = [m.verdict for m in tm.members]
        counts = [verdicts.count(v) for v in (Verdict.MEETS, Verdict.SHORT_COVERED, Verdict.SHORT)]
        ws.append([tm.team_name, names.get(tm.team_id), len(tm.members), *counts])


def _team_sheet(wb: Workbook, title: str, tm: TeamMonth, lang: str) -> None:
    """One team: each member's month figures, then the day codes, on one row."""
    ws = wb.create_sheet(title)
    names = headers(lang)
    days = [str(d.day) for d in tm.days]
    first_day_col = len(names) + 1
    widths: list[float] = [_NAME_WIDTH, _UNIT_WIDTH, *([_FIGURE_WIDTH] * (len(names) - 5))]
    widths += [_VERDICT_WIDTH, _FIGURE_WIDTH, _FIGURE_WIDTH] + [4.5] * len(days)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "B2"  # the header row and the member's name stay in view
    ws.append(_header_cells(ws, [*names, *days]))
    codes = _codes(lang)
    for m in tm.members:
        ws.append([*row(tm, m, lang), *(codes[s] or None for s in m.grid)])
    last_col = get_column_letter(first_day_col + len(days) - 1)
    area = f"{get_column_letter(first_day_col)}2:{last_col}{max(len(tm.members) + 1, 2)}"
    _colour_codes(ws, area, codes)
    _legend(ws, codes, lang)
    # Written out now: an open sheet holds a file descriptor until the workbook is saved,
    # and a prefecture's digest has a sheet per team.
    ws.close()


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _legend(ws: Sheet, codes: dict[DayStatus, str], lang: str) -> None:
    ws.append([])
    for status in DayStatus:
        cell = WriteOnlyCell(ws, value=codes[status] or None)
        cell.fill = _FILLS[status]
        cell.alignment = _CENTER
        ws.append(["", t(lang, f"compliance.status.{status.value}"), cell])
