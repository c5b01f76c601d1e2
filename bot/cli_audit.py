"""`outpost audit verify|anchor` (the hash chains) and `outpost team spoof` (a team's spoof
signal thresholds): evidence from the console (SPEC §6)."""

from __future__ import annotations

import argparse
import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from bot.cli import CliError
from bot.context import AppContext
from bot.rules.spoof import SpoofThresholds
from storage.chain_verify import SHOWN, Problem, VerifyReport, verify
from storage.stored_cells import STORED_CHECKINS, mismatches

HASH = re.compile(r"^[0-9a-fA-F]{64}$")


def _hash(value: str) -> str:
    if not HASH.match(value.strip()):
        raise argparse.ArgumentTypeError(f"{value!r} is not a 64-digit hex hash")
    return value.strip().lower()


def add_parsers(audit: Any) -> None:
    """Under `outpost audit`, which alone still lists the trail."""
    sub = audit.add_subparsers(dest="action", required=False)
    check = sub.add_parser("verify", help="walk every hash chain; name the first tampered row")
    check.add_argument(
        "--anchor", type=_hash, help="a head hash kept outside: prove nothing before it changed"
    )
    check.add_argument("--workers", type=int, help="worker processes (default: by size)")
    sub.add_parser("anchor", help="seal every chain's head and print the hash to keep outside")


def add_team_parser(team: Any) -> None:
    """Under `outpost team`."""
    spoof = team.add_parser("spoof", help="a team's thresholds for spoof signals")
    spoof.add_argument("team", help="team name or id")
    spoof.add_argument("--max-speed", type=float, help="km/h between two fixes (default 150)")
    spoof.add_argument("--frozen-m", type=float, help="metres: the same fix replayed (1)")
    spoof.add_argument("--repeat-days", type=int, help="days with the same accuracy (3)")
    spoof.add_argument("--edge-band", type=float, help="outer fraction of the radius (0.15)")
    spoof.add_argument("--edge-days", type=int, help="days at the edge in a week (4)")
    spoof.add_argument("--static-live-min", type=int, help="minutes a live location may not move")


async def cmd_team_spoof(ctx: AppContext, args: argparse.Namespace) -> int:
    team = await ctx.storage.teams.find(args.team)
    if team is None:
        raise CliError(f"no team {args.team!r} (see outpost team list)")
    now = team.policy.spoof
    wanted = {
        "max_speed_kmh": args.max_speed,
        "frozen_m": args.frozen_m,
        "repeat_days": args.repeat_days,
        "edge_band": args.edge_band,
        "edge_days": args.edge_days,
        "static_live_s": None if args.static_live_min is None else args.static_live_min * 60,
    }
    th = replace(now, **{k: v for k, v in wanted.items() if v is not None})
    problem = threshold_problem(th)
    if problem:
        raise CliError(f"cannot set {team.name}'s spoof thresholds: {problem}")
    if th != now:
        await ctx.storage.spoof.set_thresholds(team.id, th, actor_id=None, at=ctx.now_ts())
    print(
        f"team {team.id} {team.name}: max speed {th.max_speed_kmh:g} km/h, frozen within"
        f" {th.frozen_m:g} m, same accuracy on {th.repeat_days} days, edge band"
        f" {th.edge_band:g} of the radius on {th.edge_days} of {th.edge_window_days} days,"
        f" live still for {th.static_live_s // 60} min"
    )
    return 0


def threshold_problem(th: SpoofThresholds) -> str | None:
    if not 10 <= th.max_speed_kmh <= 2000:
        return "--max-speed must be 10..2000 km/h"
    if not 0 < th.frozen_m <= 50:
        return "--frozen-m must be above 0 and at most 50"
    if not 2 <= th.repeat_days <= 31:
        return "--repeat-days must be 2..31"
    if not 0 < th.edge_band < 1:
        return "--edge-band must be between 0 and 1"
    if not 1 <= th.edge_days <= th.edge_window_days:
        return f"--edge-days must be 1..{th.edge_window_days}"
    if not 60 <= th.static_live_s <= 86_400:
        return "--static-live-min must be 1..1440"
    return None


async def cmd_verify(ctx: AppContext, args: argparse.Namespace) -> int:
    report = await asyncio.to_thread(
        verify, ctx.storage.db.target, anchor=args.anchor, workers=args.workers
    )
    # Stored export cells (PostgreSQL) are not chained: checked against their rows instead,
    # so that an export cannot show what the chain does not hold.
    for row_id in await mismatches(ctx.storage.db, STORED_CHECKINS, ctx.settings.timezone):
        detail = f"checkins row {row_id}: its stored export cells are not what the row holds"
        report.problems.append(Problem("", 0, "changed", "checkins", row_id, detail))
    print(render(report, args.anchor))
    return 0 if report.ok else 1


def render(report: VerifyReport, anchor: str | None = None) -> str:
    checked = report.links + report.rows
    rate = checked / report.seconds if report.seconds else 0.0
    lines = [
        f"checked {report.links:,} links in {report.chains} chains and {report.rows:,} rows"
        f" in {report.seconds:.2f} s ({rate:,.0f} rows/s, {report.workers} workers)"
    ]
    if anchor is not None and report.anchor_found:
        lines.append(f"anchor {anchor[:16]}… found")
    first = report.first
    if first is None:
        note = ": nothing before the anchor changed" if anchor else ""
        lines.append(f"OK: no row changed, removed or inserted{note}")
        return "\n".join(lines)
    lines.append(f"TAMPERED: first {first.describe()}")
    rest = [p for p in report.problems if p is not first]
    for problem in rest[:SHOWN]:
        lines.append(f"  also {problem.describe()}")
    if len(rest) > SHOWN:
        lines.append(f"  … and {len(rest) - SHOWN:,} more")
    return "\n".join(lines)


async def cmd_anchor(ctx: AppContext, args: argparse.Namespace) -> int:
    head = await ctx.storage.chain.anchor(at=ctx.now_ts())
    print(head)
    return 0


COMMANDS: dict[
    tuple[str, str | None], Callable[[AppContext, argparse.Namespace], Awaitable[int]]
] = {
    ("audit", "verify"): cmd_verify,
    ("audit", "anchor"): cmd_anchor,
    ("team", "spoof"): cmd_team_spoof,
}
