"""Bulk set-up from a spreadsheet: every bad row reported before anything is written, GCJ-02
converted, swapped coordinates caught, Chinese names, re-import a no-op, invite links out,
expected members matched when they join."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from bot.cli import main
from bot.rules.geo import Datum
from bot.rules.team_sheet import Problem, TeamRow, check_team_row
from bot.services.team_import import (
    MEMBER_EXAMPLES,
    TEAM_EXAMPLES,
    import_members,
)
from storage import Storage
from tests.world import World

HEADER = ["name", "latitude", "longitude", "datum", "radius", "timezone", "checkin_time"]
GOOD: list[list[Any]] = [
    ["Xiaoshan", 30.1674, 120.2589, "wgs84", 300, "Asia/Shanghai", "07:30"],
    # Tiananmen as Amap shows it (GCJ-02); WGS-84 39.908722, 116.397499.
    ["天安门 驻村队", 39.910131, 116.403740, "gcj02", 500, "", "08:00"],
    [None, None, None, None, None, None, None],  # an empty line in the middle
    ["沅陵县 荔溪村", 28.4522, 110.3935, "GCJ-02", None, "Asia/Shanghai", None],
    ["Berlin Mitte", 52.52, 13.405, "", 200, "Europe/Berlin", "09:00"],
]
BAD: list[list[Any]] = [
    ["Swapped", 120.2589, 30.1674, "wgs84", 300, "", ""],  # line 7: latitude first!
    ["xiaoshan", 30.0, 120.0, "", "", "", ""],  # line 8: duplicate of line 2 (any case)
    ["Broken", "thirty", 120.0, "wgs73", 20, "Mars/Base", "25:00"],  # line 9: everything
    ["Late", 30.0, 120.0, "", "", "", "12:30"],  # line 10: on time after the cutoff
]


def _env(tmp_path: Path) -> dict[str, str]:
    return {"OUTPOST_DB": str(tmp_path / "o.db"), "OUTPOST_TZ": "Asia/Shanghai"}


def _xlsx(path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _teams(tmp_path: Path) -> dict[str, Any]:
    async def read() -> dict[str, Any]:
        async with Storage(tmp_path / "o.db") as storage:
            return {t.name: t for t in await storage.teams.all()}

    return asyncio.run(read())


def _count(tmp_path: Path, sql: str) -> int:
    async def read() -> int:
        async with Storage(tmp_path / "o.db") as storage:
            row = await storage.db.fetchone(sql)
            assert row is not None
            return int(row[0])

    return asyncio.run(read())


def test_every_bad_row_is_reported_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = _xlsx(tmp_path / "teams.xlsx", GOOD + BAD)
    assert main(["team", "import", str(sheet)], env=_env(tmp_path)) == 2
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert [line.split(":")[0] for line in lines] == [f"line {n}" for n in (7, 8, 9, 10)]
    assert "look swapped" in lines[0]
    assert "already on line 2" in lines[1]
    for reason in ("latitude 'thirty'", "datum 'wgs73'", "Mars/Base", "radius", "25:00"):
        assert reason in lines[2], reason
    assert "cutoff" in lines[3]
    assert "4 bad row(s): nothing was written" in captured.err
    assert "Traceback" not in captured.err
    assert _teams(tmp_path) == {}


def test_import_creates_converts_and_reimport_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = _xlsx(tmp_path / "teams.xlsx", GOOD)
    env = _env(tmp_path)
    assert main(["team", "import", str(sheet)], env=env) == 0
    assert "created 4, updated 0, unchanged 0" in capsys.readouterr().out
    teams = _teams(tmp_path)
    assert set(teams) == {"Xiaoshan", "天安门 驻村队", "沅陵县 荔溪村", "Berlin Mitte"}
    tiananmen = teams["天安门 驻村队"]
    assert tiananmen.site.lat == pytest.approx(39.908722, abs=2e-5)
    assert tiananmen.site.lon == pytest.approx(116.397499, abs=2e-5)
    assert tiananmen.timezone == "Asia/Shanghai"  # blank: OUTPOST_TZ
    assert tiananmen.schedule.on_time.strftime("%H:%M") == "08:00"
    assert teams["沅陵县 荔溪村"].site.radius_m == 300  # blank: the default
    assert teams["Berlin Mitte"].site.lat == 52.52  # outside China: no conversion
    assert teams["Berlin Mitte"].timezone == "Europe/Berlin"

    audit = _count(tmp_path, "SELECT count(*) FROM audit")
    version = _count(tmp_path, "SELECT max(version) FROM schedule_marks")
    assert main(["team", "import", str(sheet)], env=env) == 0
    assert "created 0, updated 0, unchanged 4" in capsys.readouterr().out
    assert _teams(tmp_path) == teams
    assert _count(tmp_path, "SELECT count(*) FROM audit") == audit
    assert _count(tmp_path, "SELECT max(version) FROM schedule_marks") == version

    # A change made with `team set` survives a sheet whose cell for it is blank; a changed
    # cell updates just that team (and moves just its schedule).
    assert main(["team", "set", "沅陵县 荔溪村", "--cutoff", "11:00"], env=env) == 0
    edited = [list(r) for r in GOOD]
    edited[4][6] = "09:30"
    assert main(["team", "import", str(_xlsx(tmp_path / "t2.xlsx", edited))], env=env) == 0
    assert "created 0, updated 1, unchanged 3" in capsys.readouterr().out
    after = _teams(tmp_path)
    assert after["沅陵县 荔溪村"].schedule.cutoff.strftime("%H:%M") == "11:00"
    assert after["Berlin Mitte"].schedule.on_time.strftime("%H:%M") == "09:30"
    marks = _count(tmp_path, f"SELECT count(*) FROM schedule_marks WHERE version > {version + 1}")
    assert marks == 1


def test_invites_exported_for_every_team_and_reused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = _xlsx(tmp_path / "teams.xlsx", GOOD)
    env = _env(tmp_path)
    out = tmp_path / "invites.xlsx"
    args = ["team", "import", str(sheet), "--invites-out", str(out), "--bot-username", "ob"]
    assert main(args, env=env) == 0
    rows = list(load_workbook(out).worksheets[0].values)
    assert rows[0][:4] == ("team", "timezone", "member link", "supervisor link")
    assert {r[0] for r in rows[1:]} == set(_teams(tmp_path))
    for row in rows[1:]:
        assert str(row[2]).startswith("https://t.me/ob?start=")
        assert str(row[3]).startswith("https://t.me/ob?start=") and row[2] != row[3]
    invites = _count(tmp_path, "SELECT count(*) FROM invites")
    assert invites == 8
    assert main(args, env=env) == 0  # the same links again, no new codes
    assert list(load_workbook(out).worksheets[0].values) == rows
    assert _count(tmp_path, "SELECT count(*) FROM invites") == invites


def test_csv_in_gb18030_with_chinese_headers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "名称,纬度,经度,坐标系,半径\n荔溪村,28.4522,110.3935,gcj02,400\n\n"
    path = tmp_path / "villages.csv"
    path.write_bytes(text.encode("gb18030"))
    assert main(["team", "import", str(path)], env=_env(tmp_path)) == 0
    assert (_teams(tmp_path))["荔溪村"].site.radius_m == 400


def test_a_file_without_the_columns_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = _xlsx(tmp_path / "x.xlsx", [["a", "b"]], header=["village", "where"])
    assert main(["team", "import", str(sheet)], env=_env(tmp_path)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no column name, latitude, longitude" in err[0]
    assert main(["team", "import", str(tmp_path / "none.xlsx")], env=_env(tmp_path)) == 2
    capsys.readouterr()
    # A misspelt column is refused (its values would be lost); a remarks column is not.
    typo = _xlsx(tmp_path / "t.xlsx", [["A", 30, 120, 200]], header=[*HEADER[:3], "radus"])
    assert main(["team", "import", str(typo)], env=_env(tmp_path)) == 2
    assert "did you mean radius" in capsys.readouterr().err
    extra = _xlsx(tmp_path / "e.xlsx", [["A", 30, 120, "x"]], header=[*HEADER[:3], "备注"])
    assert main(["team", "import", str(extra)], env=_env(tmp_path)) == 0
    assert "ignored column(s): 备注" in capsys.readouterr().out


def test_template_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env = _env(tmp_path)
    template = tmp_path / "template.xlsx"
    assert main(["team", "import", "--template", str(template)], env=env) == 0
    book = load_workbook(template)
    assert book.sheetnames == ["teams", "example"]
    # Filled in with the examples it shows, it imports.
    filled = _xlsx(tmp_path / "filled.xlsx", TEAM_EXAMPLES, header=list(next(book["teams"].values)))
    assert main(["team", "import", str(filled)], env=env) == 0
    assert "created 2" in capsys.readouterr().out
    members = tmp_path / "members.xlsx"
    assert main(["member", "import", "--template", str(members)], env=env) == 0
    header = list(next(load_workbook(members).worksheets[0].values))
    assert main(["member", "import", str(_xlsx(members, MEMBER_EXAMPLES, header))], env=env) == 0
    assert "added 2" in capsys.readouterr().out


async def test_expected_member_is_matched_on_joining(world: World, tmp_path: Path) -> None:
    team = await world.team(name="荔溪村")
    sheet = _xlsx(
        tmp_path / "m.xlsx",
        [["李伟", "县农业农村局", "荔溪村"], ["", "", ""], ["王芳", "县卫健局", "荔溪村"]],
        header=["姓名", "单位", "驻村队"],
    )
    result = await import_members(world.ctx, sheet)
    assert (result.added, result.problems) == (2, [])
    again = await import_members(world.ctx, sheet)
    assert (again.added, again.unchanged) == (0, 2)
    bad = _xlsx(tmp_path / "b.xlsx", [["张三", "x", "Atlantis"]], header=["name", "unit", "team"])
    assert [p.line for p in (await import_members(world.ctx, bad)).problems] == [2]

    user = await world.join(team, name="李伟", unit="县农业农村局", language_code="zh-hans")
    rows = await world.storage.db.fetchall(
        "SELECT name, telegram_id FROM expected_members ORDER BY id"
    )
    assert [(r[0], r[1]) for r in rows] == [("李伟", user.id), ("王芳", None)]


# -- the row rules ----------------------------------------------------------------------------

china = st.tuples(
    st.floats(min_value=22.0, max_value=45.0), st.floats(min_value=100.0, max_value=122.0)
)


@given(china, st.sampled_from(["gcj02", "bd09", "wgs84"]))
def test_a_chinese_point_swapped_is_always_caught(point: tuple[float, float], datum: str) -> None:
    lat, lon = point
    cells = {"name": "T", "latitude": str(lon), "longitude": str(lat), "datum": datum}
    checked = check_team_row(3, cells, "Asia/Shanghai")
    assert isinstance(checked, Problem) and "swapped" in checked.reason
    cells = {**cells, "latitude": str(lat), "longitude": str(lon)}
    assert isinstance(check_team_row(3, cells, "Asia/Shanghai"), TeamRow)


def test_blank_optional_cells_are_none() -> None:
    row = check_team_row(2, {"name": " A  B ", "latitude": "30", "longitude": "120"}, "UTC")
    assert isinstance(row, TeamRow)
    assert (row.name, row.datum, row.radius_m, row.on_time, row.require_live) == (
        "A B",
        Datum.WGS84,
        None,
        None,
        None,
    )


@pytest.mark.parametrize("folder", ["missing"])
def test_template_into_a_missing_folder_is_one_line(
    tmp_path: Path, folder: str, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / folder / "t.xlsx"
    assert main(["team", "import", "--template", str(target)], env=_env(tmp_path)) == 2
    assert "not a writable directory" in capsys.readouterr().err
    assert not target.parent.exists()
