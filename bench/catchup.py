"""The start-up catch-up's decision pass at scale: for N teams, what each is owed after an
outage across the 1st at 08:00 and Monday 08:00, given the sent-notice log (half the teams
already had their report and digest). Prints the time of the pass (storage + pure rules; the
sending itself is the fan-out's, see bench/fanout.py) and what it found owed.

    .venv/bin/python bench/catchup.py [--teams 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.catchup import owed_by_team
from bot.clock import FixedClock
from bot.config import Settings
from bot.context import AppContext
from bot.rules.catchup import as_utc
from bot.rules.checkin import Site
from storage import Storage

# Tuesday 1 December 2026, 10:00 in Shanghai: past the 1st 08:00 and Monday 08:00.
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
CREATED = datetime(2026, 6, 1, tzinfo=UTC).timestamp()


async def main(teams: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with Storage(Path(tmp) / "bench.db") as storage:
            for n in range(teams):
                await storage.teams.create(
                    f"Team {n:05d}", "Asia/Shanghai", Site(30.0, 120.0, 300), now=CREATED
                )
            # Every earlier month went out; half the teams got November's report and the
            # digest before the outage.
            sent = [
                ("monthly_compliance", 900_001, f"2026-{month:02d}:{team_id}")
                for team_id in range(1, teams + 1)
                for month in range(6, 11)
            ] + [
                key
                for team_id in range(1, teams + 1, 2)
                for key in (
                    ("monthly_compliance", 900_001, f"2026-11:{team_id}"),
                    ("weekly_digest", 900_001, f"{team_id}:2026-11-23"),
                )
            ]
            await storage.notifications.claim_many(sent, now=0)
            ctx = AppContext(settings=Settings(), storage=storage, clock=FixedClock(NOW))
            started = time.perf_counter()
            created = await storage.teams.created_at()
            owed: Counter[str] = Counter()
            for team in await storage.teams.all():
                for o in await owed_by_team(ctx, team, as_utc(created[team.id]), NOW):
                    owed[o.kind] += 1
            took = time.perf_counter() - started
    print(f"teams: {teams}")
    print(f"decision pass: {took * 1000:.0f} ms ({took / teams * 1e6:.0f} µs per team)")
    print("owed: " + ", ".join(f"{kind} {n}" for kind, n in sorted(owed.items())))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teams", type=int, default=2000)
    asyncio.run(main(parser.parse_args().teams))
