"""`outpost db copy --from SRC --to DST`: move a deployment between SQLite and PostgreSQL.
`outpost db seal`: render settled check-ins' export cells now (storage/stored_cells.py).

SRC and DST are each a SQLite file path or a `postgresql://` URL. Stop the bot first (or
copy from a backup): rows written to SRC during the copy are not carried over.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from bot.cli import CliError, Command
from bot.config import db_target
from bot.context import AppContext
from bot.services.export import seal_settled_checkins
from storage import Storage
from storage.chain_verify import verify
from storage.transfer import TransferError, copy_database, summary


def add_parsers(sub: Any) -> None:
    db = sub.add_parser("db", help="database operations").add_subparsers(
        dest="action", required=True
    )
    copy = db.add_parser(
        "copy", help="copy a whole deployment into an empty database (SQLite <-> PostgreSQL)"
    )
    copy.add_argument(
        "--from", dest="source", required=True, help="SQLite path or postgresql:// URL"
    )
    copy.add_argument("--to", dest="target", required=True, help="SQLite path or postgresql:// URL")
    db.add_parser(
        "seal",
        help="PostgreSQL: render settled check-ins' export cells now (the nightly job's work)",
    )


class ProgressBar:
    """One line per table on stderr, redrawn in place on a terminal (ten times a second)."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stderr
        self.tty = self.out.isatty()
        self.last = 0.0

    def __call__(self, table: str, done: int, total: int) -> None:
        finished = done >= total
        now = time.monotonic()
        if not finished and (not self.tty or now - self.last < 0.1):
            return
        self.last = now
        width = 30
        filled = width if total == 0 else width * done // total
        line = f"{table:<26} [{'#' * filled}{'.' * (width - filled)}] {done:>11,}/{total:,}"
        if self.tty:
            self.out.write("\r" + line + ("\n" if finished else ""))
        elif finished:
            self.out.write(line + "\n")
        self.out.flush()


async def cmd_db_copy(args: argparse.Namespace) -> int:
    source, target = db_target(args.source), db_target(args.target)
    if isinstance(source, Path) and not source.exists():
        raise CliError(f"no database at {source}")
    if str(source) == str(target):
        raise CliError("--from and --to are the same database")
    started = time.monotonic()
    try:
        async with Storage(source) as src, Storage(target) as dst:
            result = await copy_database(src.db, dst.db, on_progress=ProgressBar())
    except TransferError as exc:
        raise CliError(str(exc)) from exc
    except Exception as exc:  # a driver's refusal (connection, permissions): one line
        raise CliError(f"copy failed: {type(exc).__name__}: {exc}") from exc
    seconds = time.monotonic() - started
    ok, lines = summary(result)
    print("\n".join(lines))
    rows = sum(c.source for c in result)
    print(f"{rows:,} rows in {seconds:.1f} s ({rows / max(seconds, 1e-9):,.0f} rows/s)")
    if not ok:
        print("outpost: row counts differ (see above)", file=sys.stderr)
        return 1
    print("row counts equal in every table")
    report = await asyncio.to_thread(verify, target)
    if not report.ok:
        print(f"outpost: the audit chains do not verify on the target: {report.first}")
        return 1
    print(f"audit chains verified on the target: {report.chains} chains, {report.links:,} links")
    if isinstance(target, str):
        print(
            "CSV exports render every check-in until the bot's first night on it;"
            " `outpost db seal` (with OUTPOST_DB set to it) renders the settled ones now"
        )
    return 0


async def cmd_db_seal(ctx: AppContext, args: argparse.Namespace) -> int:
    if not ctx.storage.db.dialect.postgres:
        print("nothing to do: only PostgreSQL exports read stored cells")
        return 0
    started = time.monotonic()
    sealed = await seal_settled_checkins(ctx)
    seconds = time.monotonic() - started
    print(f"rendered the export cells of {sealed:,} settled check-ins in {seconds:.1f} s")
    return 0


COMMANDS: dict[tuple[str, str | None], Command] = {("db", "seal"): cmd_db_seal}
