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

# PostgreSQL triggers call a function; the statement it runs is the same upsert.
_PG_MARK = """
CREATE FUNCTION schedule_mark(team BIGINT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO schedule_marks(team_id, version)
    VALUES (team, (SELECT coalesce(max(version), 0) + 1 FROM schedule_marks))
    ON CONFLICT (team_id) DO UPDATE SET version = excluded.version
$$;
CREATE FUNCTION schedule_mark_new_team() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM schedule_mark(NEW.team_id); RETURN NULL; END $$;
CREATE FUNCTION schedule_mark_new_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM schedule_mark(NEW.id); RETURN NULL; END $$;
CREATE FUNCTION schedule_mark_old_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM schedule_mark(OLD.id); RETURN NULL; END $$;
CREATE TRIGGER schedule_mark_insert AFTER INSERT ON schedules
    FOR EACH ROW EXECUTE FUNCTION schedule_mark_new_team();
CREATE TRIGGER schedule_mark_update AFTER UPDATE ON schedules
    FOR EACH ROW EXECUTE FUNCTION schedule_mark_new_team();
CREATE TRIGGER schedule_mark_team AFTER UPDATE OF timezone, archived ON teams
    FOR EACH ROW EXECUTE FUNCTION schedule_mark_new_id();
CREATE TRIGGER schedule_mark_team_gone AFTER DELETE ON teams
    FOR EACH ROW EXECUTE FUNCTION schedule_mark_old_id()
"""

PG_SQL = (
    """
CREATE TABLE schedule_marks (
    team_id BIGINT PRIMARY KEY,
    version BIGINT NOT NULL
);
CREATE INDEX schedule_marks_version ON schedule_marks(version);
"""
    + _PG_MARK
)
