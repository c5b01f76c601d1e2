"""Exports: every format read back and compared with storage row for row, filters, streaming,
and no partial file on error."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from bot.exporting import DATASETS, ExportError, ExportRequest, write_export
from bot.exporting import writers as writers_module
from bot.exporting.datasets import batches
from bot.exporting.writers import _IsoInstants
from bot.flows.export import parse_range
from bot.services.export import for_telegram, month_range
from storage import Storage
from storage.csv_cells import FORMULA_STARTS
from storage.exports import CHECKINS, DataSet, ExportFilter, Kind
from tests.export_data import DAY, populate

ALL = tuple(DATASETS)


def _filter(**kw: Any) -> ExportFilter:
    base: dict[str, Any] = {
        "first_day": DAY - timedelta(days=10),
        "last_day": DAY + timedelta(days=10),
        "default_timezone": "Asia/Shanghai",
    }
    return ExportFilter(**{**base, **kw})


async def _storage_rows(storage: Storage, ds: DataSet, flt: ExportFilter) -> list[tuple]:
    out: list[tuple] = []
    # The registry's own source (SQL or computed), in odd batches to test the boundaries.
    async for rows in batches(storage, ds, flt, batch=7):
        out += [tuple(r) for r in rows]
    return out


def _expected(fmt: str, kind: Kind, raw: Any) -> Any:
    if raw is None:
        return None
    if kind is Kind.REAL and fmt == "xlsx":
        # XLSX keeps 16 significant digits (openpyxl writes %.16g); Excel shows 15.
        return pytest.approx(raw, rel=1e-15)
    if kind is Kind.INSTANT:
        return int(raw)  # exported to the second
    if kind is Kind.BOOL:
        return bool(raw)
    return raw


def _parsed(fmt: str, kind: Kind, value: Any, tz: str) -> Any:
    """An exported cell back to the storage value it claims to be."""
    if value is None or (fmt == "csv" and value == ""):
        return None
    if kind is Kind.INSTANT:
        if fmt == "xlsx":
            assert value.tzinfo is None  # Excel has no zones: wall time in `timezone`
            return int(value.replace(tzinfo=ZoneInfo(tz)).timestamp())
        moment = datetime.fromisoformat(value)
        # ISO 8601 with the team's own offset at that instant.
        assert moment.utcoffset() == moment.astimezone(ZoneInfo(tz)).utcoffset()
        return int(moment.timestamp())
    if kind is Kind.DAY:
        return value.date().isoformat() if fmt == "xlsx" else value
    if kind is Kind.BOOL:
        return {"true": True, "false": False}[value] if fmt == "csv" else value
    if kind is Kind.INT:
        return int(value)
    if kind is Kind.REAL:
        return float(value)
    if fmt == "csv" and value[:1] == "'" and value[1:2] in FORMULA_STARTS:
        return value[1:]  # neutralised so a spreadsheet keeps it text (issue 12)
    return value


def _read(fmt: str, path: Path, names: tuple[str, ...]) -> dict[str, list[list[Any]]]:
    """Header + rows of each data set, as the format's own reader gives them."""
    out: dict[str, list[list[Any]]] = {}
    if fmt == "xlsx":
        book = load_workbook(path, read_only=True)
        for sheet in book.worksheets:
            rows = [list(r) for r in sheet.iter_rows(values_only=True)]
            name = sheet.title.split(" (")[0]
            out.setdefault(name, [rows[0]]).extend(rows[1:])
        return out
    members: dict[str, bytes] = {}
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            members = {Path(n).stem: zf.read(n) for n in zf.namelist()}
    else:
        members = {names[0]: path.read_bytes()}
    for name, data in members.items():
        if fmt == "csv":
            assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens it as UTF-8
            out[name] = [list(r) for r in csv.reader(io.StringIO(data.decode("utf-8-sig")))]
        else:
            objects = [json.loads(line) for line in data.decode().splitlines()]
            header = list(DATASETS[name].names)
            assert all(list(o) == header for o in objects)
            out[name] = [header, *([o[k] for k in header] for o in objects)]
    return out


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx"])
async def test_round_trip_every_data_set(storage: Storage, tmp_path: Path, fmt: str) -> None:
    await populate(storage)
    flt = _filter()
    result = await write_export(storage, ExportRequest(ALL, fmt, flt), tmp_path)
    assert result.path.parent == tmp_path and not _leftovers(tmp_path)
    read = _read(fmt, result.path, ALL)
    assert set(read) == set(ALL)
    for name in ALL:
        ds = DATASETS[name]
        header, *rows = read[name]
        assert list(header) == ds.names
        stored = await _storage_rows(storage, ds, flt)
        assert len(rows) == len(stored) == result.rows[name]
        kinds = [c.kind for c in ds.columns]
        tz_at = ds.names.index("timezone")
        for got, raw in zip(rows, stored, strict=True):
            tz = got[tz_at]
            assert [_parsed(fmt, k, v, tz) for k, v in zip(kinds, got, strict=True)] == [
                _expected(fmt, k, v) for k, v in zip(kinds, raw, strict=True)
            ], name
    # Every data set had something to compare.
    assert all(result.rows[name] > 0 for name in ALL), result.rows


async def test_checkins_are_the_stored_rows_rejected_included(
    storage: Storage, tmp_path: Path
) -> None:
    await populate(storage)
    result = await write_export(
        storage, ExportRequest(("checkins",), "csv", _filter()), tmp_path / "c.csv"
    )
    rows = list(csv.DictReader(io.StringIO(result.path.read_text("utf-8-sig"))))
    stored = await storage.db.fetchall(
        "SELECT id, accepted, message_date, telegram_id FROM checkins ORDER BY local_day, id"
    )
    assert [int(r["id"]) for r in rows] == [s["id"] for s in stored]
    assert {r["accepted"] for r in rows} == {"true", "false"}
    stranger = next(r for r in rows if r["member_id"] == "99")
    assert stranger["team"] == "" and stranger["reject_reason"] == "not_member"
    # Offsets are each team's own: Shanghai +08:00, New York (standard time) -05:00.
    by_team = {r["team"]: r["message_time"] for r in rows}
    assert by_team["萧山队"].endswith("+08:00") and by_team["Hudson"].endswith("-05:00")
    assert datetime.fromisoformat(rows[0]["message_time"]).timestamp() == stored[0]["message_date"]


async def test_filters_team_member_and_range(storage: Storage, tmp_path: Path) -> None:
    await populate(storage)
    team_only = _filter(team_id=2, bounds_timezone="America/New_York")
    rows = await _storage_rows(storage, CHECKINS, team_only)
    assert rows and {r[1] for r in rows} == {2}
    member_only = _filter(member_id=11)
    assert {r[3] for r in await _storage_rows(storage, CHECKINS, member_only)} == {11}
    one_day = _filter(first_day=DAY, last_day=DAY)
    assert {r[7] for r in await _storage_rows(storage, CHECKINS, one_day)} == {DAY.isoformat()}
    # Leave overlapping the range counts even when it started before it.
    leave = await _storage_rows(storage, DATASETS["leave"], one_day)
    assert [r[1] for r in leave] == ["leave"]
    # Audit rows are bounded by instants of the team-local days.
    audit = await _storage_rows(storage, DATASETS["audit"], _filter(first_day=DAY + timedelta(1)))
    assert audit == []
    assert len(await _storage_rows(storage, DATASETS["audit"], _filter(member_id=12))) == 1


async def test_hundred_thousand_rows_stream_to_csv(storage: Storage, tmp_path: Path) -> None:
    n = 100_000
    rows = (
        (7, None, 7, i, 1_790_000_000 + i, 1_790_000_000.5 + i, 0.5, 0, "2026-09-21", 0, "venue")
        for i in range(n)
    )
    await storage.db.executemany(
        "INSERT INTO checkins(telegram_id, team_id, chat_id, message_id, message_date,"
        " received_at, delay_s, delayed, local_day, accepted, reject_reason)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    flt = _filter(first_day=date(2026, 9, 1), last_day=date(2026, 9, 30))
    seen: list[int] = []
    result = await write_export(
        storage,
        ExportRequest(("checkins",), "csv", flt),
        tmp_path / "big.csv",
        progress=lambda _name, count: seen.append(count),
    )
    assert result.rows == {"checkins": n}
    # Streamed in batches (the progress saw them), not one list.
    assert len(seen) == n // 5000 and seen[-1] == n
    count, last = _count_csv(result.path)
    expected_last = datetime.fromtimestamp(1_790_000_000 + n - 1, ZoneInfo("Asia/Shanghai"))
    assert count == n and last[8] == expected_last.isoformat()


def _count_csv(path: Path) -> tuple[int, list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        count, last = 0, []
        for row in reader:
            count, last = count + 1, row
    return count, last


def _leftovers(folder: Path) -> list[Path]:
    return list(folder.glob(".*.part"))


async def test_xlsx_past_the_row_limit_goes_on_another_sheet(
    storage: Storage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await populate(storage)
    monkeypatch.setattr(writers_module, "XLSX_MAX_ROWS", 10)
    flt = _filter()
    result = await write_export(storage, ExportRequest(("checkins",), "xlsx", flt), tmp_path)
    book = load_workbook(result.path, read_only=True)
    titles = book.sheetnames
    assert titles[:2] == ["checkins", "checkins (2)"]
    assert len(titles) == -(-result.rows["checkins"] // 10)
    per_sheet = [list(s.iter_rows(values_only=True)) for s in book.worksheets]
    assert all(
        rows[0] == tuple(DATASETS["checkins"].names) for rows in per_sheet
    )  # a header on each
    assert sum(len(rows) - 1 for rows in per_sheet) == result.rows["checkins"]
    book.close()
    book = load_workbook(result.path)  # full mode: frozen header and widths are there
    assert book["checkins"].freeze_panes == "A2"
    assert book["checkins"].column_dimensions["I"].width >= 20  # message_time


async def test_error_midway_leaves_no_file(
    storage: Storage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await populate(storage)

    async def broken(_storage: Any, _flt: ExportFilter, _batch: int):  # type: ignore[no-untyped-def]
        yield [(1, "UTC")]
        raise RuntimeError("disk on fire")

    ds = DataSet("broken", (CHECKINS.columns[0], CHECKINS.columns[-1]), produce=broken)
    monkeypatch.setitem(DATASETS, "broken", ds)
    out = tmp_path / "exports"
    out.mkdir()
    for fmt in ("csv", "xlsx", "jsonl"):
        with pytest.raises(RuntimeError):
            await write_export(storage, ExportRequest(("checkins", "broken"), fmt, _filter()), out)
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(
    ("request_kw", "out", "message"),
    [
        ({"fmt": "pdf"}, "x.csv", "unknown format"),
        ({"datasets": ("nope",)}, "x.csv", "unknown data set"),
        ({"first": date(2026, 12, 1)}, "x.csv", "starts (2026-12-01) after it ends"),
        ({"datasets": ("checkins", "audit")}, "x.csv", "ZIP"),
        ({}, "missing/x.csv", "does not exist"),
    ],
)
async def test_bad_requests(
    storage: Storage, tmp_path: Path, request_kw: dict[str, Any], out: str, message: str
) -> None:
    flt = _filter(first_day=request_kw.get("first", DAY), last_day=DAY)
    request = ExportRequest(
        request_kw.get("datasets", ("checkins",)), request_kw.get("fmt", "csv"), flt
    )
    folder = tmp_path / "exports"
    folder.mkdir()
    with pytest.raises(ExportError, match=message.replace("(", r"\(").replace(")", r"\)")):
        await write_export(storage, request, folder / out)
    assert list(folder.iterdir()) == []


ZONES = [
    "Asia/Shanghai",
    "America/New_York",
    "Australia/Lord_Howe",  # half-hour daylight saving
    "Asia/Kathmandu",  # +05:45
    "Africa/Monrovia",  # -00:44:30 until 1972: an offset with seconds
    "UTC",
]


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=-2_000_000_000, max_value=4_000_000_000), st.sampled_from(ZONES))
def test_fast_iso_equals_datetime_isoformat(ts: int, tz: str) -> None:
    fast = _IsoInstants()
    expected = datetime.fromtimestamp(ts, ZoneInfo(tz)).isoformat()
    assert fast(ts, tz) == expected
    assert fast(ts + 0.9, tz) == expected  # fractions are cut, like the second they are in
    assert fast(ts, tz) == expected  # and from the cache


def test_fast_iso_cache_stays_bounded() -> None:
    fast = _IsoInstants()
    for minute in range(fast.LIMIT * 2):
        fast(minute * 60, "Asia/Shanghai")
    assert len(fast.cache) <= fast.LIMIT


def test_parse_range_and_months() -> None:
    assert parse_range("2026-11-01 2026-11-30") == (date(2026, 11, 1), date(2026, 11, 30))
    assert parse_range("2026-11-01 to 2026-11-30") == (date(2026, 11, 1), date(2026, 11, 30))
    assert parse_range("2026-11-01..2026-11-02") == (date(2026, 11, 1), date(2026, 11, 2))
    assert parse_range("2026-11-30 2026-11-01") is None
    assert parse_range("2026-02-30 2026-03-01") is None
    assert parse_range("yesterday") is None
    assert month_range(date(2026, 11, 25)) == (date(2026, 11, 1), date(2026, 11, 30))
    assert month_range(date(2026, 1, 5), 1) == (date(2025, 12, 1), date(2025, 12, 31))
    assert month_range(date(2028, 3, 31), 1) == (date(2028, 2, 1), date(2028, 2, 29))


def test_big_files_are_zipped_then_split(tmp_path: Path) -> None:
    small = tmp_path / "a.csv"
    small.write_text("x" * 100)
    assert [u.path for u in for_telegram(small, limit=1000)] == [small]
    text = tmp_path / "b.csv"
    text.write_text("row,of,text\n" * 1000)  # compresses far below the limit
    (zipped,) = for_telegram(text, limit=2000)
    assert zipped.path.name == "b.csv.zip"
    noise = tmp_path / "c.xlsx"
    noise.write_bytes(bytes(range(256)) * 40)  # 10,240 bytes
    parts = for_telegram(noise, limit=4096)
    assert [p.path.name for p in parts] == ["c.xlsx.001", "c.xlsx.002", "c.xlsx.003"]
    assert b"".join(p.path.read_bytes() for p in parts) == noise.read_bytes()
    assert all(p.path.stat().st_size <= 4096 for p in parts) and parts[0].parts == 3


async def test_compliance_rows_are_the_monthly_figures(storage: Storage, tmp_path: Path) -> None:
    from datetime import UTC, date, datetime

    from bot.rules.checkin import Site

    team = await storage.teams.create("Hill", "Asia/Shanghai", Site(30.0, 120.0, 300), now=0)
    joined = datetime(2026, 10, 1, tzinfo=UTC).timestamp()
    await storage.db.execute(
        "INSERT INTO people(telegram_id, name, created_at) VALUES (7, 'Li', 0)"
    )
    await storage.db.execute(
        "INSERT INTO memberships(team_id, telegram_id, role, joined_at) VALUES (?, 7, 'member', ?)",
        (team.id, joined),
    )
    days = [
        (7, team.id, f"2026-11-{d:02d}", "on_site", "late" if d == 3 else "on_time", 0)
        for d in range(1, 11)
    ]
    await storage.db.executemany(
        "INSERT INTO attendance_days(telegram_id, team_id, local_day, place, timing, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        days,
    )
    flt = ExportFilter(
        first_day=date(2026, 11, 1),
        last_day=date(2026, 11, 30),
        default_timezone="Asia/Shanghai",
        now=datetime(2026, 12, 1, tzinfo=UTC),  # November is settled
    )
    result = await write_export(storage, ExportRequest(("compliance",), "csv", flt), tmp_path)
    [row] = list(csv.DictReader(io.StringIO(result.path.read_text("utf-8-sig"))))
    assert row["month"] == "2026-11" and row["member"] == "Li"
    assert row["days_on_site"] == "10" and row["late"] == "1"
    assert row["missed"] == "20" and row["verdict"] == "short"
