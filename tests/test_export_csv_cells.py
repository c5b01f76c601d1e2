"""CSV cells rendered by SQLite (storage/csv_cells.py) must be byte for byte what csv.writer
writes from the raw values: the fast path may never change a file."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from functools import cache
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bot.exporting
from bot.exporting import DATASETS, ExportRequest, write_export
from bot.exporting import writers as writers_module
from storage import Storage
from storage.csv_cells import OffsetSpan, _instant_sql, offset_spans
from storage.csv_chunks import ISO_FUNCTION, iso_instant
from storage.exports import ExportFilter
from tests.export_data import DAY, populate

ZONES = [
    "Asia/Shanghai",
    "America/New_York",
    "Europe/Berlin",
    "America/St_Johns",  # -03:30 / -02:30
    "Asia/Kathmandu",  # +05:45
    "Africa/Monrovia",  # -00:44:30 until 1972: an offset with seconds
    "UTC",
]
SQL_DATASETS = tuple(name for name, ds in DATASETS.items() if ds.query is not None)


async def _awkward_rows(storage: Storage) -> None:
    """Rows the fast path must hand to csv.writer or to the fallback function."""
    async with storage.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO teams(id, name, timezone, created_at) VALUES"
            " (3, 'Spree, \"Ost\"', 'Europe/Berlin', 0),"
            " (4, ?, 'Asia/Kathmandu', 0),"
            " (5, 'Monrovia', 'Africa/Monrovia', 0)",
            ("Kath\r",),
        )
        rows = [
            # team, message_date, received_at, reason: DST edges, 1960 (before the spans and
            # an offset with seconds), far future, a second's fraction just below the next.
            (3, 1774746000 - 1, 1774746000 + 0.999, "a, b"),
            (3, 1792890000, 1792890000 - 0.0001, 'say "hi"'),
            (4, 1_800_000_000, 1_800_000_000.9999, "line\nbreak"),
            (5, -300_000_000, 63_000_000.5, "one, two"),
            (5, 4_000_000_000, 4_000_000_000.25, "%s %r"),
            (5, 1_800_000_000, 1_800_000_000.5, None),
        ]
        for i, (team, at, received, reason) in enumerate(rows):
            await conn.execute(
                "INSERT INTO checkins(telegram_id, team_id, chat_id, message_id, message_date,"
                " received_at, delay_s, delayed, local_day, lat, lon, accepted, effect,"
                " out_of_area_reason) VALUES (11, ?, 11, ?, ?, ?, 0.1, 0, ?, NULL, 1e-7, 1,"
                " 'counts', ?)",
                (team, 9000 + i, at, received, DAY.isoformat(), reason),
            )


async def _csv(storage: Storage, tmp: Path, name: str, flt: ExportFilter) -> bytes:
    out = tmp / f"{name}.csv"
    await write_export(storage, ExportRequest((name,), "csv", flt), out, batch=3)
    return out.read_bytes()


@pytest.mark.parametrize("tz", ["Asia/Shanghai", "America/New_York"])
async def test_sql_cells_write_exactly_what_csv_writer_writes(
    storage: Storage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tz: str
) -> None:
    await populate(storage)
    await _awkward_rows(storage)
    flt = ExportFilter(DAY - timedelta(days=30), DAY + timedelta(days=30), tz)
    for sub in ("fast", "slow"):
        (tmp_path / sub).mkdir()
    fast = {name: await _csv(storage, tmp_path / "fast", name, flt) for name in SQL_DATASETS}
    # The raw-values path: converters in Python, csv.writer for every row.
    monkeypatch.setattr(writers_module, "rendered_by_sqlite", lambda fmt, ds: False)
    monkeypatch.setattr(bot.exporting, "rendered_by_sqlite", lambda fmt, ds: False)
    slow = {name: await _csv(storage, tmp_path / "slow", name, flt) for name in SQL_DATASETS}
    assert fast == slow
    assert b'"Spree, ""Ost"""' in fast["checkins"]  # the awkward rows were exported


@cache
def _sixty_years_of_spans(tz: str) -> list[OffsetSpan]:
    zone = ZoneInfo(tz)
    lo = int(datetime(1990, 1, 1, tzinfo=zone).timestamp())
    return offset_spans(zone, lo, lo + 60 * 365 * 86400)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=-2_000_000_000, max_value=4_000_000_000),
    st.sampled_from([0.0, 0.25, 0.9999]),
    st.sampled_from(ZONES),
)
def test_sql_instants_equal_isoformat(ts: int, fraction: float, tz: str) -> None:
    zone = ZoneInfo(tz)
    spans = {tz: _sixty_years_of_spans(tz)}
    conn = sqlite3.connect(":memory:")
    conn.create_function(ISO_FUNCTION, 2, iso_instant, deterministic=True)
    sql = f"SELECT {_instant_sql('x', 'z', spans)} FROM (SELECT ? AS x, ? AS z)"
    value = ts + fraction if fraction else ts
    (got,) = conn.execute(sql, (value, tz)).fetchone()
    assert got == datetime.fromtimestamp(ts, zone).isoformat()
    assert conn.execute(sql, (None, tz)).fetchone() == ("",)


def test_offset_spans_follow_daylight_saving() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    start = int(datetime(2026, 1, 1, tzinfo=berlin).timestamp())
    end = int(datetime(2027, 1, 1, tzinfo=berlin).timestamp())
    spans = offset_spans(berlin, start, end)
    assert [s.suffix for s in spans] == ["+01:00", "+02:00", "+01:00"]
    assert spans[0].start == start and spans[-1].end == end
    assert all(a.end == b.start for a, b in pairwise(spans))
    summer = datetime.fromtimestamp(spans[1].start, berlin)
    assert (summer.month, summer.day, summer.hour) == (3, 29, 3)
    assert date(2026, 10, 25) == datetime.fromtimestamp(spans[2].start, berlin).date()
