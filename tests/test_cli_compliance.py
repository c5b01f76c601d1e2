"""`outpost report month`: prints the table, writes XLSX and PNG; bad input is one line and
leaves no file behind."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main
from storage import Storage
from tests import compliance_seed as seed


def _env(tmp_path: Path) -> dict[str, str]:
    return {"OUTPOST_DB": str(tmp_path / "o.db"), "OUTPOST_TZ": "Asia/Shanghai"}


@pytest.fixture
def db(tmp_path: Path) -> dict[str, str]:
    env = _env(tmp_path)
    for name in ("Xiaoshan", "Beta"):
        assert main(["team", "add", name, "--lat", "30.1", "--lon", "120.2"], env=env) == 0

    async def fill() -> None:
        async with Storage(tmp_path / "o.db") as s:
            await seed.member(s, 1, 11, "王小明")
            await seed.member(s, 1, 12, "Li Wei")
            await seed.days(
                s, 1, 11, [(date(2026, 10, d), "on_site", "on_time") for d in range(1, 26)]
            )
            await seed.days(s, 1, 12, [(date(2026, 10, 2), "on_site", "late")])
            await seed.leave(s, 1, 12, "sick", date(2026, 10, 10), date(2026, 10, 31))
            await seed.member(s, 2, 21, "Bea")

    asyncio.run(fill())
    return env


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "o.db" and "o.db" not in p.name)


def test_one_team_prints_and_writes_xlsx_and_png(
    db: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "oct.xlsx"
    args = ["report", "month", "2026-10", "--team", "xiaoshan", "--out", str(out), "--lang", "zh"]
    assert main(args, env=db) == 0
    text = capsys.readouterr().out
    assert "月度考勤 · Xiaoshan · 2026-10" in text and "尚未结束" not in text
    lines = {line.split()[0]: line for line in text.splitlines() if line.strip()}
    assert "25" in lines["王小明"].split() and "达标" in lines["王小明"]
    assert "未达标（已批假可抵）" in lines["Li"]  # 1 day + 22 days of sick leave >= 22
    assert _files(tmp_path) == ["oct.png", "oct.xlsx"]
    wb = load_workbook(out)
    assert wb.sheetnames == ["考勤汇总", "每日明细"]
    assert (tmp_path / "oct.png").read_bytes()[:4] == b"\x89PNG"


def test_all_teams_get_a_chart_each(
    db: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "month", "2026-10", "--out", str(tmp_path / "all.xlsx")], env=db) == 0
    text = capsys.readouterr().out
    assert "Xiaoshan" in text and "Beta" in text and "Bea" in text
    assert _files(tmp_path) == ["all-team1.png", "all-team2.png", "all.xlsx"]
    summary = load_workbook(tmp_path / "all.xlsx").worksheets[0]
    assert [summary.cell(r, 2).value for r in range(2, 5)] == ["Bea", "Li Wei", "王小明"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "month", "2026-13"], "not a month"),
        (["report", "month", "Oct 2026"], "not a month"),
        (["report", "month", "2026-10", "--team", "Nowhere"], "no team 'Nowhere'"),
        (["report", "month", "2026-10", "--out", "/no/such/dir/x.xlsx"], "cannot write"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    db: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(args, env=db) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and "Traceback" not in err[0]
    assert _files(tmp_path) == []


def test_a_failed_write_leaves_no_partial_file(
    db: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The target name is taken by a directory: the rename fails after rendering.
    (tmp_path / "taken.xlsx").mkdir()
    assert main(["report", "month", "2026-10", "--out", str(tmp_path / "taken.xlsx")], env=db) == 2
    assert "cannot write" in capsys.readouterr().err
    assert _files(tmp_path) == ["taken.xlsx"] and not any((tmp_path / "taken.xlsx").iterdir())
