"""Spoof signals (SPEC §6): what a rule raised on which fix, with the inputs that raised it,
and who cleared it with what reason. Thresholds are per team, in its policy."""

SQL = """
CREATE TABLE spoof_signals (
    id INTEGER PRIMARY KEY,
    telegram_id INTEGER NOT NULL,
    team_id INTEGER NOT NULL REFERENCES teams(id),
    local_day TEXT NOT NULL,
    signal TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('checkin', 'rollcall', 'live')),
    ref_id INTEGER NOT NULL,
    inputs TEXT NOT NULL,
    raised_at REAL NOT NULL,
    cleared_at REAL,
    cleared_by INTEGER,
    clear_reason TEXT,
    UNIQUE (source, ref_id, signal)
);
CREATE INDEX spoof_team_day ON spoof_signals(team_id, local_day);
CREATE INDEX spoof_person_day ON spoof_signals(telegram_id, local_day);
ALTER TABLE policies ADD COLUMN spoof_max_speed_kmh REAL NOT NULL DEFAULT 150;
ALTER TABLE policies ADD COLUMN spoof_frozen_m REAL NOT NULL DEFAULT 1;
ALTER TABLE policies ADD COLUMN spoof_repeat_days INTEGER NOT NULL DEFAULT 3;
ALTER TABLE policies ADD COLUMN spoof_edge_band REAL NOT NULL DEFAULT 0.15;
ALTER TABLE policies ADD COLUMN spoof_edge_days INTEGER NOT NULL DEFAULT 4;
ALTER TABLE policies ADD COLUMN spoof_static_live_s INTEGER NOT NULL DEFAULT 600
"""
