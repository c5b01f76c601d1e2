"""Schedule change marks: every write that can move a team's scheduled work (its schedule,
timezone, archiving, creation, deletion) stamps the team with the next version number, by
trigger, whichever process or code path made it. The scheduler's periodic sync then reads
only the teams stamped since its last look (one indexed query when nothing changed)
instead of re-reading every team."""

_MARK = (
    "INSERT OR REPLACE INTO schedule_marks(team_id, version)"
    " VALUES ({ref}, (SELECT coalesce(max(version), 0) + 1 FROM schedule_marks)); END"
)

SQL = f"""
CREATE TABLE schedule_marks (
    team_id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL
);
CREATE INDEX schedule_marks_version ON schedule_marks(version);
CREATE TRIGGER schedule_mark_insert AFTER INSERT ON schedules
BEGIN {_MARK.format(ref="NEW.team_id")};
CREATE TRIGGER schedule_mark_update AFTER UPDATE ON schedules
BEGIN {_MARK.format(ref="NEW.team_id")};
CREATE TRIGGER schedule_mark_team AFTER UPDATE OF timezone, archived ON teams
BEGIN {_MARK.format(ref="NEW.id")};
CREATE TRIGGER schedule_mark_team_gone AFTER DELETE ON teams BEGIN {_MARK.format(ref="OLD.id")}
"""
