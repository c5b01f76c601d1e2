"""Which databases the storage-touching tests run on, and a fresh database per test.

`--db sqlite|postgresql|both` (or OUTPOST_TEST_DB) chooses; the default is both. PostgreSQL is
`OUTPOST_TEST_PG` (a server URL, as .ci/run gives) or else a throw-away cluster this session
starts from the machine's own binaries; with neither, the PostgreSQL half is skipped and the
summary says so. Each test gets its own database, copied from a template that already holds
the migrated schema (CREATE DATABASE … TEMPLATE: a file copy, not a migration run).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.pg import with_database
from tests import pg_cluster

BACKENDS = ("sqlite", "postgresql")
_counter = itertools.count()


def chosen(config: pytest.Config) -> list[str]:
    value = config.getoption("--db") or os.environ.get("OUTPOST_TEST_DB") or "both"
    return list(BACKENDS) if value == "both" else [value]


class PgServer:
    """A server for this session: its URL, the migrated template, or why there is none."""

    def __init__(self) -> None:
        self.url: str | None = None
        self.skipped_because = ""
        self._own: Path | None = None
        self.template = f"outpost_tmpl_{os.getpid()}"

    def start(self) -> None:
        self.url = os.environ.get("OUTPOST_TEST_PG")
        if not self.url:
            if pg_cluster.find_bin_dir() is None:
                self.skipped_because = "no PostgreSQL server binaries and no OUTPOST_TEST_PG"
                return
            self._own = Path(tempfile.mkdtemp(prefix="outpost-pg-"))
            try:
                self.url = pg_cluster.start(self._own)
            except RuntimeError as exc:
                self.skipped_because = f"could not start PostgreSQL: {exc}"
                return
        self._admin(f'DROP DATABASE IF EXISTS "{self.template}"')
        self._admin(f'CREATE DATABASE "{self.template}"')
        asyncio.run(_migrate(with_database(self.url, self.template)))

    def fresh(self) -> tuple[str, str]:
        assert self.url
        name = f"t{os.getpid()}_{next(_counter)}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return name, with_database(self.url, name)

    def drop(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self.url and not self._own:
            self._admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        if self._own is not None:
            pg_cluster.stop(self._own)
            shutil.rmtree(self._own, ignore_errors=True)

    def _admin(self, sql: str) -> None:
        import psycopg

        assert self.url
        with psycopg.connect(with_database(self.url, "postgres"), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]


async def _migrate(url: str) -> None:
    from storage import Storage

    async with Storage(url):
        pass


@pytest.fixture(scope="session")
def pg_server(request: pytest.FixtureRequest) -> Iterator[PgServer]:
    server = PgServer()
    try:
        if "postgresql" in chosen(request.config):
            server.start()
        request.config.stash[SKIP_NOTE] = server.skipped_because
        yield server
    finally:
        server.stop()


SKIP_NOTE = pytest.StashKey[str]()
