"""The `outpost` command run from a test while the bot runs, on the same database."""

from __future__ import annotations

import asyncio

from bot.cli import main
from tests.world import World


async def run_cli(world: World, *args: str) -> int:
    """Runs in a thread: the command has an event loop of its own, as in a real shell."""
    env = {"OUTPOST_DB": str(world.ctx.settings.db_path), "OUTPOST_TZ": "Asia/Shanghai"}
    return await asyncio.to_thread(main, list(args), env)
