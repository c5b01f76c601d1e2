"""A conversation step is applied once (issue 11): each flow state records the update that
advanced it, and a flow that ended records the update that ended it, so an update delivered
again after a crash is recognised instead of answering the next question."""

SQL = """
ALTER TABLE flow_state ADD COLUMN advanced_by INTEGER;
CREATE TABLE flow_endings (
    telegram_id INTEGER PRIMARY KEY,
    update_id INTEGER NOT NULL,
    ended_at REAL NOT NULL
)
"""
