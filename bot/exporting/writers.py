"""File formats: CSV (UTF-8 with BOM), JSON Lines, XLSX (openpyxl write-only).

A writer takes one data set at a time (`begin`), batches of raw storage rows (`write`), and
`finish`es into the path it was given. Each converts a row column by column with functions
chosen once per data set, so the per-row work is only what the format needs. CSV of an SQL
data set is the exception and the fast path: SQLite renders its lines (bot/exporting/sql_csv.py)
and the writer only gives them the file after the header (`CsvWriter.binary`).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import time
import zipfile
from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import lru_cache
from math import floor
from pathlib import Path
from typing import IO, Any, ClassVar, Protocol, cast
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from storage.csv_cells import FORMULA_STARTS
from storage.exports import DataSet, Kind

FORMATS = ("csv", "xlsx", "jsonl")
# Excel's hard limit is 1,048,576 rows a sheet, the header included; past it a data set goes
# on to a second sheet. A module constant so a test can lower it.
XLSX_MAX_ROWS = 1_048_575

# A cell converter: (raw storage value, the row's IANA timezone name) -> the format's value.
Convert = Callable[[Any, str], Any]


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


class _IsoInstants:
    """Epoch seconds -> '2026-11-25T07:12:03+08:00' in a zone, the hot path of text exports.

    Full datetime formatting costs microseconds a cell; rows of an export cluster in time
    (a morning's check-ins), so the minute's prefix and offset are cached and only the
    seconds are formatted. The cache is cleared when full: memory stays flat.
    """

    LIMIT = 20_000

    def __init__(self) -> None:
        self.cache: dict[tuple[str, int], tuple[str, str]] = {}

    def __call__(self, value: Any, tz: str) -> Any:
        if value is None:
            return None
        minute, second = divmod(floor(value), 60)
        hit = self.cache.get((tz, minute))
        if hit is None:
            if len(self.cache) >= self.LIMIT:
                self.cache.clear()
            text = datetime.fromtimestamp(minute * 60, zone(tz)).isoformat()
            if text[17:19] != "00":  # an offset with seconds (old local mean time)
                return datetime.fromtimestamp(floor(value), zone(tz)).isoformat()
            # 'YYYY-MM-DDTHH:MM:' and '+08:00' around the seconds.
            hit = self.cache[(tz, minute)] = (text[:17], text[19:])
        return f"{hit[0]}{second:02d}{hit[1]}"


def _naive_local(value: Any, tz: str) -> Any:
    # Excel has no time zones: the team's wall-clock time, the zone in the `timezone` column.
    if value is None:
        return None
    return datetime.fromtimestamp(floor(value), zone(tz)).replace(tzinfo=None)


def _bool(value: Any, tz: str) -> Any:
    return None if value is None else bool(value)


def _csv_bool(value: Any, tz: str) -> Any:
    return "" if value is None else ("true" if value else "false")


def neutralise_formula(value: Any, tz: str) -> Any:
    """A CSV text cell a spreadsheet would run as a formula gets a leading ' (the same rule
    as the SQL of storage/csv_cells.py); anything else is left as it is."""
    if isinstance(value, str) and value and value[0] in FORMULA_STARTS:
        return "'" + value
    return value


def _day(value: Any, tz: str) -> Any:
    return None if value is None else date.fromisoformat(value)


def compile_converter(
    dataset: DataSet, table: dict[Kind, Convert]
) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """One function per data set and format that builds the output tuple of a row.

    Generated (as `collections.namedtuple` does) because this runs once per exported row:
    a loop over columns costs more than the conversions themselves at a million rows.
    """
    tz_at = dataset.names.index("timezone")
    namespace: dict[str, Any] = {}
    cells = []
    for i, column in enumerate(dataset.columns):
        fn = table.get(column.kind)
        if fn is None:
            cells.append(f"r[{i}]")
        else:
            namespace[f"f{i}"] = fn
            cells.append(f"f{i}(r[{i}], tz)")
    source = f"def convert(r):\n    tz = r[{tz_at}]\n    return ({', '.join(cells)},)\n"
    exec(source, namespace)
    convert: Callable[[Sequence[Any]], tuple[Any, ...]] = namespace["convert"]
    return convert


class Writer(Protocol):
    def begin(self, dataset: DataSet) -> None: ...

    def write(self, rows: Sequence[Sequence[Any]]) -> None: ...

    def end(self) -> None: ...

    def finish(self) -> None: ...

    def abort(self) -> None: ...


class _TextWriter:
    """CSV or JSON Lines: one data set as the file itself, several as a ZIP of one file each."""

    suffix = ""
    encoding = "utf-8"

    def table(self) -> dict[Kind, Convert]:
        return {}

    def __init__(self, path: Path, *, zipped: bool) -> None:
        self.path = path
        self.zip = (
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) if zipped else None
        )
        self.plain: IO[bytes] | None = None if zipped else open(path, "wb")
        self.text: io.TextIOWrapper | None = None
        self.convert: Callable[[Sequence[Any]], tuple[Any, ...]] | None = None
        self.dataset: DataSet | None = None

    def begin(self, dataset: DataSet) -> None:
        if self.zip is not None:
            # Stamped with the export's time: a bare name would date every entry 1980-01-01.
            entry = zipfile.ZipInfo(
                f"{dataset.name}{self.suffix}", date_time=time.localtime(time.time())[:6]
            )
            entry.compress_type = zipfile.ZIP_DEFLATED
            raw: IO[bytes] = self.zip.open(entry, "w", force_zip64=True)
        else:
            if self.dataset is not None:
                raise ValueError("several data sets need a ZIP")
            assert self.plain is not None
            raw = self.plain
        self.dataset = dataset
        self.text = io.TextIOWrapper(raw, encoding=self.encoding, newline="", write_through=False)
        self.convert = compile_converter(dataset, self.table())
        self.header(dataset)

    def header(self, dataset: DataSet) -> None: ...

    def end(self) -> None:
        assert self.text is not None
        if self.zip is not None:
            self.text.close()  # closes this ZIP entry
        else:
            self.text.flush()
            self.text.detach()
        self.text = None

    def finish(self) -> None:
        if self.zip is not None:
            self.zip.close()
        if self.plain is not None:
            self.plain.close()

    def abort(self) -> None:
        for closable in (self.text, self.zip, self.plain):
            try:
                if closable is not None:
                    closable.close()
            except Exception:
                pass  # the partial file is removed by the caller anyway


def rendered_by_sqlite(fmt: str, dataset: DataSet) -> bool:
    """Whether this data set's rows are written as CSV lines SQLite rendered
    (bot/exporting/sql_csv.py) rather than through a writer: the export that must be fast."""
    return fmt == "csv" and dataset.query is not None


def csv_table() -> dict[Kind, Convert]:
    """How CSV writes each kind of cell: what the SQL of storage/csv_cells.py also does."""
    return {Kind.INSTANT: _IsoInstants(), Kind.BOOL: _csv_bool, Kind.TEXT: neutralise_formula}


class CsvWriter(_TextWriter):
    suffix = ".csv"
    # The BOM makes Excel read the file as UTF-8, so Chinese names survive a double-click.
    encoding = "utf-8-sig"

    def table(self) -> dict[Kind, Convert]:
        return csv_table()

    def header(self, dataset: DataSet) -> None:
        assert self.text is not None
        self.csv = csv.writer(self.text)
        self.csv.writerow(dataset.names)

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        assert self.convert is not None
        self.csv.writerows(map(self.convert, rows))

    def binary(self) -> IO[bytes]:
        """The file (or ZIP entry) under the header, for rows already encoded as CSV."""
        assert self.text is not None
        self.text.flush()
        return cast(IO[bytes], self.text.buffer)


def _json_number(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value


class JsonlWriter(_TextWriter):
    suffix = ".jsonl"

    def table(self) -> dict[Kind, Convert]:
        return {Kind.INSTANT: _IsoInstants(), Kind.BOOL: _bool}

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        assert self.text is not None and self.convert is not None and self.dataset is not None
        names = self.dataset.names
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
        convert = self.convert
        try:
            text = "".join(dumps(dict(zip(names, convert(r), strict=True))) + "\n" for r in rows)
        except ValueError:
            # An infinity stored before the door refused them (bot/rules/plausible.py): JSON
            # has no such number, so it is written as null rather than as invalid JSON.
            text = "".join(
                dumps(dict(zip(names, map(_json_number, convert(r)), strict=True))) + "\n"
                for r in rows
            )
        self.text.write(text)


def _sheet_text(value: Any, tz: str) -> Any:
    if value is None or not isinstance(value, str):
        return value
    # XLSX cannot hold control characters; Telegram text may carry them.
    return ILLEGAL_CHARACTERS_RE.sub("", value)


class XlsxWriter:
    """One workbook, a sheet per data set (more sheets past Excel's row limit)."""

    table: ClassVar[dict[Kind, Convert]] = {
        Kind.INSTANT: _naive_local,
        Kind.DAY: _day,
        Kind.BOOL: _bool,
        Kind.TEXT: _sheet_text,
    }

    def __init__(self, path: Path) -> None:
        self.path = path
        self.book = Workbook(write_only=True)
        self.dataset: DataSet | None = None
        self.sheet: Any = None
        self.rows_in_sheet = 0
        self.sheets_of_dataset = 0
        self.text_columns: list[int] = []

    def begin(self, dataset: DataSet) -> None:
        self.dataset = dataset
        self.convert = compile_converter(dataset, self.table)
        self.text_columns = [i for i, c in enumerate(dataset.columns) if c.kind is Kind.TEXT]
        self.sheets_of_dataset = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        assert self.dataset is not None
        self.sheets_of_dataset += 1
        title = self.dataset.name
        if self.sheets_of_dataset > 1:
            title = f"{title} ({self.sheets_of_dataset})"
        ws = self.book.create_sheet(title=title[:31])
        ws.freeze_panes = "A2"
        for i, col in enumerate(self.dataset.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(col.width, len(col.name) + 2)
        ws.append(self.dataset.names)
        self.sheet = ws
        self.rows_in_sheet = 0

    def _text_cell(self, value: str) -> Any:
        # openpyxl would store "=..." as a formula: a diary line must stay text.
        cell = WriteOnlyCell(self.sheet, value)
        cell.data_type = "s"
        return cell

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        for row in rows:
            if self.rows_in_sheet >= XLSX_MAX_ROWS:
                self._new_sheet()
            values = list(self.convert(row))
            for i in self.text_columns:
                v = values[i]
                if isinstance(v, str) and v.startswith("="):
                    values[i] = self._text_cell(v)
            self.sheet.append(values)
            self.rows_in_sheet += 1

    def end(self) -> None:
        self.sheet = None

    def finish(self) -> None:
        self.book.save(self.path)

    def abort(self) -> None:
        # Close each sheet's temporary file; the half-written workbook is never saved.
        for sheet in self.book.worksheets:
            with contextlib.suppress(Exception):
                sheet.close()


def open_writer(fmt: str, path: Path, *, zipped: bool) -> Writer:
    if fmt == "csv":
        return CsvWriter(path, zipped=zipped)
    if fmt == "jsonl":
        return JsonlWriter(path, zipped=zipped)
    if fmt == "xlsx":
        return XlsxWriter(path)
    raise ValueError(f"unknown format {fmt!r}")
