"""Export benchmark: rows/s and peak memory of CSV, JSON Lines and XLSX exports.

    .venv/bin/python bench/export.py [--rows 1000000] [--small 100000] [--formats csv jsonl xlsx]

Builds two databases of generated check-ins (the big one and a tenth of it), then exports
each in a fresh subprocess per format so that every peak RSS (VmHWM) belongs to one export
alone. Exports run as `outpost export` runs them: a big CSV export in worker processes, one a
core (bot/exporting/sql_csv.py); their CPU time and largest peak RSS are shown beside the
exporting process's own (on PostgreSQL, also the server's CPU, when it runs on this
machine; rows/cpu-s then counts both). Bars (issue 5): CSV >= 100,000 rows/s; peak RSS at
the big size <= 1.3 x the small.

With `--db postgresql://…` (a server the bench may create databases on) the same rows are
also copied into scratch PostgreSQL databases (`outpost db copy`'s code) and exported from
there, side by side: CSV by COPY (bar, issue 15: >= 300,000 rows/s, RSS flat).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pg_scratch import scratch_database  # noqa: E402
from storage.chain_hash import register as register_chain_functions  # noqa: E402

TEAMS = 100
PEOPLE = 3000
FIRST_DAY = date(2026, 1, 1)
TZ = ZoneInfo("Asia/Shanghai")


def _create_schema(path: Path) -> None:
    from storage import Storage

    async def run() -> None:
        async with Storage(path):
            pass

    asyncio.run(run())


def _checkins(n: int):  # type: ignore[no-untyped-def]
    rnd = random.Random(5)
    reasons = ("forwarded", "venue", "offline", "accuracy", "recalled")
    for i in range(n):
        person = 10_000 + i % PEOPLE
        team = 1 + person % TEAMS
        day = FIRST_DAY + timedelta(days=(i // PEOPLE) % 365)
        at = datetime(day.year, day.month, day.day, 6, 0, tzinfo=TZ) + timedelta(
            seconds=rnd.randrange(0, 5 * 3600)
        )
        ts = int(at.astimezone(UTC).timestamp())
        accepted = rnd.random() > 0.1
        distance = rnd.uniform(0, 900)
        yield (
            person,
            team,
            person,
            i + 1,
            ts,
            ts + rnd.uniform(0.2, 3.0),
            1.0,
            0,
            day.isoformat(),
            30.1674 + rnd.uniform(-0.01, 0.01),
            120.2589 + rnd.uniform(-0.01, 0.01),
            rnd.uniform(5, 60),
            300,
            distance,
            int(accepted),
            None if accepted else rnd.choice(reasons),
            ("on_site" if distance <= 300 else "out_of_area") if accepted else None,
            rnd.choice(("on_time", "late")) if accepted else None,
            "counts" if accepted else "no_change",
            None if distance <= 300 else "visiting a household 里面",
        )


def generate(path: Path, rows: int) -> float:
    _create_schema(path)
    started = time.perf_counter()
    con = sqlite3.connect(path, isolation_level=None)
    register_chain_functions(con)  # the evidence tables' triggers chain every row
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("BEGIN")
    con.executemany(
        "INSERT INTO teams(id, name, timezone, created_at) VALUES (?, ?, 'Asia/Shanghai', 0)",
        [(t, f"Team {t:03d}") for t in range(1, TEAMS + 1)],
    )
    con.executemany(
        "INSERT INTO sites(team_id, lat, lon, radius_m, updated_at) VALUES (?, 30.1674, 120.2589,"
        " 300, 0)",
        [(t,) for t in range(1, TEAMS + 1)],
    )
    con.executemany(
        "INSERT INTO people(telegram_id, name, unit, created_at) VALUES (?, ?, ?, 0)",
        [(p, f"队员 {p}", f"County Bureau {p % 17}") for p in range(10_000, 10_000 + PEOPLE)],
    )
    con.executemany(
        "INSERT INTO memberships(team_id, telegram_id, role, unit, joined_at)"
        " VALUES (?, ?, 'member', ?, 0)",
        [(1 + p % TEAMS, p, f"County Bureau {p % 17}") for p in range(10_000, 10_000 + PEOPLE)],
    )
    con.execute("COMMIT")
    sql = (
        "INSERT INTO checkins(telegram_id, team_id, chat_id, message_id, message_date,"
        " received_at, delay_s, delayed, local_day, lat, lon, accuracy_m, site_radius_m,"
        " distance_m, accepted, reject_reason, place, timing, effect, out_of_area_reason)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
    )
    source = _checkins(rows)
    while True:
        chunk = [row for _, row in zip(range(200_000), source, strict=False)]
        if not chunk:
            break
        con.execute("BEGIN")
        con.executemany(sql, chunk)
        con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return time.perf_counter() - started


def vm_hwm_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def to_postgres(db: Path, url: str) -> float:
    """Copies a generated SQLite database into an empty PostgreSQL one; seconds taken."""
    from storage import Storage
    from storage.transfer import copy_database

    async def run() -> float:
        async with Storage(db) as src, Storage(url) as dst:
            started = time.perf_counter()
            counts = await copy_database(src.db, dst.db)
            assert all(c.equal for c in counts)
            return time.perf_counter() - started

    took = asyncio.run(run())
    # What a DBA runs after a bulk load (autovacuum would, a minute later, in the middle of
    # the exports): statistics for the planner, and every row's visibility settled once,
    # so that the exports measure reading rows, not the first touch after the load.
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        # The load's dirty pages written out now, not by the checkpointer in the middle of
        # the exports (its CPU would be counted as theirs, and it would take their core).
        conn.execute("CHECKPOINT")
    return took


def seal_all(url: str) -> tuple[float, float]:
    """Renders the stored cells of every check-in (storage/stored_cells.py), as the nightly
    job would have day by day, then settles the updated rows as autovacuum would; seconds
    taken and the server's CPU seconds."""
    import psycopg

    from bot.exporting.datasets import DATASETS
    from storage import Storage
    from storage.exports import ExportFilter
    from storage.stored_cells import seal

    async def run() -> None:
        async with Storage(url) as storage:
            flt = ExportFilter(FIRST_DAY, date(2026, 12, 31), TZ.key)
            await seal(storage.db, DATASETS["checkins"], flt)

    server = server_cpu(url)
    before = server() if server else 0.0
    started = time.perf_counter()
    asyncio.run(run())
    took = time.perf_counter() - started
    time.sleep(1.0)  # the connections are closed: their backends end and are counted
    used = (server() - before) if server else float("nan")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) checkins")
        conn.execute("CHECKPOINT")
    return took, used


def server_cpu(url: str) -> Callable[[], float] | None:
    """CPU seconds used by a local PostgreSQL server's processes, the ended ones included
    (the postmaster's children's times), or None for a server this machine cannot see. An
    export's work on PostgreSQL is mostly there, where the exporting process's times miss it."""
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
        try:  # while the backend lives: its parent is the postmaster
            backend = Path(f"/proc/{row[0] if row else 0}/stat").read_text()
            stat = Path(f"/proc/{backend.rsplit(')', 1)[1].split()[1]}/stat")
            stat.read_text()
        except (OSError, IndexError):
            return None

    def used() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        # utime, stime, cutime, cstime
        return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")

    time.sleep(0.2)  # the probe's own backend has ended and been counted
    return used


def child(db: Path | str, fmt: str, out: Path) -> None:
    """One export in this fresh process; prints a JSON line of what it measured."""
    from bot.exporting import ExportRequest, write_export
    from bot.exporting.sql_csv import workers_for
    from storage import Storage
    from storage.exports import ExportFilter

    async def run() -> dict[str, float]:
        async with Storage(db) as storage:
            request = ExportRequest(
                ("checkins",),
                fmt,
                ExportFilter(date(2026, 1, 1), date(2026, 12, 31), "Asia/Shanghai"),
            )
            workers = workers_for(beside_bot=False)
            started, before = time.perf_counter(), os.times()
            result = await write_export(storage, request, out, workers=workers)
            seconds, after = time.perf_counter() - started, os.times()
            return {
                "rows": result.total_rows,
                "seconds": seconds,
                # CPU seconds of all threads and of the workers: on a shared machine wall
                # time lies, CPU time does not.
                "cpu": sum(after[:4]) - sum(before[:4]),
                "bytes": result.size,
            }

    server = server_cpu(db) if isinstance(db, str) else None
    before = server() if server else 0.0
    measured = asyncio.run(run())
    if server:
        time.sleep(0.3)  # the export's connections are closed: their backends end
        measured["server_cpu"] = server() - before
    measured["peak_rss_kb"] = vm_hwm_kb()
    measured["workers_peak_rss_kb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps(measured))


def measure(db: Path | str, fmt: str, folder: Path) -> dict[str, float]:
    out = folder / f"export-{abs(hash(str(db)))}.{fmt}"
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(db), fmt, str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    out.unlink(missing_ok=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--formats", nargs="+", default=["csv", "jsonl", "xlsx"])
    parser.add_argument("--child", nargs=3, metavar=("DB", "FORMAT", "OUT"))
    parser.add_argument("--db", help="also on PostgreSQL: a postgresql:// server URL")
    args = parser.parse_args()
    if args.child:
        from bot.config import db_target

        child(db_target(args.child[0]), args.child[1], Path(args.child[2]))
        return
    print(f"cpus {os.cpu_count()}, load average {os.getloadavg()[0]:.2f} at start")
    with tempfile.TemporaryDirectory(prefix="outpost-bench-") as tmp, ExitStack() as scratch:
        folder = Path(tmp)
        dbs: dict[tuple[str, int], Path | str] = {}
        unsealed: dict[str, float] | None = None
        for n in (args.small, args.rows):
            db = folder / f"rows{n}.db"
            took = generate(db, n)
            print(f"generated {n:,} check-ins in {took:.1f} s ({n / took:,.0f} rows/s)")
            dbs[("sqlite", n)] = db
            if args.db:
                url = scratch.enter_context(scratch_database(args.db, f"export{n}"))
                took = to_postgres(db, url)
                print(f"copied them to PostgreSQL in {took:.1f} s ({n / took:,.0f} rows/s)")
                if n == args.rows and "csv" in args.formats:
                    unsealed = measure(url, "csv", folder)
                took, seal_cpu = seal_all(url)
                print(
                    f"sealed their cells (the nightly job's work, all days at once) in"
                    f" {took:.1f} s, server CPU {seal_cpu:.1f} s ({n / took:,.0f} rows/s)"
                )
                dbs[("postgresql", n)] = url
        print(
            f"{'db':<11}{'format':<7}{'rows':>11}{'seconds':>9}{'rows/s':>10}{'cpu s':>8}"
            f"{'rows/cpu-s':>12}{'MB':>8}{'peak RSS MB':>13}{'worker RSS MB':>15}"
            f"{'server cpu s':>14}"
        )
        peaks: dict[tuple[str, str], dict[int, float]] = {}
        for fmt in args.formats:
            for (kind, n), source in dbs.items():
                m = measure(source, fmt, folder)
                rate = m["rows"] / m["seconds"]
                peak = m["peak_rss_kb"] / 1024
                peaks.setdefault((kind, fmt), {})[n] = peak
                # On PostgreSQL rows per CPU-second count the server's CPU too.
                cpu = m["cpu"] + m.get("server_cpu", 0.0)
                server = f"{m['server_cpu']:>14.2f}" if "server_cpu" in m else f"{'-':>14}"
                print(
                    f"{kind:<11}{fmt:<7}{int(m['rows']):>11,}{m['seconds']:>9.2f}{rate:>10,.0f}"
                    f"{m['cpu']:>8.2f}{m['rows'] / cpu:>12,.0f}"
                    f"{m['bytes'] / 1e6:>8.1f}{peak:>13.1f}"
                    f"{m['workers_peak_rss_kb'] / 1024:>15.1f}{server}"
                )
        if unsealed:
            m = unsealed
            print(
                f"postgresql csv, before sealing: {m['rows'] / m['seconds']:,.0f} rows/s,"
                f" {m['seconds']:.2f} s, cpu {m['cpu']:.2f} s, server cpu"
                f" {m.get('server_cpu', float('nan')):.2f} s"
            )
        for (kind, fmt), by_n in peaks.items():
            ratio = by_n[args.rows] / by_n[args.small]
            verdict = "ok" if ratio <= 1.3 else "OVER 1.3"
            print(
                f"{kind} {fmt}: peak RSS {by_n[args.rows]:.1f} MB at {args.rows:,} rows vs"
                f" {by_n[args.small]:.1f} MB at {args.small:,}: x{ratio:.2f} ({verdict})"
            )


if __name__ == "__main__":
    main()
