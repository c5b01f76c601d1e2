"""Chaos benchmark: 5,000 members, a burst of 10,000 check-ins and texts, 10 kill -9s.

    .venv/bin/python bench/chaos.py [--members N] [--kills K] [--seed S]
    .venv/bin/python bench/chaos.py --flows [--members N] [--kills K]   # mid-conversation

With --flows, N/2 people join (3 steps) and N/2 members ask for leave (6 steps) while the bot
is killed; the bar: no answer in a wrong field, every join and leave stored as typed, nobody
left inside a flow.

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
from tests.chaos_flows import run_flow_chaos
from tests.chaos_harness import run_chaos


def flows(args: argparse.Namespace) -> int:
    half = max(1, args.members // 2)
    with tempfile.TemporaryDirectory(prefix="outpost-chaos-") as tmp:
        report = asyncio.run(
            run_flow_chaos(
                Path(tmp),
                joiners=half,
                leavers=half,
                kills=args.kills,
                seed=args.seed,
                budget_s=1200,
            )
        )
    print("\n".join(report.lines()))
    ok = (
        not report.wrong_fields
        and report.joined_right == half
        and report.leaves_right == half
        and report.left_in_a_flow == 0
        and report.restarts_ok
    )
    print("bar met" if ok else "BAR MISSED")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--window", type=int, default=30, help="OUTPOST_CONFIRM_WINDOW")
    parser.add_argument("--db", help="run on a scratch database on this postgresql:// server")
    parser.add_argument("--flows", action="store_true", help="kills in mid-conversation")
    args = parser.parse_args()
    if args.flows:
        return flows(args)
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
