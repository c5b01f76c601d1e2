"""Roll calls that overlap for one member share her one question and answer, and a member
recalled during a roll call leaves it (issue 13): a target row may point at the roll call
whose answer it shares, or be withdrawn. Neither kind ever counts as an absence."""

SQL = """
ALTER TABLE rollcall_targets ADD COLUMN shares_rollcall_id INTEGER REFERENCES rollcalls(id);
ALTER TABLE rollcall_targets ADD COLUMN withdrawn_at REAL
"""
