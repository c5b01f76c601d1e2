"""Invites: an optional use limit (supervisor links default to one use), and role changes
asked through a link, which wait for an admin's confirmation instead of taking effect."""

SQL = """
ALTER TABLE invites ADD COLUMN max_uses INTEGER;
CREATE TABLE role_changes (
    id INTEGER PRIMARY KEY,
    telegram_id INTEGER NOT NULL REFERENCES people(telegram_id),
    team_id INTEGER NOT NULL REFERENCES teams(id),
    from_role TEXT NOT NULL,
    to_role TEXT NOT NULL CHECK (to_role IN ('member', 'supervisor')),
    invite_code TEXT NOT NULL,
    asked_at REAL NOT NULL,
    decided_by INTEGER,
    decided_at REAL,
    approved INTEGER
);
CREATE INDEX role_changes_pending ON role_changes(telegram_id, team_id, decided_at)
"""
