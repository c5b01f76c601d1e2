"""Fixtures: a fresh database per test, an injected clock, and the real bot against the
project's Bot API emulator over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
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
from tests.backends import SKIP_NOTE, PgServer, chosen, pg_server
from tests.world import World

__all__ = ["pg_server"]  # a session fixture defined in tests/backends.py

SCHEMA_PATH = Path(__file__).parent / "data" / "bot_api_subset.json"
SHANGHAI = ZoneInfo("Asia/Shanghai")
TOKEN = "123456:TEST-token"
ADMIN_ID = 900001


@pytest.fixture
def clock() -> FixedClock:
    # A Wednesday morning in Shanghai, before the 07:30 deadline.
    return FixedClock(datetime(2026, 11, 25, 7, 0, tzinfo=SHANGHAI))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=("sqlite", "postgresql", "both"),
        default=None,
        help="database(s) for storage-touching tests (default: OUTPOST_TEST_DB or both)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Every test that touches storage (through `db_target`, `storage`, `settings`, `world`)
    # runs once per chosen database.
    if "db_target" in metafunc.fixturenames:
        backends = chosen(metafunc.config)
        metafunc.parametrize("db_target", backends, indirect=True, ids=backends)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    note = terminalreporter.config.stash.get(SKIP_NOTE, "")
    if note:
        terminalreporter.write_line(
            f"PostgreSQL half SKIPPED ({note}): only SQLite was tested.", yellow=True, bold=True
        )


@pytest.fixture
def db_target(
    request: pytest.FixtureRequest, tmp_path: Path, pg_server: PgServer
) -> Iterator[Path | str]:
    """A fresh, migrated database for this test: a SQLite file or a PostgreSQL URL."""
    if request.param == "sqlite":
        yield tmp_path / "outpost.db"
        return
    if not pg_server.url:
        pytest.skip(f"PostgreSQL half skipped: {pg_server.skipped_because}")
    name, url = pg_server.fresh()
    yield url
    pg_server.drop(name)


@pytest.fixture
async def storage(db_target: Path | str) -> AsyncIterator[Storage]:
    async with Storage(db_target) as s:
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
def settings(tmp_path: Path, emu: BotApiEmulator, db_target: Path | str) -> Settings:
    return Settings(
        token=TOKEN,
        api_base_url=emu.base_url,
        db_path=db_target,
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
