"""Small frictions a newcomer meets (issue 13, "friction worth fixing"): each test failed
before its fix."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from bot.cli import build_parser
from bot.rules.geo_hints import looks_swapped, parse_radius
from tests.cli_helpers import run_cli
from tests.world import World


@pytest.mark.parametrize(
    ("text", "metres"),
    [("500", 500), ("500m", 500), ("500 m", 500), ("500米", 500), ("0.5km", 500)],
)
def test_radius_with_a_unit_is_read(text: str, metres: float) -> None:
    assert parse_radius(text) == metres


def test_swapped_coordinates_are_recognised() -> None:
    assert looks_swapped(120.2589, 30.1674)  # Amap's lon,lat typed as lat,lon
    assert not looks_swapped(30.1674, 120.2589)
    assert not looks_swapped(95.0, 500.0)  # nonsense, not a swap


async def test_wizard_hints_at_swapped_coordinates_and_takes_500m(world: World) -> None:
    admin = world.person("Admin", user_id=world.admin_id)
    admin.send_command("newteam")
    await admin.next_message()
    admin.send_text("Amap Village")
    await admin.next_message()
    admin.send_text("120.2589, 30.1674 gcj02")
    hint = (await admin.next_message())["text"]
    assert "swapped" in hint and "30.1674, 120.2589" in hint
    admin.send_text("30.1674, 120.2589 gcj02")
    await admin.next_message()
    admin.send_text("500m")
    assert "Timezone" in (await admin.next_message())["text"]


async def test_cli_hints_at_swapped_coordinates(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run_cli(world, "team", "add", "T", "--lat", "120.2589", "--lon", "30.1674") == 2
    assert "swapped" in capsys.readouterr().err


async def test_summary_yesterday(world: World) -> None:
    team = await world.team()
    boss = await world.join(team, role="supervisor", name="Zhang")
    boss.send_command("summary", "yesterday")
    assert "2026-11-24" in (await boss.next_message())["text"]


def _inline(message: dict[str, Any]) -> list[list[str]]:
    markup = message.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return [[b["text"] for b in row] for row in markup.get("inline_keyboard", [])]


async def test_leave_calendar_has_a_weekday_header_and_long_leave_warns(world: World) -> None:
    team = await world.team()
    await world.join(team, role="supervisor", name="Zhang")
    li = await world.join(team, name="Li Wei")
    li.send_command("leave")
    li.press(await li.next_message(), data="lv:type:personal")
    first_q = await li.next_message()
    assert ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"] in _inline(first_q)
    li.send_text("2026-12-01")
    await li.next_message()
    li.send_text("2026-12-10")
    await li.next_message()
    li.send_text("Family")
    summary = (await li.next_message())["text"]
    assert "administrator" in summary and "5 days" in summary


async def test_text_after_checkin_and_stickers_are_not_taken_for_diary(world: World) -> None:
    team = await world.team()
    li = await world.join(team, name="Li Wei")
    li.send_command("checkin")
    await li.next_message()
    li.send_text("I am at the site")
    told = (await li.next_message())["text"]
    assert "diary entry" not in told and "📍 Check in" in told
    li.send_sticker()
    sticker = (await li.next_message())["text"]
    assert "diary entry" not in sticker


def _help_of(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit):
        build_parser().parse_args([*path, "--help"])
    return capsys.readouterr().out


def _undocumented(help_text: str) -> list[str]:
    """Option or argument lines of an argparse help page that carry no description."""
    lines = help_text.splitlines()
    missing = []
    for i, line in enumerate(lines):
        entry = line[2:] if line.startswith("  ") and not line.startswith("   ") else ""
        if not entry or entry.startswith("{"):
            continue
        described = "  " in entry.strip() or (
            i + 1 < len(lines) and lines[i + 1].startswith(" " * 10)
        )
        if not described:
            missing.append(entry)
    return missing


def test_version_and_every_option_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args(["--version"])
    assert done.value.code == 0 and "outpost 0." in capsys.readouterr().out
    from bot.cli import COMMANDS

    build_parser()  # fills COMMANDS with the admin commands too
    paths = {(a, b) if b else (a,) for a, b in COMMANDS} | {("run",), ("demo",), ()}
    missing = {" ".join(p): _undocumented(_help_of(p, capsys)) for p in sorted(paths)}
    assert {k: v for k, v in missing.items() if v} == {}


async def test_team_set_with_new_coordinates_needs_a_datum(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    await world.team("Xiaoshan")
    assert await run_cli(world, "team", "set", "Xiaoshan", "--lat", "30.2", "--lon", "120.3") == 2
    assert "--datum" in capsys.readouterr().err
    code = await run_cli(
        world, "team", "set", "Xiaoshan", "--lat", "30.2", "--lon", "120.3", "--datum", "gcj02"
    )
    assert code == 0


def test_emulator_help_documents_control_and_user_actions() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bot.emulator", "--help"], capture_output=True, text=True, timeout=60
    ).stdout
    assert "--control" in out and "send" in out and "location" in out and "press" in out


def test_the_demo_output_carries_no_scheduler_or_glyph_noise(tmp_path) -> None:
    import os

    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo", "--out", str(tmp_path / "demo"), "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "OUTPOST_LOG_LEVEL": "INFO", "TELEGRAM_BOT_TOKEN": ""},
    )
    assert proc.returncode == 0, proc.stderr
    assert "missed by" not in proc.stderr and "Glyph" not in proc.stderr, proc.stderr
