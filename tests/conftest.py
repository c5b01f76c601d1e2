"""Fixtures: a fresh database per test, an injected clock, and the real bot against the
project's Bot API emulator over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import build_application, polling
from bot.clock import FixedClock
from bot.config import Settings
from bot.context import AppContext
from bot.emulator import BotApiEmulator
from bot.emulator.schema import Schema
from storage import Storage
from tests.world import World

SCHEMA_PATH = Path(__file__).parent / "data" / "bot_api_subset.json"
SHANGHAI = ZoneInfo("Asia/Shanghai")
TOKEN = "123456:TEST-token"
ADMIN_ID = 900001


@pytest.fixture
def clock() -> FixedClock:
    # A Wednesday morning in Shanghai, before the 07:30 deadline.
    return FixedClock(datetime(2026, 11, 25, 7, 0, tzinfo=SHANGHAI))


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    async with Storage(tmp_path / "outpost.db") as s:
        yield s


@pytest.fixture
def schema() -> Schema:
    return Schema.load(SCHEMA_PATH)


@pytest.fixture
async def emu(schema: Schema, clock: FixedClock) -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(
        schema=schema, clock=lambda: clock.now().timestamp(), token=TOKEN
    ) as e:
        yield e
        # Every request the bot made named a real method with real parameters.
        e.assert_no_violations()


@pytest.fixture
def settings(tmp_path: Path, emu: BotApiEmulator) -> Settings:
    return Settings(
        token=TOKEN,
        api_base_url=emu.base_url,
        db_path=tmp_path / "outpost.db",
        media_dir=tmp_path / "media",
        admins=frozenset({ADMIN_ID}),
        timezone="Asia/Shanghai",
        rate_limit_per_s=1000,
    )


@pytest.fixture
async def world(settings: Settings, emu: BotApiEmulator, clock: FixedClock) -> AsyncIterator[World]:
    app = build_application(settings, clock=clock)
    async with polling(app, poll_timeout=1):
        ctx: AppContext = app.bot_data["outpost"]
        yield World(emu=emu, app=app, ctx=ctx, clock=clock, admin_id=ADMIN_ID)
