"""`outpost demo` plays its whole week without a token and shows what it promises."""

from __future__ import annotations

import logging
import sqlite3
import warnings
from pathlib import Path

import pytest

from bot.demo import Demo, DemoRefused
from storage import Storage
from storage.chain_verify import verify


async def test_the_demo_week_plays_and_leaves_its_files(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "demo"
    demo = Demo(out, echo=False)
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        await demo.run()
    # The chart's Chinese names render through a CJK font: no glyph or font warnings.
    noise = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    assert not [x for x in noise if "glyph" in x.lower() or "font" in x.lower()], noise
    transcript = (out / "transcript.txt").read_text("utf-8")
    for seen in (
        "You have joined Xiaoshan Village as member",
        "您已以队员身份加入",  # the Chinese-speaking member is answered in Chinese
        "a forwarded location proves nothing",
        "Status: late",
        "Out-of-area check-in: 王芳",
        "Photo saved",
        "is approved by Zhang Supervisor",
        "was rejected by Zhang Supervisor. Reason: The dentist",
        "No answer: 1",
        "summary for 2026-11-27",
        "Monthly compliance · Xiaoshan Village · 2026-11",
        "$ outpost export --from 2026-11-23",
        "compliance 3, spoof_signals 9 rows",
        "To look at (2)",
        "[photo Sun Hao, Xiaoshan Village, 2026-11: 4 fixes, 7 signals]",
        # Issue 13, behaving: menus by role (15), alerts with no supervisor (7), before
        # joining (5), a recall during a roll call (4).
        "⌨ [📋 Summary] [📚 Diaries] [🌐 Language] [❓ Help]",
        "Check-ins are for members stationed at a site",
        "⚠️ Out-of-area check-in: Zhou Min (Hilltop)",
        "so the administrators were told",
        "You were not a member of the team yet on 2026-11-30",
        "⌨ (keyboard removed)",
        "❌ Not accepted: you have been recalled from Hilltop",
    ):
        assert seen in transcript, seen
    assert "Traceback" not in transcript
    hilltop_rollcall = transcript.split("Roll call #2, Hilltop")[1]
    assert "✅ Present: 0" in hilltop_rollcall and "Zhou Min" not in hilltop_rollcall
    assert "Zhou Min" not in transcript.split("summary for 2026-11-30")[1].split("/makeup")[0]
    # Hilltop has no supervisor: its 21:00 summary reaches the admin, saying why; Zhang
    # gets Xiaoshan's only.
    evening = transcript.split("goes to the admins")[1]
    to_admin = evening.split("bot → Admin Chen:")[1].split("bot → Zhang")[0]
    assert "No supervisor in 1 team," in to_admin and "Hilltop: summary for 2026-12-01" in to_admin
    assert "Xiaoshan Village: summary" not in to_admin
    assert "bot → Zhang Supervisor: 📋 Xiaoshan Village: summary for 2026-12-01" in evening
    assert (out / "report-2026-11.xlsx").stat().st_size > 0
    assert (out / "export-2026-11-23_27.xlsx").stat().st_size > 0
    assert "month in progress" not in transcript  # the report runs on the demo's clock
    assert list(out.glob("report-2026-11*.png"))
    assert list((out / "media").rglob("*.jpg"))
    with sqlite3.connect(out / "outpost.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # The week's team; the newcomers' scene adds its own attempts (Hilltop, the admin).
        checkins = db.execute(
            "SELECT count(*) FROM checkins WHERE accepted = 1 AND team_id = 1"
        ).fetchone()[0]
        refused = db.execute(
            "SELECT reject_reason FROM checkins WHERE accepted = 0 ORDER BY id"
        ).fetchall()
    assert checkins == 14 and refused == [("forwarded",), ("not_member",), ("recalled",)]
    # A whole week of decisions, roll calls and exports leaves every hash chain intact.
    report = verify(out / "outpost.db")
    assert report.ok and report.links > checkins, [p.describe() for p in report.problems]


async def test_the_demo_week_plays_in_an_empty_postgresql_database(
    db_target: Path | str, tmp_path: Path
) -> None:
    if not isinstance(db_target, str):
        pytest.skip("--db names a PostgreSQL database; on SQLite the demo keeps its own file")
    demo = Demo(tmp_path / "demo", echo=False, db=db_target)
    await demo.run()
    transcript = (tmp_path / "demo" / "transcript.txt").read_text("utf-8")
    for seen in (
        "You have joined Xiaoshan Village as member",
        "is approved by Zhang Supervisor",
        "Monthly compliance · Xiaoshan Village · 2026-11",
        "database: PostgreSQL database ",
    ):
        assert seen in transcript, seen
    assert "Traceback" not in transcript and "postgresql://" not in transcript
    assert (tmp_path / "demo" / "export-2026-11-23_27.xlsx").stat().st_size > 0
    async with Storage(db_target) as storage:
        assert await storage.checkins.count(accepted=True) > 10
    # Played again into the same database, it would mix two weeks: refused, nothing written.
    with pytest.raises(DemoRefused, match="already holds 2 team"):
        await Demo(tmp_path / "again", echo=False, db=db_target).run()
    assert not (tmp_path / "again").exists()
