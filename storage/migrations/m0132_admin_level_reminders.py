"""Requests waiting for an admin's second approval are reminded once after 24 h, like the
first level (issue 13): when that reminder went out."""

SQL = """
ALTER TABLE requests ADD COLUMN admin_reminded_at REAL
"""
