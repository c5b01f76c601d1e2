"""A team's supervisor contact as the organisation's spreadsheet gives it (a phone number
or a name): kept for whoever distributes the invite links, not used to send anything."""

SQL = """
CREATE TABLE team_contacts (
    team_id INTEGER PRIMARY KEY REFERENCES teams(id),
    contact TEXT NOT NULL
)
"""
