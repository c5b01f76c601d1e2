"""Chaos benchmark: 5,000 members, a burst of 10,000 check-ins and texts, 10 kill -9s.

    .venv/bin/python bench/chaos.py [--members N] [--kills K] [--seed S]

Prints delivered, stored, duplicated rows, lost and repeated confirmations. The bar: lost 0,
duplicated rows 0, repeated confirmations no more than kills x the
confirmation window. Exit status 1 if it is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pg_scratch import scratch_database
from tests.chaos_harness import run_chaos


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--window", type=int, default=30, help="OUTPOST_CONFIRM_WINDOW")
    parser.add_argument("--db", help="run on a scratch database on this postgresql:// server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="outpost-chaos-") as tmp, ExitStack() as stack:
        db = stack.enter_context(scratch_database(args.db, "chaos")) if args.db else None
        report = asyncio.run(
            run_chaos(
                Path(tmp),
                members=args.members,
                kills=args.kills,
                seed=args.seed,
                budget_s=1200,
                window=args.window,
                db=db,
            )
        )
        print(f"database: {'PostgreSQL' if db else 'SQLite'}")
    print("\n".join(report.lines()))
    ok = (
        report.lost == 0
        and report.duplicated_rows == 0
        and report.unconfirmed == 0
        and report.repeated_confirmations <= report.window * report.kills
        and report.integrity == "ok"
    )
    print("bar met" if ok else "BAR MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
