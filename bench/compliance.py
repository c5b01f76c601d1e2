"""Monthly compliance at scale: 5,000 members × 31 days of generated check-ins, evening
checks, diaries, leave and roll calls; prints the time to compute the month (load from
storage + the pure computation, every team at once) and to write its XLSX; then the
admins' digest workbook (an overview and a sheet per team: 200 sheets at the defaults,
--team-size 2 for 2,500), its time, size and the memory its writing took (tracemalloc peak).

Bar (issue 4): compute under 3 s, XLSX under 15 s.

    .venv/bin/python bench/compliance.py [--members 5000] [--team-size 25]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.clock import FixedClock
from bot.config import Settings
from bot.context import AppContext
from bot.reports.compliance_xlsx import write_digest_workbook, write_workbook
from bot.rules.checkin import Site
from bot.rules.team_hours import Schedule, month_days
from bot.services.compliance import month_report
from storage import Storage

YEAR, MONTH = 2026, 12
LEAVE_TYPES = ("personal", "sick", "official", "training", "other")


async def generate(storage: Storage, members: int, team_size: int, rng: random.Random) -> None:
    days = [d.isoformat() for d in month_days(YEAR, MONTH)]
    n_teams = -(-members // team_size)
    for n in range(n_teams):
        # Half the teams run the evening check, so nights are computed too.
        schedule = Schedule(evening_enabled=n % 2 == 0, holidays=frozenset({date(2026, 12, 25)}))
        await storage.teams.create(
            f"Team {n:04d}", "Asia/Shanghai", Site(30.0, 120.0, 300), now=0.0, schedule=schedule
        )
    people, memberships, attendance, checkins, diaries, leaves, targets = ([] for _ in range(7))
    message_id = 0
    for i in range(members):
        tid, team_id = 10_000 + i, 1 + i // team_size
        people.append((tid, f"Member {i:05d}", "Bureau"))
        memberships.append((team_id, tid, "member", "active", "Bureau", 0))
        for day in days:
            roll = rng.random()
            if roll < 0.06:
                continue  # no check-in
            place = "out_of_area" if roll < 0.1 else "on_site"
            timing = rng.choice(("on_time",) * 8 + ("late", "missed"))
            attendance.append((tid, team_id, day, place, timing, 0))
            message_id += 1
            if team_id % 2 == 1 and place == "on_site":  # team ids start at 1: odd = evening on
                checkins.append((tid, team_id, tid, message_id, day, 1, "on_site", "on_time"))
            if rng.random() < 0.8:
                diaries.append((tid, team_id, day, tid, message_id, "x"))
        if rng.random() < 0.15:
            first = rng.randrange(-5, 28)
            start = date(YEAR, MONTH, 1).toordinal() + first
            length = rng.randrange(1, 9)
            leaves.append(
                (
                    tid,
                    team_id,
                    rng.choice(LEAVE_TYPES),
                    date.fromordinal(start).isoformat(),
                    date.fromordinal(start + length - 1).isoformat(),
                    length,
                )
            )
        if rng.random() < 0.2:
            targets.append((tid, team_id, f"2026-{rng.randrange(1, 13):02d}-10"))
    async with storage.db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO people(telegram_id, name, unit, created_at) VALUES (?, ?, ?, 0)", people
        )
        await conn.executemany(
            "INSERT INTO memberships(team_id, telegram_id, role, state, unit, joined_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            memberships,
        )
        await conn.executemany(
            "INSERT INTO attendance_days(telegram_id, team_id, local_day, place, timing,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            attendance,
        )
    async with storage.db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO checkins(telegram_id, team_id, chat_id, message_id, kind, message_date,"
            " received_at, delay_s, delayed, local_day, accepted, place, timing)"
            " VALUES (?, ?, ?, ?, 'evening', 0, 0, 0, 0, ?, ?, ?, ?)",
            checkins,
        )
        await conn.executemany(
            "INSERT INTO diary_entries(telegram_id, team_id, local_day, chat_id, message_id,"
            " kind, text, message_date, created_at) VALUES (?, ?, ?, ?, ?, 'text', ?, 0, 0)",
            diaries,
        )
        await conn.executemany(
            "INSERT INTO requests(kind, telegram_id, team_id, leave_type, first_day, last_day,"
            " days, reason, state, created_at) VALUES ('leave', ?, ?, ?, ?, ?, ?, 'r',"
            " 'approved', 0)",
            leaves,
        )
        for tid, team_id, day in targets:
            cur = await conn.execute(
                "INSERT INTO rollcalls(team_id, started_at, deadline) VALUES (?, 0, 0)", (team_id,)
            )
            await conn.execute(
                "INSERT INTO rollcall_targets(rollcall_id, telegram_id, team_id, local_day,"
                " outcome) VALUES (?, ?, ?, ?, 'no_answer')",
                (cur.lastrowid, tid, team_id, day),
            )
        await conn.execute("ANALYZE")
    print(
        f"generated {members} members in {n_teams} teams: {len(attendance)} attendance days,"
        f" {len(checkins)} evening checks, {len(diaries)} diary entries, {len(leaves)} leaves,"
        f" {len(targets)} roll-call absences"
    )


async def main(members: int, team_size: int) -> None:
    rng = random.Random(20261201)
    with tempfile.TemporaryDirectory() as tmp:
        async with Storage(Path(tmp) / "bench.db") as storage:
            t0 = time.perf_counter()
            await generate(storage, members, team_size, rng)
            print(f"generate: {time.perf_counter() - t0:.2f} s")
            clock = FixedClock(datetime(2027, 1, 1, 1, 0, tzinfo=UTC))
            ctx = AppContext(settings=Settings(), storage=storage, clock=clock)
            t0 = time.perf_counter()
            months = await month_report(ctx, YEAR, MONTH)
            compute_s = time.perf_counter() - t0
            n = sum(len(tm.members) for tm in months)
            meets = sum(1 for tm in months for m in tm.members if m.verdict.value == "meets")
            print(
                f"compute month (load + compute, {len(months)} teams, {n} members,"
                f" {meets} meet the policy): {compute_s:.2f} s (bar 3 s)"
            )
            out = Path(tmp) / "compliance.xlsx"
            t0 = time.perf_counter()
            write_workbook(months, out, "en")
            xlsx_s = time.perf_counter() - t0
            size_mb = out.stat().st_size / 1e6
            print(f"write XLSX ({size_mb:.1f} MB, 2 sheets): {xlsx_s:.2f} s (bar 15 s)")
            digest = Path(tmp) / "digest.xlsx"
            t0 = time.perf_counter()
            write_digest_workbook(months, digest, "zh")
            digest_s = time.perf_counter() - t0
            tracemalloc.start()  # a second time, traced: tracing slows it several times over
            write_digest_workbook(months, digest, "zh")
            peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
            print(
                f"write digest XLSX ({digest.stat().st_size / 1e6:.1f} MB, {len(months) + 1}"
                f" sheets): {digest_s:.2f} s, peak {peak_mb:.1f} MB allocated while writing"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--team-size", type=int, default=25)
    args = parser.parse_args()
    asyncio.run(main(args.members, args.team_size))
