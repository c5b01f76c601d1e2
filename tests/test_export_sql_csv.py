"""The fast CSV path (storage/csv_chunks.py, bot/exporting/sql_csv.py) writes exactly what
csv.writer writes from the raw values, whatever the values, in this process or in workers."""

from __future__ import annotations

import asyncio
import csv
import io
import math
import os
import sqlite3
import tempfile
import threading
import time
import types
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bot.exporting
from bot.exporting import DATASETS, ExportError, ExportRequest, write_export
from bot.exporting import sql_csv as sql_csv_module
from bot.exporting import writers as writers_module
from bot.exporting.writers import compile_converter, csv_table
from storage import Storage
from storage.csv_cells import cells_query, lines_query, zone_spans
from storage.csv_chunks import ChunkRenderer, CsvPlan, RenderStopped, fill_lines
from storage.exports import Column, DataSet, ExportFilter, Kind
from tests.export_data import DAY, populate

SYNTHETIC = DataSet(
    name="synthetic",
    columns=(
        Column("id", Kind.INT),
        Column("n", Kind.INT),
        Column("txt", Kind.TEXT),
        Column("x", Kind.REAL),
        Column("flag", Kind.BOOL),
        Column("at", Kind.INSTANT),
        Column("y", Kind.REAL),
        Column("timezone", Kind.TEXT),
    ),
    query=lambda f: "SELECT id, n, txt, x, flag, at, y, tz FROM t ORDER BY id",
)
FILTER = ExportFilter(date(2026, 1, 1), date(2026, 12, 31), "Asia/Shanghai")

texts = st.one_of(
    st.none(),
    st.sampled_from(["", "a,b", 'say "hi"', "100%", "%s", "%%", "line\nbreak", "cr\r", "里面"]),
    st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=8),
)
floats = st.one_of(
    st.none(),
    st.floats(allow_nan=False),  # SQLite stores NaN as NULL
    st.sampled_from([0.0, -0.0, 1e-7, 1e-05, 0.0001, 1e16, 1e22, 5e-324, 100.0, 30.1674]),
    st.integers(-(2**63), 2**63 - 1),  # REAL affinity reads them back as floats
)
rows = st.lists(
    st.tuples(
        st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1), st.sampled_from([2.5, -0.5])),
        texts,
        floats,
        st.one_of(st.none(), st.sampled_from([0, 1, 2])),
        st.one_of(st.none(), st.integers(0, 2_000_000_000), st.sampled_from([1.7e9 + 0.9999])),
        st.one_of(floats, st.sampled_from(["12.5", "text", b"\x00\xff"])),
        st.sampled_from(["Asia/Shanghai", "America/New_York", "Asia/Kathmandu"]),
    ),
    max_size=12,
)


def _reference(conn: sqlite3.Connection, dataset: DataSet) -> bytes:
    """csv.writer over the raw values, converted as the general CSV writer converts them."""
    convert = compile_converter(dataset, csv_table())
    assert dataset.query is not None
    out = io.StringIO()
    csv.writer(out).writerows(map(convert, conn.execute(dataset.query(FILTER)).fetchall()))
    return out.getvalue().encode()


def _fast(path: Path, conn: sqlite3.Connection, dataset: DataSet, batch: int) -> bytes:
    zones = {r[0] for r in conn.execute("SELECT DISTINCT tz FROM t")}
    spans = zone_spans(zones | {FILTER.default_timezone}, FILTER)
    plan = CsvPlan(
        str(path), lines_query(dataset, FILTER, spans), cells_query(dataset, FILTER, spans)
    )
    renderer = ChunkRenderer(plan.db_path)
    try:
        out = io.BytesIO()
        renderer.render(plan, FILTER.params(), out, batch)
        return out.getvalue()
    finally:
        renderer.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows, st.sampled_from([1, 3, 100]))
def test_any_values_render_as_csv_writer_writes_them(
    values: list[tuple[Any, ...]], batch: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.db"
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, txt TEXT, x REAL, flag INTEGER,"
            " at REAL, y, tz TEXT)"
        )
        conn.executemany(
            "INSERT INTO t(n, txt, x, flag, at, y, tz) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(n, t, x, f, at, y, tz) for n, t, x, f, at, y, tz in values],
        )
        try:
            assert _fast(path, conn, SYNTHETIC, batch) == _reference(conn, SYNTHETIC)
        finally:
            conn.close()


def test_fill_lines_gives_tiny_and_infinite_floats_their_repr() -> None:
    row = (b"%s,%s,%s,%s\r\n", 1e-7, 1e-05, math.inf, -0.0)
    assert fill_lines([row], 4) == b"1e-07,1e-05,inf,-0.0\r\n"
    plain = (b"%s,%s,%s\r\n", 30.1674, 300, 1e16)
    assert fill_lines([plain], 3) == b"30.1674,300,1e+16\r\n"


@pytest.mark.parametrize(
    "row",
    [
        (b"a,b,%s\r\n", 1.5),  # a comma from a text cell
        (b'"a",%s\r\n', 1.5),  # a quote
        (b"a\nb,%s\r\n", 1.5),  # a line break
        (b"100%,%s\r\n", 1.5),  # a percent sign
        (b"a,%s\r\n", "12.5"),  # a text where a float was expected
    ],
)
def test_fill_lines_leaves_rows_that_need_care(row: tuple[Any, ...]) -> None:
    assert fill_lines([row], 2) is None


async def _awkward_days(storage: Storage) -> None:
    """Rows over many days, some whose text needs quoting, for day ranges and workers."""
    async with storage.db.transaction() as conn:
        for i in range(60):
            day = DAY - timedelta(days=i % 20)
            reason = ["fine", "a, b", 'say "hi"', "50%"][i % 4]
            await conn.execute(
                "INSERT INTO checkins(telegram_id, team_id, chat_id, message_id, message_date,"
                " received_at, delay_s, delayed, local_day, lat, lon, accepted, effect,"
                " out_of_area_reason) VALUES (11, 1, 11, ?, ?, ?, 0.25, 0, ?, 30.1, 1e-7, 1,"
                " 'counts', ?)",
                (5000 + i, 1_790_000_000 + i, 1_790_000_000.5 + i, day.isoformat(), reason),
            )


async def _export(storage: Storage, folder: Path, name: str, **kwargs: Any) -> bytes:
    os.makedirs(folder, exist_ok=True)
    flt = ExportFilter(DAY - timedelta(days=40), DAY + timedelta(days=5), "Asia/Shanghai")
    out = folder / f"{name}.csv"
    await write_export(storage, ExportRequest((name,), "csv", flt), out, batch=4, **kwargs)
    return out.read_bytes()


DAY_DATASETS = [name for name, ds in DATASETS.items() if ds.by_day]


async def test_workers_write_the_same_file(
    storage: Storage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await populate(storage)
    await _awkward_days(storage)
    here = {n: await _export(storage, tmp_path / "here", n) for n in DAY_DATASETS}
    monkeypatch.setattr(sql_csv_module, "PARALLEL_FROM_ROWS", 1)
    monkeypatch.setattr(sql_csv_module, "CHUNK_ROWS", 3)
    monkeypatch.setattr(sql_csv_module, "COPY_CHUNK_ROWS", 3)
    progress: dict[str, list[int]] = {n: [] for n in DAY_DATASETS}
    out = tmp_path / "workers"
    apart = {
        n: await _export(storage, out, n, workers=2, progress=lambda n, c: progress[n].append(c))
        for n in DAY_DATASETS
    }
    assert apart == here
    assert here["checkins"].count(b"\r\n") > 60  # the rows above, and populate's
    # Told as day ranges arrived, in order, up to every row.
    assert len(progress["checkins"]) > 3
    for name, seen in progress.items():
        assert seen == sorted(seen) and seen[-1] == here[name].count(b"\r\n") - 1, name
    # The spill files went with the workers.
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.csv" for n in DAY_DATASETS)
    # And both equal the general writer's file.
    monkeypatch.setattr(writers_module, "rendered_by_sqlite", lambda fmt, ds: False)
    monkeypatch.setattr(bot.exporting, "rendered_by_sqlite", lambda fmt, ds: False)
    general = {n: await _export(storage, tmp_path / "general", n) for n in DAY_DATASETS}
    assert general == here


@pytest.fixture
async def days_for_workers(storage: Storage, monkeypatch: pytest.MonkeyPatch) -> Storage:
    """Rows over many days, and workers from the second day on."""
    await populate(storage)
    await _awkward_days(storage)
    monkeypatch.setattr(sql_csv_module, "PARALLEL_FROM_ROWS", 1)
    return storage


def _sqlite_workers_only(storage: Storage) -> None:
    if storage.db.dialect.postgres:
        pytest.skip("worker processes render SQLite's CSV; PostgreSQL streams COPY instead")


async def _fails_cleanly(storage: Storage, tmp_path: Path, match: str) -> None:
    folder = tmp_path / "out"
    with pytest.raises(ExportError, match=match):  # one line for the admin, in chat or CLI
        await _export(storage, folder, "checkins", workers=2)
    assert list(folder.iterdir()) == []  # no partial export, no spill folder


async def test_a_worker_that_cannot_start_fails_the_export_cleanly(
    days_for_workers: Storage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _sqlite_workers_only(days_for_workers)
    monkeypatch.setattr(sql_csv_module, "csv_worker", types.SimpleNamespace(__name__="no_such"))
    await _fails_cleanly(days_for_workers, tmp_path, "export worker died: .*no_such")


async def test_a_worker_error_fails_the_export_cleanly(
    days_for_workers: Storage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _sqlite_workers_only(days_for_workers)
    real_start = sql_csv_module._Worker.start

    async def start_with_broken_sql(plan: CsvPlan) -> Any:
        lines = type(plan.lines)("SELECT nonsense FROM nowhere", plan.lines.columns)
        return await real_start(CsvPlan(plan.db_path, lines, plan.cells_sql))

    monkeypatch.setattr(sql_csv_module._Worker, "start", start_with_broken_sql)
    await _fails_cleanly(days_for_workers, tmp_path, "export worker: OperationalError")


@pytest.mark.parametrize("workers", [0, 2])
async def test_a_cancelled_export_leaves_nothing_behind(
    days_for_workers: Storage, tmp_path: Path, workers: int
) -> None:
    folder = tmp_path / "out"
    os.makedirs(folder)
    flt = ExportFilter(DAY - timedelta(days=40), DAY + timedelta(days=5), "Asia/Shanghai")
    request = ExportRequest(("checkins",), "csv", flt)
    seen: list[int] = []

    def cancel_midway(_name: str, count: int) -> None:
        seen.append(count)
        if len(seen) == 3:
            task.cancel()

    task = asyncio.ensure_future(
        write_export(
            days_for_workers,
            request,
            folder / "c.csv",
            batch=2,
            workers=workers,
            progress=cancel_midway,
        )
    )
    with pytest.raises(asyncio.CancelledError):
        await task
    assert list(folder.iterdir()) == []  # no partial export, no spill folder
    # The next export runs as if nothing happened.
    await write_export(days_for_workers, request, folder / "c.csv", workers=workers)
    assert (folder / "c.csv").read_bytes().count(b"\r\n") > 60


def test_closing_a_renderer_stops_its_render_and_waits_for_it(tmp_path: Path) -> None:
    """A cancelled export's thread goes on rendering; closing must not pull the connection
    from under it."""
    path = tmp_path / "t.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, n, txt, x, flag, at, y, tz)")
    conn.executemany(
        "INSERT INTO t(n, txt, x, flag, at, y, tz) VALUES (?, 'a', 1.5, 1, 0, 2.5, 'UTC')",
        [(i,) for i in range(200)],
    )
    spans = zone_spans({"UTC"}, FILTER)
    plan = CsvPlan(
        str(path), lines_query(SYNTHETIC, FILTER, spans), cells_query(SYNTHETIC, FILTER, spans)
    )
    renderer = ChunkRenderer(plan.db_path)
    rendering = threading.Event()
    outcome: list[BaseException | int] = []

    def slowly(rows: int) -> None:
        rendering.set()
        time.sleep(0.005)

    def run() -> None:
        try:
            outcome.append(renderer.render(plan, FILTER.params(), io.BytesIO(), 1, slowly))
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    assert rendering.wait(5)
    renderer.close()
    thread.join(5)
    assert len(outcome) == 1 and isinstance(outcome[0], RenderStopped)
    conn.close()
