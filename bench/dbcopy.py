"""`outpost db copy` at scale: a year of a 5,000-member prefecture, SQLite → PostgreSQL.

    .venv/bin/python bench/dbcopy.py --db postgresql://… [--members 5000] [--days 365]

Generates a year of check-ins, day records, diaries, handled updates, notices, leave and
audit rows (about 2 million rows over all tables at the defaults) in a SQLite file, copies it
into a scratch database on the given PostgreSQL server with the code `outpost db copy` runs,
prints rows/s and the per-table counts, then copies it back into an empty SQLite file
(the way home) and compares again.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pg_scratch import scratch_database  # noqa: E402
from storage import Storage  # noqa: E402
from storage.chain_hash import register  # noqa: E402
from storage.transfer import copy_database, summary  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
TEAM_SIZE = 25


async def _migrate(path: Path) -> None:
    async with Storage(path):
        pass


def generate(path: Path, members: int, days: int) -> int:
    asyncio.run(_migrate(path))
    rnd = random.Random(15)
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA synchronous=OFF")
    register(con)  # the evidence tables' hash-chain triggers hash every row, as in production
    con.execute("BEGIN")
    teams = range(1, members // TEAM_SIZE + 1)
    people = range(100_000, 100_000 + members)
    con.executemany(
        "INSERT INTO teams(id, name, timezone, created_at) VALUES (?, ?, 'Asia/Shanghai', 0)",
        [(t, f"Village {t:04d}") for t in teams],
    )
    for table in ("policies", "schedules"):
        con.executemany(f"INSERT INTO {table}(team_id) VALUES (?)", [(t,) for t in teams])
    con.executemany(
        "INSERT INTO sites(team_id, lat, lon, radius_m, updated_at)"
        " VALUES (?, 30.1674, 120.2589, 300, 0)",
        [(t,) for t in teams],
    )
    con.executemany(
        "INSERT INTO people(telegram_id, name, unit, created_at) VALUES (?, ?, ?, 0)",
        [(p, f"队员 {p}", f"Bureau {p % 17}") for p in people],
    )
    con.executemany(
        "INSERT INTO memberships(team_id, telegram_id, role, joined_at) VALUES (?, ?, 'member', 0)",
        [(1 + (p - 100_000) // TEAM_SIZE, p) for p in people],
    )
    update_id = 0
    first = date(2026, 1, 1)
    for d in range(days):
        day = first + timedelta(days=d)
        if day.weekday() == 6:
            continue
        iso = day.isoformat()
        morning = datetime(day.year, day.month, day.day, 7, 0, tzinfo=TZ).astimezone(UTC)
        checkins, attendance, updates, notices, diaries = [], [], [], [], []
        for p in people:
            team = 1 + (p - 100_000) // TEAM_SIZE
            if rnd.random() < 0.05:
                continue  # absent
            update_id += 1
            at = morning.timestamp() + rnd.uniform(-1800, 2400)
            late = at > morning.timestamp() + 1800
            cid = update_id
            checkins.append(
                (cid, p, team, p, update_id, update_id, "morning", int(at), at + 0.4, 0.4, 0,
                 iso, 30.1674 + rnd.uniform(-0.002, 0.002), 120.2589, rnd.uniform(5, 40), 1,
                 "on_site", "late" if late else "on_time", "counts")
            )  # fmt: skip
            attendance.append(
                (p, team, iso, "on_site", "late" if late else "on_time", cid, cid, at)
            )
            updates.append((update_id, at))
            notices.append(("checkin_reminder", p, iso, morning.timestamp() - 1800))
            if rnd.random() < 0.1:
                diaries.append(
                    (p, team, p, update_id, "text", "今天走访了三户", iso, int(at), at + 36000)
                )
        con.executemany(
            "INSERT INTO checkins(id, telegram_id, team_id, chat_id, message_id, update_id,"
            " kind, message_date, received_at, delay_s, delayed, local_day, lat, lon,"
            " accuracy_m, accepted, place, timing, effect)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            checkins,
        )
        con.executemany(
            "INSERT INTO attendance_days(telegram_id, team_id, local_day, place, timing,"
            " checkin_id, first_checkin_id, updated_at) VALUES (?,?,?,?,?,?,?,?)",
            attendance,
        )
        con.executemany(
            "INSERT INTO processed_updates(update_id, handled_at) VALUES (?, ?)", updates
        )
        con.executemany(
            "INSERT INTO notifications(kind, telegram_id, ref, sent_at) VALUES (?, ?, ?, ?)",
            notices[: len(notices) // 4],  # reminders go only to those not yet checked in
        )
        con.executemany(
            "INSERT INTO diary_entries(telegram_id, team_id, chat_id, message_id, kind, text,"
            " local_day, message_date, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
            diaries,
        )
    con.execute("COMMIT")
    total = 0
    for (name,) in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall():
        total += con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
    con.close()
    return total


async def copy(source: Path | str, target: Path | str) -> tuple[bool, list[str], float, int]:
    async with Storage(source) as src, Storage(target) as dst:
        started = time.perf_counter()
        result = await copy_database(src.db, dst.db)
        seconds = time.perf_counter() - started
    ok, lines = summary(result)
    return ok, lines, seconds, sum(c.source for c in result)


def _rate(way: str, rows: int, seconds: float, ok: bool) -> str:
    return (
        f"{way}: {rows:,} rows in {seconds:.1f} s ({rows / seconds:,.0f} rows/s);"
        f" counts equal: {'yes' if ok else 'NO'}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="postgresql:// server for a scratch database")
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="outpost-dbcopy-") as tmp:
        source = Path(tmp) / "year.db"
        started = time.perf_counter()
        rows = generate(source, args.members, args.days)
        print(f"generated {rows:,} rows in {time.perf_counter() - started:.1f} s (SQLite)")
        all_ok = True
        with scratch_database(args.db, "dbcopy") as url:
            ok, lines, seconds, copied = asyncio.run(copy(source, url))
            print("\n".join(lines))
            print(_rate("SQLite -> PostgreSQL", copied, seconds, ok))
            all_ok = all_ok and ok
            back = Path(tmp) / "back.db"
            ok, _lines, seconds, copied = asyncio.run(copy(url, back))
            print(_rate("PostgreSQL -> SQLite", copied, seconds, ok))
            all_ok = all_ok and ok
    return 0 if all_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
