"""A context, a team and people for the flow tests (bot/flows/*): storage on a fresh temp
database, no Telegram."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.access import Actor, load_actor
from bot.clock import FixedClock
from bot.config import Settings
from bot.context import AppContext
from bot.rules.checkin import Site
from bot.rules.team_hours import Schedule
from storage import Storage
from storage.models import FlowState, Team
from tests import compliance_seed as seed

SITE = Site(30.1674, 120.2589, 300)
ADMIN = 1
MEMBER = 7
SUPERVISOR = 8
# Thursday 2026-12-03, 10:00 in Shanghai; the team works Monday to Friday.
NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


async def context_with_team(storage: Storage) -> tuple[AppContext, Team]:
    ctx = AppContext(
        settings=Settings(admins=frozenset({ADMIN})), storage=storage, clock=FixedClock(NOW)
    )
    team = await storage.teams.create(
        "North", "Asia/Shanghai", SITE, now=0.0, schedule=Schedule(workdays=frozenset(range(5)))
    )
    await seed.member(storage, team.id, MEMBER, "Mia")
    await seed.member(storage, team.id, SUPERVISOR, "Sam", role="supervisor")
    return ctx, team


async def actor(ctx: AppContext, user_id: int) -> Actor:
    return await load_actor(ctx, user_id, None)


async def state_of(ctx: AppContext, user_id: int) -> FlowState | None:
    return await ctx.storage.flows.get(user_id)
