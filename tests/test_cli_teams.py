"""Team names are validated; teams are renamed and archived, never silently deleted (issue 13
item 2), from the shell while the bot runs."""

from __future__ import annotations

import pytest

from tests.cli_helpers import run_cli
from tests.world import World


@pytest.mark.parametrize("name", ["", "   ", "x" * 65, "\u200b\x00 \t"])
async def test_blank_or_oversized_team_names_are_refused(
    world: World, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await run_cli(world, "team", "add", name, "--lat", "30.1", "--lon", "120.2")
    assert code == 2
    err = capsys.readouterr().err
    assert "team name" in err and "Traceback" not in err
    assert await world.storage.teams.all() == []


async def test_rename_and_archive_keep_exports_and_lists_working(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    team = await world.team("Xiaoshan")
    other = await world.team("Fuyang")
    admin = world.person("Admin", user_id=world.admin_id)
    assert await run_cli(world, "team", "set", "Xiaoshan", "--name", "  ") == 2
    assert await run_cli(world, "team", "set", "Xiaoshan", "--name", "fuyang") == 2
    assert "already" in capsys.readouterr().err
    assert await run_cli(world, "team", "set", "Xiaoshan", "--name", "Xiaoshan East") == 0
    assert (await world.storage.teams.get(team.id)).name == "Xiaoshan East"
    admin.send_command("teams")
    assert "Xiaoshan East" in (await admin.next_message())["text"]
    # Archiving a team that still has members is refused with what to do instead.
    await world.enroll(other, name="Li Wei")
    assert await run_cli(world, "team", "archive", "Fuyang") == 2
    assert "1 member" in capsys.readouterr().err
    assert await run_cli(world, "team", "archive", "Xiaoshan East") == 0
    assert await world.storage.teams.get(team.id) is None  # gone from every list...
    row = await world.storage.db.fetchone(
        "SELECT archived, name FROM teams WHERE id = ?", (team.id,)
    )
    assert row["archived"] == 1 and row["name"] == "Xiaoshan East"  # ...but kept, with history
    assert [a["action"] for a in await world.storage.audit.recent(action="team.archive")] == [
        "team.archive"
    ]
    admin.send_command("export")
    prompt = await admin.next_message()
    assert "went wrong" not in prompt["text"]


async def test_cutoff_is_settable_and_a_late_checkin_time_gets_one_that_fits(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--lat", "30.1", "--lon", "120.2"]
    assert await run_cli(world, "team", "add", "Late", *base, "--checkin-time", "16:00") == 0
    assert "cutoff 18:10" in capsys.readouterr().out
    assert await run_cli(world, "team", "add", "Early", *base, "--cutoff", "11:00") == 0
    assert (await world.storage.teams.by_name("Early")).schedule.cutoff.hour == 11
    code = await run_cli(
        world, "team", "add", "Bad", *base, "--checkin-time", "16:00", "--cutoff", "12:00"
    )
    assert code == 2 and "cutoff" in capsys.readouterr().err


def test_leave_types_read_the_same_in_the_leave_flow_and_the_report() -> None:
    from bot.i18n import t
    from bot.rules.compliance import LEAVE_TYPES

    for lang in ("en", "zh"):
        for kind in LEAVE_TYPES:
            asked = t(lang, f"leave_type.{kind}").lower()
            reported = t(lang, f"compliance.leave.{kind}").lower()
            assert asked in reported, (lang, kind, asked, reported)


async def test_zip_entries_carry_the_export_date_not_1980(world: World, tmp_path) -> None:
    import zipfile

    await world.team("Xiaoshan")
    out = tmp_path / "nov.zip"
    code = await run_cli(
        world,
        "export",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--format",
        "csv",
        "--out",
        str(out),
    )
    assert code == 0
    with zipfile.ZipFile(out) as zf:
        years = {info.date_time[0] for info in zf.infolist()}
    assert years and min(years) >= 2024


async def test_a_team_left_blank_by_an_older_version_is_named_at_start(tmp_path) -> None:
    from storage import Storage

    db = tmp_path / "old.db"
    async with Storage(db) as storage:
        await storage.db.execute(
            "INSERT INTO teams(name, timezone, created_at) VALUES ('  ', 'Asia/Shanghai', 0)"
        )
        # As if the repair step had not shipped yet when the blank name was written.
        await storage.db.execute(
            "DELETE FROM schema_migrations WHERE name = 'm0134_blank_team_names'"
        )
    async with Storage(db) as storage:
        row = await storage.db.fetchone("SELECT id, name FROM teams")
    assert row["name"] == f"Team {row['id']}"
