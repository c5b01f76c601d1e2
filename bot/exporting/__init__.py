"""Streaming exports (SPEC §3.9), shared by the CLI and the /export chat wizard.

The file is written under a temporary name in the target directory and renamed at the end,
so an error (a full disk, a bad row, a cancelled task) never leaves a partial export behind.
CSV and JSON Lines hold one data set a file: several data sets go into one ZIP archive with a
file per data set. XLSX holds them all in one workbook, a sheet each.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

from bot.exporting.datasets import DATASETS, batches
from bot.exporting.sql_csv import WorkerFailed, write_sql_csv
from bot.exporting.writers import FORMATS, CsvWriter, Writer, open_writer, rendered_by_sqlite
from storage import Storage
from storage.exports import ExportFilter

Progress = Callable[[str, int], None]


# Days an export may cover: Unix time's start to the last day whose next day and local
# offsets a datetime can still hold.
EXPORTABLE_DAYS = (date(1970, 1, 1), date(9998, 12, 31))


class ExportError(Exception):
    """A request that cannot be written: the message is for the person who asked."""


@dataclass(frozen=True)
class ExportRequest:
    datasets: tuple[str, ...]
    fmt: str
    flt: ExportFilter

    def validate(self) -> None:
        if self.fmt not in FORMATS:
            raise ExportError(f"unknown format {self.fmt!r} (one of {', '.join(FORMATS)})")
        unknown = [d for d in self.datasets if d not in DATASETS]
        if unknown:
            raise ExportError(f"unknown data set {unknown[0]!r} (one of {', '.join(DATASETS)})")
        if not self.datasets:
            raise ExportError("no data set chosen")
        if self.flt.first_day > self.flt.last_day:
            raise ExportError(
                f"the range starts ({self.flt.first_day}) after it ends ({self.flt.last_day})"
            )
        if not EXPORTABLE_DAYS[0] <= self.flt.first_day <= self.flt.last_day <= EXPORTABLE_DAYS[1]:
            # Day arithmetic at the edges of the calendar overflows; nothing is stored there.
            raise ExportError(
                f"the range must lie between {EXPORTABLE_DAYS[0]} and {EXPORTABLE_DAYS[1]}"
            )

    @property
    def zipped(self) -> bool:
        return self.fmt != "xlsx" and len(self.datasets) > 1

    @property
    def suffix(self) -> str:
        return ".zip" if self.zipped else f".{self.fmt}"

    def default_name(self) -> str:
        f = self.flt
        what = self.datasets[0] if len(self.datasets) == 1 else "outpost"
        # A ZIP names its format: CSV and JSON Lines exports of one range must not collide.
        fmt = f"-{self.fmt}" if self.zipped else ""
        return f"{what}-{f.first_day.isoformat()}-{f.last_day.isoformat()}{fmt}{self.suffix}"


@dataclass
class ExportResult:
    path: Path
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def target_path(request: ExportRequest, out: Path) -> Path:
    """The file to write: `out` itself, or a generated name inside `out` if it is a folder."""
    if out.is_dir():
        return out / request.default_name()
    if not out.parent.is_dir():
        raise ExportError(f"cannot write {out}: folder {out.parent} does not exist")
    if request.zipped and out.suffix.lower() != ".zip":
        raise ExportError(
            f"several data sets in {request.fmt} are written as a ZIP archive: name it .zip"
            f" (e.g. {out.with_suffix('.zip')}) or pick one with --dataset"
        )
    return out


async def write_export(
    storage: Storage,
    request: ExportRequest,
    out: Path,
    *,
    progress: Progress | None = None,
    batch: int = 5000,
    workers: int = 0,
) -> ExportResult:
    """Writes the export to `out`; big CSV exports use up to `workers` processes (0: none)."""
    request.validate()
    path = target_path(request, out)
    try:
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise ExportError(f"cannot write to {path.parent}: {exc.strerror or exc}") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    result = ExportResult(path=path)
    writer = None
    try:
        writer = open_writer(request.fmt, tmp, zipped=request.zipped)
        for name in request.datasets:
            dataset = DATASETS[name]
            writer.begin(dataset)
            if isinstance(writer, CsvWriter) and rendered_by_sqlite(request.fmt, dataset):
                count = await write_sql_csv(
                    storage,
                    dataset,
                    request.flt,
                    writer.binary(),
                    workers=workers,
                    spill_dir=tmp.parent,
                    on_rows=partial(_report, progress, name),
                    batch=batch,
                )
            else:
                count = await _write_rows(storage, writer, name, request.flt, batch, progress)
            writer.end()
            result.rows[name] = count
        await asyncio.to_thread(writer.finish)
        os.replace(tmp, path)
    except BaseException as exc:
        if writer is not None:
            writer.abort()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)  # never leave a partial export behind
        if isinstance(exc, OSError):
            raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
        if isinstance(exc, WorkerFailed):  # one line for the admin, not a traceback
            raise ExportError(str(exc)) from exc
        raise
    return result


def _report(progress: Progress | None, name: str, count: int) -> None:
    if progress:
        progress(name, count)


async def _write_rows(
    storage: Storage,
    writer: Writer,
    name: str,
    flt: ExportFilter,
    batch: int,
    progress: Progress | None,
) -> int:
    count = 0
    async for rows in batches(storage, DATASETS[name], flt, batch):
        # Formatting is CPU work (XLSX most of all): off the event loop, so the bot keeps
        # answering other chats during an export. One batch at a time.
        await asyncio.to_thread(writer.write, rows)
        count += len(rows)
        _report(progress, name, count)
    return count


__all__ = [
    "DATASETS",
    "FORMATS",
    "ExportError",
    "ExportFilter",
    "ExportRequest",
    "ExportResult",
    "write_export",
]
