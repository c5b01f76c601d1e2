"""Persistence. The only package that contains SQL; everything else talks to `Storage`.

`Storage` and `Database` load on first use: a CSV export's worker processes import only the
renderer (storage/csv_chunks.py), and start in a third of the time without asyncio,
the database drivers and every repository.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storage.db import Database
    from storage.facade import Storage

__all__ = ["Database", "Storage"]


def __getattr__(name: str) -> Any:
    if name == "Storage":
        from storage.facade import Storage

        return Storage
    if name == "Database":
        from storage.db import Database

        return Database
    raise AttributeError(f"module 'storage' has no attribute {name!r}")
