"""Indexes for loading a whole month across every team at once (monthly compliance): the
existing indexes lead with team_id, which suits one team but not "all teams, this month"."""

SQL = """
CREATE INDEX attendance_day ON attendance_days(local_day);
CREATE INDEX checkins_evening_day ON checkins(local_day) WHERE kind = 'evening' AND accepted = 1;
CREATE INDEX diary_day ON diary_entries(local_day);
CREATE INDEX rollcall_targets_day ON rollcall_targets(local_day)
"""
