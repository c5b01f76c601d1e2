"""The exceptions that mean "a constraint said no", from either driver."""

from __future__ import annotations

import sqlite3

import psycopg

INTEGRITY_ERRORS: tuple[type[Exception], ...] = (sqlite3.IntegrityError, psycopg.IntegrityError)


def is_unique_violation(exc: BaseException) -> bool:
    if isinstance(exc, psycopg.errors.UniqueViolation):
        return True
    return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)
