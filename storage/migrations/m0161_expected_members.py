"""Expected members: the people an organisation's list says will be stationed at a team
(`outpost member import`), matched to a Telegram account when they join by invite."""

SQL = """
CREATE TABLE expected_members (
    id INTEGER PRIMARY KEY,
    team_id INTEGER NOT NULL REFERENCES teams(id),
    name TEXT NOT NULL COLLATE NOCASE,
    unit TEXT NOT NULL DEFAULT '',
    telegram_id INTEGER REFERENCES people(telegram_id),
    matched_at REAL,
    created_at REAL NOT NULL,
    UNIQUE (team_id, name)
);
CREATE INDEX expected_members_person ON expected_members(telegram_id)
"""
