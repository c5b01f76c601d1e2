"""Teams, sites, schedules, policy, people, invites, check-ins, live tracks, audit, flow state.

Instants are UTC epoch seconds; `local_day` is the team-local date (YYYY-MM-DD) the rules
assigned, stored so that a later timezone change cannot move history.
"""

SQL = """
CREATE TABLE teams (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    timezone TEXT NOT NULL,
    created_at REAL NOT NULL,
    archived INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE sites (
    team_id INTEGER PRIMARY KEY REFERENCES teams(id) ON DELETE CASCADE,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    radius_m INTEGER NOT NULL CHECK (radius_m BETWEEN 50 AND 3000),
    entered_datum TEXT NOT NULL DEFAULT 'wgs84',
    entered_lat REAL,
    entered_lon REAL,
    updated_at REAL NOT NULL
);
CREATE TABLE schedules (
    team_id INTEGER PRIMARY KEY REFERENCES teams(id) ON DELETE CASCADE,
    opens TEXT NOT NULL DEFAULT '05:30',
    on_time TEXT NOT NULL DEFAULT '07:30',
    grace_minutes INTEGER NOT NULL DEFAULT 10,
    cutoff TEXT NOT NULL DEFAULT '12:00',
    evening_enabled INTEGER NOT NULL DEFAULT 0,
    evening_start TEXT NOT NULL DEFAULT '20:00',
    evening_end TEXT NOT NULL DEFAULT '23:59',
    workdays TEXT NOT NULL DEFAULT '0123456',
    require_live INTEGER NOT NULL DEFAULT 0,
    reminder_lead_minutes INTEGER NOT NULL DEFAULT 30
);
CREATE TABLE holidays (
    team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    PRIMARY KEY (team_id, day)
);
CREATE TABLE policies (
    team_id INTEGER PRIMARY KEY REFERENCES teams(id) ON DELETE CASCADE,
    min_days INTEGER NOT NULL DEFAULT 22,
    min_nights INTEGER NOT NULL DEFAULT 15,
    excellent_absence_limit INTEGER NOT NULL DEFAULT 2,
    competent_absence_limit INTEGER NOT NULL DEFAULT 3,
    second_approval_after_days INTEGER NOT NULL DEFAULT 5,
    refill_days INTEGER NOT NULL DEFAULT 7
);
CREATE TABLE people (
    telegram_id INTEGER PRIMARY KEY,
    name TEXT,
    unit TEXT,
    username TEXT,
    language TEXT,
    is_admin INTEGER NOT NULL DEFAULT 0,
    unreachable INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE TABLE memberships (
    id INTEGER PRIMARY KEY,
    team_id INTEGER NOT NULL REFERENCES teams(id),
    telegram_id INTEGER NOT NULL REFERENCES people(telegram_id),
    role TEXT NOT NULL CHECK (role IN ('member', 'supervisor')),
    state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'recalled', 'left')),
    unit TEXT,
    invite_code TEXT,
    joined_at REAL NOT NULL,
    UNIQUE (team_id, telegram_id)
);
CREATE INDEX memberships_person ON memberships(telegram_id);
CREATE TABLE invites (
    code TEXT PRIMARY KEY,
    team_id INTEGER NOT NULL REFERENCES teams(id),
    role TEXT NOT NULL CHECK (role IN ('member', 'supervisor')),
    created_by INTEGER,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    revoked_at REAL,
    uses INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE checkins (
    id INTEGER PRIMARY KEY,
    telegram_id INTEGER NOT NULL,
    team_id INTEGER,
    chat_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    update_id INTEGER,
    kind TEXT NOT NULL DEFAULT 'morning',
    message_date INTEGER NOT NULL,
    received_at REAL NOT NULL,
    delay_s REAL NOT NULL,
    delayed INTEGER NOT NULL,
    local_day TEXT NOT NULL,
    lat REAL,
    lon REAL,
    accuracy_m REAL,
    live_period INTEGER,
    is_live INTEGER NOT NULL DEFAULT 0,
    is_forwarded INTEGER NOT NULL DEFAULT 0,
    is_venue INTEGER NOT NULL DEFAULT 0,
    is_from_offline INTEGER NOT NULL DEFAULT 0,
    site_lat REAL,
    site_lon REAL,
    site_radius_m INTEGER,
    distance_m REAL,
    accepted INTEGER NOT NULL,
    reject_reason TEXT,
    place TEXT,
    timing TEXT,
    effect TEXT NOT NULL DEFAULT 'no_change',
    out_of_area_reason TEXT,
    UNIQUE (chat_id, message_id)
);
CREATE INDEX checkins_team_day ON checkins(team_id, local_day);
CREATE INDEX checkins_person_day ON checkins(telegram_id, local_day);
CREATE TABLE attendance_days (
    telegram_id INTEGER NOT NULL,
    team_id INTEGER NOT NULL,
    local_day TEXT NOT NULL,
    place TEXT NOT NULL,
    timing TEXT NOT NULL,
    checkin_id INTEGER REFERENCES checkins(id),
    first_checkin_id INTEGER REFERENCES checkins(id),
    updated_at REAL NOT NULL,
    PRIMARY KEY (telegram_id, team_id, local_day)
);
CREATE INDEX attendance_team_day ON attendance_days(team_id, local_day);
CREATE TABLE live_points (
    id INTEGER PRIMARY KEY,
    checkin_id INTEGER NOT NULL REFERENCES checkins(id),
    at INTEGER NOT NULL,
    received_at REAL NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    accuracy_m REAL,
    distance_m REAL,
    UNIQUE (checkin_id, at, lat, lon)
);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    actor_id INTEGER,
    action TEXT NOT NULL,
    team_id INTEGER,
    subject TEXT,
    before TEXT,
    after TEXT
);
CREATE INDEX audit_at ON audit(at);
CREATE TABLE flow_state (
    telegram_id INTEGER PRIMARY KEY,
    flow TEXT NOT NULL,
    step TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}',
    updated_at REAL NOT NULL
)
"""
