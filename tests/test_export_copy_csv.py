"""PostgreSQL's CSV export (storage/dialects/copy_csv.py): the server writes each line and
joins them into rows of many lines; the file must be exactly what csv.writer writes from the
raw values, whatever the values and however the lines fall into rows."""

from __future__ import annotations

import csv
import io
import random
import re
from datetime import date
from typing import Any

import pytest

from bot.exporting.writers import compile_converter, csv_table
from bot.rules.checkin import DayEffect, EveningOutcome, Place, RejectReason
from bot.rules.team_hours import Timing
from storage import Storage
from storage.dialects.copy_csv import copy_statement, describe_statement
from storage.exports import CHECKINS, Column, DataSet, ExportFilter, Kind

FILTER = ExportFilter(date(2026, 1, 1), date(2026, 12, 31), "Asia/Shanghai")
AWKWARD = DataSet(
    name="awkward",
    columns=(
        Column("id", Kind.INT),
        Column("n", Kind.INT),
        Column("txt", Kind.TEXT),
        Column("x", Kind.REAL),
        Column("flag", Kind.BOOL),
        Column("at", Kind.INSTANT),
        Column("other", Kind.TEXT),
        Column("timezone", Kind.TEXT, vocabulary=True),
    ),
    query=lambda f: "SELECT id, n, txt, x, flag, at, other, tz FROM awkward ORDER BY id",
)
TEXTS = [
    None,
    "",
    "plain",
    "a,b",
    'say "hi"',
    "line\nbreak",
    "cr\ronly",
    "crlf\r\nend",
    "100%",
    "%s",
    "里面，有逗号",
    "=SUM(A1)",
    "+1",
    "-2",
    "@cmd",
    "\tlead tab",
    "\rlead cr",
    "'quoted",
    " space",
    '"',
    ",",
]
FLOATS = [None, 0.0, -0.0, 1.0, 30.0, 1e-7, 1e-05, 0.0001, 1e15, 1e16, 1e22, 5e-324, 30.1674]
INSTANTS = [None, 0.0, 1_790_000_000.0, 1_790_000_000.9999, 1_710_054_000.0, 1_730_613_600.0]
ZONES = ["Asia/Shanghai", "America/New_York", "Asia/Kathmandu"]


def _rows(n: int) -> list[tuple[Any, ...]]:
    rnd = random.Random(15)
    return [
        (
            i + 1,
            rnd.choice([None, 0, -5, 2**62]),
            rnd.choice(TEXTS),
            rnd.choice(FLOATS),
            rnd.choice([None, 0, 1, 2]),
            rnd.choice(INSTANTS),
            rnd.choice(TEXTS),
            rnd.choice(ZONES),
        )
        for i in range(n)
    ]


async def _copy(storage: Storage, dataset: DataSet, lines_per_row: int) -> bytes:
    describe = describe_statement(dataset, FILTER)
    types = await storage.db.run(lambda conn: conn.column_types(describe, FILTER.params()))
    statement = copy_statement(dataset, FILTER, set(ZONES), types, lines_per_row)
    out = io.BytesIO()
    told: list[int] = []
    await storage.exports.copy_rows(statement, FILTER.params(), out, told.append, 1)
    assert told == sorted(told)
    return out.getvalue()


async def _reference(storage: Storage, dataset: DataSet) -> bytes:
    assert dataset.query is not None
    convert = compile_converter(dataset, csv_table())
    rows = await storage.db.fetchall(dataset.query(FILTER), FILTER.params())
    out = io.StringIO()
    csv.writer(out).writerows(map(convert, rows))
    return out.getvalue().encode()


@pytest.mark.parametrize("lines_per_row", [1, 3, 1000])
async def test_awkward_values_come_out_as_csv_writer_writes_them(
    storage: Storage, lines_per_row: int
) -> None:
    if not storage.db.dialect.postgres:
        pytest.skip("COPY is PostgreSQL's; SQLite's renderer has its own test")
    await storage.db.execute(
        "CREATE TABLE awkward (id BIGINT PRIMARY KEY, n BIGINT, txt TEXT, x DOUBLE PRECISION,"
        " flag INTEGER, at DOUBLE PRECISION, other TEXT COLLATE nocase, tz TEXT)"
    )
    rows = _rows(400)
    await storage.db.executemany("INSERT INTO awkward VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    expected = await _reference(storage, AWKWARD)
    assert expected.count(b'"') > 50  # the rows do need quoting
    assert await _copy(storage, AWKWARD, lines_per_row) == expected


def test_the_checkins_vocabulary_needs_no_care() -> None:
    """Columns written as they are by the COPY renderer hold only these values (and zone
    names): none starts a formula or holds a character CSV quotes."""
    vocabulary = {c.name for c in CHECKINS.columns if c.vocabulary}
    assert vocabulary == {"kind", "reject_reason", "place", "timing", "effect", "timezone"}
    values = [
        "morning",
        "evening",
        *(
            e.value
            for enum in (RejectReason, Place, Timing, EveningOutcome, DayEffect)
            for e in enum
        ),
    ]
    assert all(re.fullmatch(r"[a-z][a-z_]*", v) for v in values), values
