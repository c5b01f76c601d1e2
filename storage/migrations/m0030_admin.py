"""Indexes for administration: exports over every team by day range, the audit by action,
and open vacancies across teams."""

SQL = """
CREATE INDEX IF NOT EXISTS checkins_day ON checkins(local_day);
CREATE INDEX IF NOT EXISTS diary_day ON diary_entries(local_day);
CREATE INDEX IF NOT EXISTS rollcall_targets_day ON rollcall_targets(local_day);
CREATE INDEX IF NOT EXISTS audit_action ON audit(action, at);
CREATE INDEX IF NOT EXISTS recalls_vacancy ON recalls(vacancy_closed_at, recalled_at)
"""
