"""Policy defaults for new teams (issue 13): `outpost policy set` writes the one row; teams
created afterwards start from it. Existing teams keep their own policy rows."""

SQL = """
CREATE TABLE policy_defaults (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    min_days INTEGER NOT NULL,
    min_nights INTEGER NOT NULL,
    excellent_absence_limit INTEGER NOT NULL,
    competent_absence_limit INTEGER NOT NULL,
    second_approval_after_days INTEGER NOT NULL,
    refill_days INTEGER NOT NULL
)
"""
