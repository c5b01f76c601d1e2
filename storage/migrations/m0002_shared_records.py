"""Tables several flows share: diaries, requests (leave and make-up), roll calls, the log of
sent notifications, recalls, and processed updates. Laid down together so that the diary,
scheduling, administration and resilience work can build on one agreed shape; each flow adds
its own later steps for anything only it needs."""

SQL = """
CREATE TABLE diary_entries (
    id INTEGER PRIMARY KEY,
    telegram_id INTEGER NOT NULL,
    team_id INTEGER NOT NULL REFERENCES teams(id),
    local_day TEXT NOT NULL,
    chat_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('text', 'photo', 'voice')),
    text TEXT,
    file_id TEXT,
    file_unique_id TEXT,
    file_size INTEGER,
    file_sha256 TEXT,
    media_path TEXT,
    duration_s INTEGER,
    message_date INTEGER NOT NULL,
    created_at REAL NOT NULL,
    edited_at REAL,
    deleted INTEGER NOT NULL DEFAULT 0,
    UNIQUE (chat_id, message_id)
);
CREATE INDEX diary_team_day ON diary_entries(team_id, local_day);
CREATE INDEX diary_person_day ON diary_entries(telegram_id, local_day);
CREATE TABLE diary_history (
    id INTEGER PRIMARY KEY,
    entry_id INTEGER NOT NULL REFERENCES diary_entries(id),
    text TEXT,
    replaced_at REAL NOT NULL
);
CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('leave', 'makeup')),
    telegram_id INTEGER NOT NULL,
    team_id INTEGER NOT NULL REFERENCES teams(id),
    leave_type TEXT CHECK (leave_type IN ('personal', 'sick', 'official', 'training', 'other')),
    first_day TEXT NOT NULL,
    last_day TEXT NOT NULL,
    days INTEGER NOT NULL,
    reason TEXT NOT NULL,
    retroactive INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'awaiting_admin', 'approved', 'rejected', 'cancelled')),
    created_at REAL NOT NULL,
    decided_by INTEGER,
    decided_at REAL,
    decision_reason TEXT,
    admin_decided_by INTEGER,
    admin_decided_at REAL,
    ended_early_on TEXT,
    reminded_at REAL,
    escalated_at REAL
);
CREATE INDEX requests_team_state ON requests(team_id, state);
CREATE INDEX requests_person ON requests(telegram_id, first_day);
CREATE TABLE request_messages (
    request_id INTEGER NOT NULL REFERENCES requests(id),
    chat_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    audience TEXT NOT NULL CHECK (audience IN ('supervisor', 'admin', 'member')),
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX request_messages_request ON request_messages(request_id);
CREATE TABLE rollcalls (
    id INTEGER PRIMARY KEY,
    team_id INTEGER NOT NULL REFERENCES teams(id),
    target_id INTEGER,
    started_by INTEGER,
    random_draw INTEGER NOT NULL DEFAULT 0,
    started_at REAL NOT NULL,
    deadline REAL NOT NULL,
    closed_at REAL
);
CREATE TABLE rollcall_targets (
    rollcall_id INTEGER NOT NULL REFERENCES rollcalls(id),
    telegram_id INTEGER NOT NULL,
    team_id INTEGER NOT NULL,
    local_day TEXT NOT NULL,
    outcome TEXT CHECK (outcome IN ('present', 'out_of_area', 'no_answer')),
    answered_at REAL,
    chat_id INTEGER,
    message_id INTEGER,
    lat REAL,
    lon REAL,
    distance_m REAL,
    PRIMARY KEY (rollcall_id, telegram_id)
);
CREATE INDEX rollcall_targets_person ON rollcall_targets(telegram_id, local_day);
CREATE TABLE notifications (
    kind TEXT NOT NULL,
    telegram_id INTEGER NOT NULL,
    ref TEXT NOT NULL,
    sent_at REAL NOT NULL,
    PRIMARY KEY (kind, telegram_id, ref)
);
CREATE TABLE recalls (
    id INTEGER PRIMARY KEY,
    telegram_id INTEGER NOT NULL,
    team_id INTEGER NOT NULL REFERENCES teams(id),
    unit TEXT,
    reason TEXT NOT NULL,
    recalled_by INTEGER,
    recalled_at REAL NOT NULL,
    vacancy_closed_at REAL,
    closed_by INTEGER,
    last_reminded_at REAL
);
CREATE INDEX recalls_open ON recalls(team_id, vacancy_closed_at);
CREATE TABLE processed_updates (
    update_id INTEGER PRIMARY KEY,
    handled_at REAL NOT NULL
)
"""
