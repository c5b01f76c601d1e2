"""What differs between SQLite and PostgreSQL, one small module per concern:

- placeholders.py: `?`/`:name` to psycopg's format, and lastrowid via RETURNING id;
- functions.py: SQL functions spelled differently (group_concat, day arithmetic);
- locking.py: how write transactions begin, one migrator at a time;
- ddl.py: migration DDL types and collations;
- copy_csv.py: CSV exports (SQLite-rendered lines vs. COPY … TO STDOUT).

Everything else (ON CONFLICT, RETURNING, coalesce, CAST, lower, …) is written once in the
repositories in the subset both databases understand.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from storage.dialects import functions, locking


def is_postgres(target: str | Path) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


@dataclass(frozen=True)
class Dialect:
    postgres: bool

    @property
    def name(self) -> str:
        return "postgresql" if self.postgres else "sqlite"

    def group_concat(self, expr: str, sep: str = ",", distinct: bool = False) -> str:
        return functions.group_concat(self.postgres, expr, sep, distinct)

    def contains(self, haystack: str, needle: str) -> str:
        return functions.contains(self.postgres, haystack, needle)

    def day_before(self, day: str) -> str:
        return functions.day_before(self.postgres, day)

    @property
    def begin(self) -> str:
        return locking.begin(self.postgres)

    @property
    def skip_locked(self) -> str:
        return locking.skip_locked(self.postgres)


SQLITE = Dialect(postgres=False)
POSTGRES = Dialect(postgres=True)


def dialect_for(target: str | Path) -> Dialect:
    return POSTGRES if is_postgres(target) else SQLITE
