"""Exports for people: who may export, the audit row, and packing files for Telegram."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bot.context import AppContext
from bot.exporting import ExportRequest, ExportResult, Progress, write_export
from bot.exporting.sql_csv import workers_for
from bot.rules.team_hours import get_zone
from storage.stored_cells import seal_settled

# Telegram's Bot API accepts uploads up to 50 MB (sendDocument). A module constant so a test
# can lower it.
UPLOAD_LIMIT = 50 * 1000 * 1000


@dataclass(frozen=True)
class Upload:
    path: Path
    part: int
    parts: int


async def seal_settled_checkins(ctx: AppContext) -> int:
    """PostgreSQL: the stored export cells of check-ins on days before the deployment's today
    (storage/stored_cells.py); how many rows were rendered. The nightly job and `db seal`."""
    today = ctx.clock.now().astimezone(get_zone(ctx.settings.timezone)).date()
    return await seal_settled(ctx.storage.db, today, ctx.settings.timezone)


async def run_export(
    ctx: AppContext,
    request: ExportRequest,
    out: Path,
    *,
    actor_id: int | None,
    progress: Progress | None = None,
    beside_bot: bool = True,
) -> ExportResult:
    """Writes the export and its audit row: who exported what, and how many rows.

    `beside_bot`: the bot's own process, which keeps a core for check-ins (sql_csv.py)."""
    workers = workers_for(beside_bot=beside_bot)
    result = await write_export(ctx.storage, request, out, progress=progress, workers=workers)
    f = request.flt
    await ctx.storage.audit.record(
        at=ctx.now_ts(),
        actor_id=actor_id,
        action="export",
        team_id=f.team_id,
        subject=result.path.name,
        after={
            "datasets": list(request.datasets),
            "format": request.fmt,
            "from": f.first_day.isoformat(),
            "to": f.last_day.isoformat(),
            "team_id": f.team_id,
            "member_id": f.member_id,
            "rows": result.rows,
        },
    )
    return result


def for_telegram(path: Path, limit: int | None = None) -> list[Upload]:
    """Files small enough to send as documents.

    A file within the limit goes as it is. A bigger CSV/JSONL is zipped (text compresses
    tenfold); anything still too big is cut into numbered parts `name.zip.001`, `.002`, ...
    which 7-Zip opens directly and `cat`/`copy /b` joins back.
    """
    limit = limit or UPLOAD_LIMIT
    if path.stat().st_size <= limit:
        return [Upload(path, 1, 1)]
    if path.suffix.lower() in (".csv", ".jsonl"):
        zipped = path.with_name(path.name + ".zip")
        with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            zf.write(path, arcname=path.name)
        path = zipped
        if path.stat().st_size <= limit:
            return [Upload(path, 1, 1)]
    parts = []
    with open(path, "rb") as src:
        n = 0
        while chunk := src.read(limit):
            n += 1
            part = path.with_name(f"{path.name}.{n:03d}")
            part.write_bytes(chunk)
            parts.append(part)
    return [Upload(p, i, len(parts)) for i, p in enumerate(parts, start=1)]


def month_range(today: date, months_back: int = 0) -> tuple[date, date]:
    """The first and last day of this month (0) or of the month before (1)."""
    first = today.replace(day=1)
    for _ in range(months_back):
        first = (first - timedelta(days=1)).replace(day=1)
    next_first = (first + timedelta(days=32)).replace(day=1)
    return first, next_first - timedelta(days=1)
