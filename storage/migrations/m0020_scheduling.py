"""Scheduling: planned random roll calls (kept so a restart still fires them, yet written to
the audit only once they fire), and an index to read "who already got this" per notice."""

SQL = """
CREATE TABLE rollcall_plans (
    id INTEGER PRIMARY KEY,
    week TEXT NOT NULL,
    team_id INTEGER NOT NULL REFERENCES teams(id),
    at REAL NOT NULL,
    fired_at REAL,
    rollcall_id INTEGER REFERENCES rollcalls(id),
    UNIQUE (week, team_id)
);
CREATE INDEX rollcall_plans_due ON rollcall_plans(fired_at, at);
CREATE INDEX notifications_ref ON notifications(kind, ref);
CREATE INDEX rollcalls_open ON rollcalls(closed_at)
"""
