"""The console command: one-line errors, teams and invites from the shell."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.cli import main


def _env(tmp_path, **extra: str) -> dict[str, str]:
    return {"OUTPOST_DB": str(tmp_path / "o.db"), "OUTPOST_TZ": "Asia/Shanghai", **extra}


def test_run_without_token_is_one_line(tmp_path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "OUTPOST_DB": str(tmp_path / "o.db")},
        timeout=60,
    )
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "@BotFather" in lines[0] and "Traceback" not in proc.stderr


def test_team_add_list_and_invite(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    env = _env(tmp_path)
    args = ["team", "add", "Xiaoshan", "--lat", "30.1674", "--lon", "120.2589", "--datum", "gcj02"]
    assert main(args, env=env) == 0
    out = capsys.readouterr().out
    assert "Xiaoshan" in out and "(WGS-84)" in out
    assert main(["team", "list"], env=env) == 0
    assert "Xiaoshan" in capsys.readouterr().out
    assert (
        main(
            ["invite", "Xiaoshan", "--role", "supervisor", "--bot-username", "outpost_bot"], env=env
        )
        == 0
    )
    link = capsys.readouterr().out.splitlines()[0]
    assert link.startswith("https://t.me/outpost_bot?start=") and len(link.split("=")[1]) >= 16


def test_gcj02_site_is_stored_as_wgs84(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    env = _env(tmp_path)
    main(
        ["team", "add", "T", "--lat", "39.910131", "--lon", "116.403740", "--datum", "gcj02"],
        env=env,
    )
    out = capsys.readouterr().out
    # Tiananmen: GCJ-02 39.910131,116.403740 is WGS-84 39.908722,116.397499.
    assert "39.9087" in out and "116.397" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["invite", "Nowhere", "--bot-username", "b"], "no team 'Nowhere'"),
        (["team", "add", "X", "--lat", "95", "--lon", "10"], "cannot create team"),
        (
            ["team", "add", "X", "--lat", "30", "--lon", "120", "--radius", "10"],
            "cannot create team",
        ),
    ],
)
def test_bad_input_is_one_line(
    tmp_path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(args, env=_env(tmp_path)) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_duplicate_team(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    env = _env(tmp_path)
    args = ["team", "add", "X", "--lat", "30", "--lon", "120"]
    assert main(args, env=env) == 0
    assert main(args, env=env) == 2
    assert "already exists" in capsys.readouterr().err


def test_bad_timezone_in_environment(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["team", "list"], env=_env(tmp_path, OUTPOST_TZ="Mars/Olympus")) == 2
    assert "IANA" in capsys.readouterr().err


def test_team_set_changes_and_audits(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    env = _env(tmp_path)
    main(["team", "add", "X", "--lat", "30", "--lon", "120"], env=env)
    args = [
        "team",
        "set",
        "X",
        "--radius",
        "800",
        "--checkin-time",
        "08:00",
        "--require-live",
        "on",
    ]
    assert main(args, env=env) == 0
    out = capsys.readouterr().out
    assert "radius 800 m" in out and "08:00" in out and "live required on" in out
    # The cutoff may not come before the on-time deadline: refused, nothing changed.
    assert main(["team", "set", "X", "--cutoff", "07:00"], env=env) == 2
    assert "cannot change X" in capsys.readouterr().err
    main(["team", "list"], env=env)
    assert "800 m" in capsys.readouterr().out


async def test_team_update_is_audited_with_before_and_after(tmp_path) -> None:
    import json

    from bot.clock import SystemClock
    from bot.config import Settings
    from bot.context import AppContext
    from bot.rules.checkin import Site
    from bot.services.teams import TeamChanges, update_team
    from storage import Storage

    async with Storage(tmp_path / "o.db") as storage:
        ctx = AppContext(Settings(db_path=tmp_path / "o.db"), storage, SystemClock())
        team = await storage.teams.create("X", "Asia/Shanghai", Site(30, 120, 300), now=0)
        await update_team(ctx, team, TeamChanges(radius_m=500, timezone="Asia/Urumqi"), actor_id=7)
        [row] = await storage.audit.recent(action="team.update")
        assert row["actor_id"] == 7
        assert (
            json.loads(row["before"])["site"][2] == 300
            and json.loads(row["after"])["site"][2] == 500
        )
        assert json.loads(row["after"])["timezone"] == "Asia/Urumqi"
