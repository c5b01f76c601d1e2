"""kill -9 during a burst: nothing lost, nothing doubled, confirmations repeated only where a
kill fell between sending one and recording it (at most the confirmation window per kill)."""

from __future__ import annotations

from pathlib import Path

from tests.chaos_flows import Cast, run_flow_chaos
from tests.chaos_harness import run_chaos


async def test_burst_survives_three_kills(tmp_path: Path, db_target: Path | str) -> None:
    report = await run_chaos(tmp_path, members=500, kills=3, seed=6, budget_s=55, db=db_target)
    print("\n".join(report.lines()))
    assert report.pushed == 1000 and report.delivered == report.pushed
    assert len(report.kill_points) == 3 and report.restarts_ok, (tmp_path / "bot.log").read_text()
    assert report.lost == 0
    assert report.duplicated_rows == 0
    assert report.stored == report.pushed
    assert report.accepted == 500 and report.unconfirmed == 0
    assert report.repeated_confirmations <= report.window * report.kills
    assert report.integrity == "ok"


async def test_kills_in_the_middle_of_conversations_put_no_answer_in_a_wrong_field(
    tmp_path: Path, db_target: Path | str
) -> None:
    cast = Cast(joiners=16, leavers=16, newteams=6, diarists=10, exporters=4)
    report = await run_flow_chaos(tmp_path, cast=cast, kills=4, seed=3, budget_s=90, db=db_target)
    print("\n".join(report.lines()))
    assert len(report.kill_points) == 4 and report.restarts_ok, (tmp_path / "bot.log").read_text()
    assert report.wrong_fields == []
    assert report.lost == [] and report.duplicated == []
    assert report.all_right, report.right
    assert report.left_in_a_flow == 0
    assert report.diary_questions == cast.diarists + report.diary_questions_repeated
    assert report.questions_within_bound
