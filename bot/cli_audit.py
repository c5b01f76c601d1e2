"""`outpost audit verify|anchor`: the hash chains seen from the console (SPEC §6)."""

from __future__ import annotations

import argparse
import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

from bot.context import AppContext
from storage.chain_verify import SHOWN, VerifyReport, verify

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


async def cmd_verify(ctx: AppContext, args: argparse.Namespace) -> int:
    report = await asyncio.to_thread(
        verify, ctx.storage.db.path, anchor=args.anchor, workers=args.workers
    )
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
}
