"""A member's day is found by its whole key on every check-in, whichever index the planner
picks. `attendance_team_day` (team, day) led PostgreSQL's prepared plan for "this member's
day" to scan every row of the team's day and filter by member: harmless at 07:00, one row
per member already checked in by 07:25, so a burst grew quadratically (1.2 ms a check-in at
2,000 members). With the member as its last column the index answers the whole key, and
still serves "the team's day" as before."""

SQL = """
DROP INDEX attendance_team_day;
CREATE INDEX attendance_team_day ON attendance_days(team_id, local_day, telegram_id)
"""
