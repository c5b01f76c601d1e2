"""Infinite and absurd values are refused at the door (issue 12, item 4): a non-finite
coordinate or accuracy, a message dated outside [now - 24 h - slack, now + slack]. The
person is told, the attempt is stored as rejected, and no export ever carries Infinity."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.cli import main
from bot.exporting import ExportRequest, write_export
from bot.flows.export import parse_range
from bot.rules.checkin import LocationEvidence, RejectReason, Site, judge_checkin
from bot.rules.plausible import CLOCK_SLACK_S, plausible_time
from bot.rules.team_hours import Schedule
from storage.exports import ExportFilter
from tests.world import SITE_LAT, SITE_LON, World

NOW = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)  # 07:30 in Shanghai
SITE = Site(SITE_LAT, SITE_LON, 300)


def _evidence(sent: datetime, lat: float = SITE_LAT) -> LocationEvidence:
    return LocationEvidence(lat, SITE_LON, 10.0, None, False, False, False, sent, NOW)


@given(st.floats(min_value=-400_000, max_value=400_000))
def test_plausible_time_is_the_last_day_and_a_little(offset_s: float) -> None:
    sent = NOW + timedelta(seconds=offset_s)
    inside = -86_400 - CLOCK_SLACK_S <= offset_s <= CLOCK_SLACK_S
    assert plausible_time(sent, NOW) is inside


def test_a_message_from_the_future_or_long_ago_is_rejected_on_todays_date() -> None:
    for sent in (datetime(2100, 1, 1, tzinfo=UTC), NOW - timedelta(days=2)):
        verdict = judge_checkin(
            _evidence(sent), SITE, Schedule(), "Asia/Shanghai", membership="active"
        )
        assert not verdict.accepted and verdict.reject_reason is RejectReason.BAD_TIME
        assert verdict.local_day == date(2026, 11, 25)
    negative = LocationEvidence(SITE_LAT, SITE_LON, -50.0, None, False, False, False, NOW, NOW)
    refused = judge_checkin(negative, SITE, Schedule(), "Asia/Shanghai", membership="active")
    assert refused.reject_reason is RejectReason.INACCURATE
    late = judge_checkin(
        _evidence(NOW - timedelta(hours=20)), SITE, Schedule(), "Asia/Shanghai", membership="active"
    )
    assert late.reject_reason is not RejectReason.BAD_TIME


async def test_an_infinite_latitude_is_refused_and_never_stored_or_exported(
    world: World, tmp_path: Path
) -> None:
    team = await world.team()
    li = await world.join(team)
    li.send_location(1e400, SITE_LON)
    assert "not valid" in (await li.next_message())["text"]
    li.send_location(SITE_LAT, SITE_LON, accuracy=1e400)
    await li.next_message()
    rows = await world.storage.db.fetchall(
        "SELECT lat, lon, accuracy_m, accepted, reject_reason FROM checkins ORDER BY id"
    )
    assert [r["reject_reason"] for r in rows] == ["bad_coordinates", "inaccurate"]
    for r in rows:
        for value in (r["lat"], r["lon"], r["accuracy_m"]):
            assert value is None or math.isfinite(value)
    out = tmp_path / "c.jsonl"
    flt = ExportFilter(date(2026, 11, 1), date(2026, 11, 30), "Asia/Shanghai")
    await write_export(world.storage, ExportRequest(("checkins",), "jsonl", flt), out)

    def refuse(constant: str) -> None:
        raise AssertionError(f"not JSON: {constant}")

    for line in out.read_text().splitlines():
        json.loads(line, parse_constant=refuse)


async def test_a_check_in_dated_2100_is_refused_and_stored_as_rejected(world: World) -> None:
    team = await world.team()
    li = await world.join(team)
    li.send_location(SITE_LAT, SITE_LON, date=datetime(2100, 1, 1, 8, tzinfo=UTC).timestamp())
    text = (await li.next_message())["text"]
    assert "time" in text.lower() and "late" not in text.lower()
    (row,) = await world.storage.db.fetchall(
        "SELECT accepted, reject_reason, local_day FROM checkins"
    )
    assert (row["accepted"], row["reject_reason"], row["local_day"]) == (
        0,
        "bad_time",
        "2026-11-25",
    )


async def test_a_diary_entry_dated_2100_is_refused(world: World) -> None:
    team = await world.team()
    li = await world.join(team)
    li.send_command("diary")
    await li.next_message()
    li.send_text("from the future", date=datetime(2100, 1, 1, tzinfo=UTC).timestamp())
    assert "time" in (await li.next_message())["text"].lower()
    assert await world.storage.db.fetchall("SELECT * FROM diary_entries") == []
    assert await world.storage.audit.recent(action="message.bad_time")


def test_an_export_range_at_the_calendars_edge_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert parse_range("0001-01-01 9999-12-31") is None
    assert parse_range("2026-11-01 2026-11-30") == (date(2026, 11, 1), date(2026, 11, 30))
    env = {"OUTPOST_DB": str(tmp_path / "o.db"), "OUTPOST_TZ": "Asia/Shanghai"}
    args = ["export", "--from", "2026-01-01", "--to", "9999-12-31", "--format", "csv"]
    assert main([*args, "--out", str(tmp_path / "x.csv")], env=env) == 2
    err = capsys.readouterr().err
    assert "must lie between" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.csv").exists()
