"""Moving a deployment SQLite → PostgreSQL → SQLite without losing a row, and PostgreSQL
backups with pg_dump that restore."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bot.cli import main
from bot.services.backup import pg_tool
from storage import Storage
from storage.chain_verify import verify
from storage.dialects.bulk import select_all
from storage.pg import with_database
from storage.transfer import TransferError, copy_database
from tests.backends import PgServer
from tests.export_data import populate

pytestmark = pytest.mark.usefixtures("pg_server")


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    if not pg_server.url:
        pytest.skip(f"PostgreSQL half skipped: {pg_server.skipped_because}")
    name, url = pg_server.fresh()
    yield url
    pg_server.drop(name)


def _empty_pg(pg_server: PgServer, name: str) -> str:
    assert pg_server.url
    with psycopg.connect(with_database(pg_server.url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')  # type: ignore[arg-type]
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    return with_database(pg_server.url, name)


async def _contents(storage: Storage, tables: list[str]) -> dict[str, list[object]]:
    out: dict[str, list[object]] = {}
    for table in tables:
        rows = await storage.db.fetchall(select_all(storage.db.dialect.postgres, table))
        out[table] = sorted((sorted(dict(r).items()) for r in rows), key=repr)
    return out


async def test_sqlite_to_postgresql_and_back_keeps_every_row(tmp_path: Path, pg_url: str) -> None:
    from storage.transfer import tables_in_order

    async with Storage(tmp_path / "live.db") as live:
        await populate(live)
        await live.people.ensure(99, now=5.0, username="new")
        tables = await tables_in_order(live.db)
        before = await _contents(live, tables)
        async with Storage(pg_url) as pg:
            counts = await copy_database(live.db, pg.db)
            assert all(c.equal for c in counts) and sum(c.source for c in counts) > 50
            assert await _contents(pg, tables) == before  # rows, not only counts
            # The hash chains came along intact: PostgreSQL recomputes the same hashes.
            assert (await asyncio.to_thread(verify, pg_url)).ok
            # The planner has statistics at once (reltuples is -1 until a table is analyzed).
            stats = await pg.db.fetchone(
                "SELECT reltuples FROM pg_class WHERE relname = 'checkins'", ()
            )
            assert stats is not None and stats[0] > 0
            # The identity sequences moved past the copied ids: the bot keeps inserting.
            team = await pg.teams.create("After the move", "Asia/Shanghai", _site(), now=9.0)
            assert team.id > max(dict(r)["id"] for r in before["teams"])  # type: ignore[call-overload]
            # A second copy into a database that holds rows is refused.
            with pytest.raises(TransferError, match="not empty"):
                await copy_database(live.db, pg.db)
            async with Storage(tmp_path / "back.db") as back:
                await copy_database(pg.db, back.db)
                again = await _contents(back, tables)
    assert again["checkins"] == before["checkins"]
    assert again["rollcall_targets"] == before["rollcall_targets"]  # rowids kept
    assert verify(tmp_path / "back.db").ok
    assert again["schedule_marks"] == (await _pg_marks(pg_url))
    assert len(again["teams"]) == len(before["teams"]) + 1


async def _pg_marks(url: str) -> list[object]:
    async with Storage(url) as pg:
        return (await _contents(pg, ["schedule_marks"]))["schedule_marks"]


def _site():  # type: ignore[no-untyped-def]
    from bot.rules.checkin import Site

    return Site(30.0, 120.0, 300)


def test_db_copy_command_prints_equal_counts(
    tmp_path: Path, pg_server: PgServer, capsys: pytest.CaptureFixture[str]
) -> None:
    if not pg_server.url:
        pytest.skip(f"PostgreSQL half skipped: {pg_server.skipped_because}")

    async def seed() -> None:
        async with Storage(tmp_path / "o.db") as s:
            await populate(s)

    asyncio.run(seed())
    target = _empty_pg(pg_server, "copy_cli_target")
    env = {"OUTPOST_TZ": "Asia/Shanghai"}
    assert main(["db", "copy", "--from", str(tmp_path / "o.db"), "--to", target], env=env) == 0
    out = capsys.readouterr().out
    assert "row counts equal in every table" in out and "checkins" in out
    assert "`outpost db seal`" in out
    # The move's last step: settled check-ins rendered for exports now, not at night.
    assert main(["db", "seal"], env={**env, "OUTPOST_DB": target}) == 0
    out = capsys.readouterr().out
    assert "rendered the export cells of" in out and " 0 settled" not in out
    assert main(["db", "seal"], env={**env, "OUTPOST_DB": target}) == 0
    assert "of 0 settled check-ins" in capsys.readouterr().out
    assert main(["db", "seal"], env={**env, "OUTPOST_DB": str(tmp_path / "o.db")}) == 0
    assert "nothing to do" in capsys.readouterr().out
    # Run again: the target now holds rows, and the operator is told so in one line.
    assert main(["db", "copy", "--from", str(tmp_path / "o.db"), "--to", target], env=env) == 2
    err = capsys.readouterr().err
    assert "not empty" in err and "Traceback" not in err
    assert main(["db", "copy", "--from", str(tmp_path / "nope.db"), "--to", target], env=env) == 2


def test_postgresql_backup_is_a_dump_that_restores(
    tmp_path: Path, pg_server: PgServer, capsys: pytest.CaptureFixture[str]
) -> None:
    if not pg_server.url:
        pytest.skip(f"PostgreSQL half skipped: {pg_server.skipped_because}")
    live = _empty_pg(pg_server, "backup_live")

    async def seed() -> int:
        async with Storage(live) as s:
            await populate(s)
            row = await s.db.fetchone("SELECT count(*) FROM checkins")
            return int(row[0])

    checkins = asyncio.run(seed())
    folder = tmp_path / "backups"
    folder.mkdir()
    env = {"OUTPOST_DB": live, "OUTPOST_TZ": "Asia/Shanghai"}
    assert main(["backup", str(folder)], env=env) == 0
    out = capsys.readouterr().out
    assert "integrity ok" in out and "pg_restore" in out
    (dump,) = folder.iterdir()
    assert dump.suffix == ".dump"
    restored = _empty_pg(pg_server, "backup_restored")
    subprocess.run(
        [pg_tool("pg_restore"), "--no-owner", f"--dbname={restored}", str(dump)], check=True
    )
    with psycopg.connect(restored) as conn:
        row = conn.execute("SELECT count(*) FROM checkins").fetchone()
        assert row is not None and row[0] == checkins
