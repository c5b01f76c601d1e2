"""Serving every team due at one slot: the unit a scheduler slot job calls.

Member notices for all the slot's teams go out as one fan-out (bot/services/reminders.py
`send_member_notices`); supervisor summaries and digests are per team, run a batch of teams
at a time so that round trips overlap under the rate limiter instead of queueing behind one
another. Each team's result comes back, so a caller can retry just the teams that failed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from telegram import Bot

from bot.context import AppContext
from bot.rules.reminders import MEMBER_KINDS, Kind
from bot.rules.slots import MONTHLY_COMPLIANCE
from bot.services import reminders, summary
from bot.services.compliance import send_monthly_compliance
from bot.services.fanout import FanoutResult

log = logging.getLogger(__name__)

TeamWork = Callable[[AppContext, Bot, int, datetime], Awaitable[FanoutResult]]

# Teams whose supervisor notices are prepared and sent concurrently.
TEAM_BATCH = 32

PER_TEAM: dict[str, TeamWork] = {
    Kind.SUMMARY.value: summary.send_supervisor_summaries,
    Kind.WEEKLY_DIGEST.value: summary.send_weekly_digest,
}


async def run_slot(
    ctx: AppContext, bot: Bot, kind: str, team_ids: Sequence[int], now: datetime
) -> dict[int, FanoutResult]:
    """Does `kind`'s work for every team in `team_ids` as of `now`; each team's outcome."""
    if kind in {k.value for k in MEMBER_KINDS}:
        return await reminders.send_member_notices(ctx, bot, team_ids, Kind(kind), now)
    if kind == MONTHLY_COMPLIANCE:
        # Claims per recipient and month in storage; a failed one is released for next time.
        await send_monthly_compliance(ctx, bot, team_ids=team_ids)
        return {}
    per_team = PER_TEAM[kind]
    results: dict[int, FanoutResult] = {}
    if kind == Kind.SUMMARY.value:
        # Teams without a supervisor: their summaries reach each admin as one message.
        alone = await ctx.storage.teams.without_supervisor(team_ids)
        if alone:
            shared = await _isolated_many(ctx, bot, sorted(alone), now)
            results.update(dict.fromkeys(alone, shared))
            team_ids = [t for t in team_ids if t not in alone]
    for i in range(0, len(team_ids), TEAM_BATCH):
        batch = team_ids[i : i + TEAM_BATCH]
        outcomes = await asyncio.gather(*(_isolated(per_team, ctx, bot, t, now) for t in batch))
        results.update(zip(batch, outcomes, strict=True))
    return results


async def _isolated(
    work: TeamWork, ctx: AppContext, bot: Bot, team_id: int, now: datetime
) -> FanoutResult:
    # One team's fault must not cost every other team at the same slot its notice; it is
    # reported as failed, so the slot's retry tries it again.
    try:
        return await work(ctx, bot, team_id, now)
    except Exception:
        log.exception("scheduled work for team %s failed", team_id)
        return FanoutResult(failed=[team_id])


async def _isolated_many(
    ctx: AppContext, bot: Bot, team_ids: list[int], now: datetime
) -> FanoutResult:
    try:
        return await summary.send_admin_summaries(ctx, bot, team_ids, now)
    except Exception:
        log.exception("summaries of teams without a supervisor %s failed", team_ids)
        return FanoutResult(failed=list(team_ids))


def failed_teams(results: dict[int, FanoutResult]) -> list[int]:
    """Teams with a transient failure, whose un-logged notices a retry would send."""
    return sorted(team_id for team_id, result in results.items() if result.failed)
