"""Persistence. The only package that contains SQL; everything else talks to `Storage`."""

from storage.db import Database
from storage.facade import Storage

__all__ = ["Database", "Storage"]
