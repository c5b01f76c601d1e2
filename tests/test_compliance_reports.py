"""The compliance renderings: aligned text, the XLSX workbook, the PNG chart."""

from __future__ import annotations

import io
import random
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font
from openpyxl import load_workbook
from PIL import Image

from bot.i18n import catalog
from bot.reports import compliance_chart
from bot.reports.compliance_chart import MEMBERS_PER_PAGE, cjk_font, render_pages
from bot.reports.compliance_table import display_width, team_text
from bot.reports.compliance_xlsx import write_digest_workbook, write_workbook
from bot.reports.fonts.build import gb2312
from bot.reports.sheet_names import sheet_names
from bot.rules.compliance import DayRecord, MemberInput, TeamInput, TeamMonth, team_month
from bot.rules.team_hours import month_days
from tests.test_rules_compliance import ANN, POLICY, SCHEDULE


def _team(n_members: int, year: int = 2026, month: int = 11, seed: int = 7) -> TeamMonth:
    rng = random.Random(seed)
    days = month_days(year, month)
    members = [ANN]
    names = ["王小明", "李静", "Zhang Wei", "欧阳娜娜", "Chen", "赵丽颖"]
    for i in range(n_members - 1):
        records = tuple(
            DayRecord(d, rng.choice(["on_site"] * 5 + ["out_of_area"]), rng.choice(
                ["on_time"] * 6 + ["late", "missed", "made_up"]
            ))
            for d in days
            if rng.random() < 0.85
        )  # fmt: skip
        members.append(MemberInput(100 + i, f"{names[i % len(names)]} {i}", days=records))
    team = TeamInput(3, "小山工作队", "Asia/Shanghai", SCHEDULE, POLICY, tuple(members))
    return team_month(team, year, month, settled_until=date(year, month, 25))


def test_text_table_aligns_chinese_columns() -> None:
    text = team_text(_team(4), "zh")
    lines = text.splitlines()
    assert lines[0].startswith("📊 月度考勤 · 小山工作队 · 2026-11")
    assert "（本月尚未结束" in lines[0]
    assert lines[1] == "要求：每月在岗至少 16 天、在岗住宿至少 15 夜。"
    header, rule, *rows = lines[2:]
    assert "在岗天数" in header and "Ann" in rows[0]
    # Every row's "verdict" column starts at the same display column as its header.
    widths = [display_width(r) for r in (rule, *rows)]
    assert max(widths) <= display_width(rule)


def test_workbook_has_frozen_summary_and_coloured_grid(tmp_path: Path) -> None:
    tm = _team(5)
    path = write_workbook([tm], tmp_path / "m.xlsx", "en")
    assert [p.name for p in tmp_path.iterdir()] == ["m.xlsx"]  # no temporary left behind
    wb = load_workbook(path)
    summary, grid = wb.worksheets
    assert (summary.title, grid.title) == ("Compliance", "Daily grid")
    assert summary.freeze_panes == "C2" and grid.freeze_panes == "C2"
    header = [c.value for c in summary[1]]
    assert header[:4] == ["Team", "Member", "Unit", "Days on site"]
    assert summary.column_dimensions["B"].width == 22
    ann = dict(zip(header, [c.value for c in summary[2]], strict=True))
    assert ann["Member"] == "Ann" and ann["Days on site"] == 13 and ann["Leave: sick"] == 3
    assert ann["Nights on site"] == 11 and ann["Roll-call absences (year)"] == 2
    assert ann["Verdict"] == "short, covered by approved leave"
    assert ann["Excellent eligible"] == "no" and ann["Competent eligible"] == "yes"
    assert summary.max_row == 1 + 5
    grid_header = [c.value for c in grid[1]]
    assert grid_header[:3] == ["Team", "Member", "1"] and grid_header[-1] == "30"
    ann_days = [c.value for c in grid[2]][2:]
    assert ann_days[:6] == ["-", "✓", "L", "O", "✗", "M"]  # the 1st: Sunday, in her leave
    # Colours come from one conditional format per status over the whole grid.
    rules = {
        rule.formula[0]: (str(cf.sqref), rule.dxf.fill.bgColor.rgb)
        for cf in grid.conditional_formatting
        for rule in cf.rules
    }
    assert rules['"✓"'] == ("C2:AF6", "002B8CBE") and rules['"✗"'][1] == "00D7301F"


def test_digest_workbook_has_an_overview_and_a_sheet_per_team(tmp_path: Path) -> None:
    teams = [_team(3), replace(_team(2, seed=9), team_id=4, team_name="Fuyang: north/south")]
    wb = load_workbook(write_digest_workbook(teams, tmp_path / "d.xlsx", "zh"))
    assert wb.sheetnames == ["各队概览", "小山工作队", "Fuyang north south"]
    overview = wb["各队概览"]
    assert [c.value for c in overview[1]][:3] == ["工作队", "工作表", "队员人数"]
    assert [c.value for c in overview[3]][:3] == ["Fuyang: north/south", "Fuyang north south", 2]
    sheet = wb["小山工作队"]
    assert sheet.freeze_panes == "B2"
    header = [c.value for c in sheet[1]]
    assert header[0] == "队员" and header[-1] == "30" and sheet.cell(2, 1).value == "Ann"
    day_cols = len(header) - 30 + 1  # the first day's column
    assert sheet.cell(2, day_cols + 1).value == "✓"  # Ann on site on the 2nd
    (area,) = {str(cf.sqref) for cf in sheet.conditional_formatting}
    assert area.endswith(":" + sheet.cell(4, len(header)).coordinate)  # 3 members, day 30
    assert [p.name for p in tmp_path.iterdir()] == ["d.xlsx"]


@given(st.lists(st.text(min_size=0, max_size=45), max_size=12))
def test_sheet_names_are_always_ones_excel_takes(names: list[str]) -> None:
    made = sheet_names(names, taken=["Overview"], fallback="Team")
    assert len(made) == len(names)
    folded = [m.casefold() for m in made]
    assert len(set(folded)) == len(made) and "overview" not in folded and "history" not in folded
    for m in made:
        assert 0 < len(m.encode("utf-16-le")) // 2 <= 31
        assert not set(m) & set("[]:*?/\\") and m[0] != "'" and m[-1] != "'"


def test_sheet_names_keep_chinese_and_tell_clashes_apart() -> None:
    long = "萧山区瓜沥镇东片驻村联络工作队第二十三号乡村振兴帮扶点一组"
    assert sheet_names(["小山工作队", "Beta", "beta", long, long]) == [
        "小山工作队",
        "Beta",
        "beta (2)",
        long[:31],
        long[:27] + " (2)",
    ]
    assert sheet_names(["History", "'quoted'", "???"], fallback="Team") == [
        "History (2)",
        "quoted",
        "Team",
    ]


def test_workbook_in_chinese(tmp_path: Path) -> None:
    wb = load_workbook(write_workbook([_team(2)], tmp_path / "zh.xlsx", "zh"))
    assert wb.sheetnames == ["考勤汇总", "每日明细"]
    assert wb.worksheets[0].cell(2, 2 + 12 + 1).value is not None


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(io.BytesIO(data)) as img:
        return img.size


def test_chart_for_thirty_members_and_a_31_day_month(tmp_path: Path) -> None:
    (png,) = render_pages(_team(30, 2026, 12), "zh")
    width, height = _png_size(png)
    # ~0.3 in per cell at 110 dpi: wide enough for 31 readable day columns, tall enough
    # for 30 names, and far inside Telegram's photo limits.
    assert 1200 <= width <= 2000 and 1100 <= height <= 1800
    assert width + height < 10000
    (tmp_path / "chart.png").write_bytes(png)


def test_large_teams_are_split_into_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compliance_chart, "MEMBERS_PER_PAGE", 4)
    pages = render_pages(_team(9), "en")
    assert len(pages) == 3
    sizes = [_png_size(p) for p in pages]
    assert sizes[0] == sizes[1] and sizes[2][1] < sizes[0][1]
    assert MEMBERS_PER_PAGE * 0.3 * 110 < 10000 - 1500  # a full page fits Telegram's limits


def test_the_chart_font_has_chinese_glyphs() -> None:
    path = font_manager.findfont(
        font_manager.FontProperties(family=cjk_font()), fallback_to_default=False
    )
    assert ord("考") in FT2Font(path).get_charmap()


def test_the_shipped_font_covers_gb2312_and_every_chart_label() -> None:
    charmap = FT2Font(str(compliance_chart.BUNDLED_FONT)).get_charmap()
    missing = {c for c in gb2312() if ord(c) not in charmap}
    assert not missing
    labels = "".join(
        texts["zh"]
        for key, texts in catalog().items()
        if key.startswith(("compliance.chart.", "compliance.status."))
    )
    uncovered = {c for c in labels if c.isprintable() and ord(c) not in charmap}
    # A new chart label outside GB 2312: rebuild the font (bot/reports/fonts/build.py).
    assert labels and not uncovered, uncovered
    assert compliance_chart.BUNDLED_FONT.stat().st_size < 3_000_000
    assert (compliance_chart.BUNDLED_FONT.parent / "OFL.txt").read_text().count("OPEN FONT LICENSE")


def test_an_installed_cjk_font_is_preferred_to_the_shipped_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compliance_chart.cjk_font.cache_clear()
    try:
        monkeypatch.setattr(compliance_chart, "system_cjk_font", lambda: "WenQuanYi Micro Hei")
        assert compliance_chart.cjk_font() == "WenQuanYi Micro Hei"
        compliance_chart.cjk_font.cache_clear()
        monkeypatch.setattr(compliance_chart, "system_cjk_font", lambda: None)
        assert compliance_chart.cjk_font() == "Outpost Sans SC"
    finally:
        compliance_chart.cjk_font.cache_clear()
