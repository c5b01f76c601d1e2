"""A flow step and "its update was handled" commit together (issue 11, a step is applied once).

The transaction that stores a conversation step also records its update here, unfinished:
the step's replies are sent after that commit, so the update is not yet wholly handled. The
poller marks it finished once every handler is done (bot/updates.py). Rows recorded before
this step were all written after handling, hence finished."""

SQL = """
ALTER TABLE processed_updates ADD COLUMN finished INTEGER NOT NULL DEFAULT 1
"""
