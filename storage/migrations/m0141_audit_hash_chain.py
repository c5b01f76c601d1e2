"""Tamper-evident evidence (SPEC §6): check-ins, leave decisions (requests), roll-call results,
recalls, audit rows and spoof signals each join a hash chain, one per team plus `system` for
rows with no team. Triggers write the link in the same transaction as the row, so no write
path (grouped check-ins included) can forget it, and a row changed with the triggers dropped
is caught by `outpost audit verify`.

A row is chained at insert and again at every update (a request's decision, a roll-call
target's outcome): each link seals the row's content at that moment and verify compares a
row with its latest link. `chain_heads` holds one row per chain, moved first by the next
link inside the writer's transaction: on a server database (PostgreSQL, several workers) a
writer locks only its own team's head, so teams never wait on each other and two writers of
one team take turns instead of forking the chain.

Canonical content is the JSON array `[table, row id, sealed columns...]` as SQLite's
`json_array` writes it (compact, UTF-8, the same escapes as Python's json), with each REAL
column as an integer count of billionths (`CAST(x * 1e9 AS INTEGER)`): integers and text
print the same on every SQLite and in Python, while float printing has changed between
SQLite releases and must never turn an upgrade into a false alarm. Hashing is two functions
every writing connection registers (storage/chain_hash.py): `chain_sha(text)` and
`chain_link(prev, content)`. The column lists below are frozen with this step: a column
added later is not sealed until a new step re-creates these triggers.
"""

from __future__ import annotations

GENESIS = "0" * 64

# table -> (row id expression, sealed columns in canonical order); REAL columns are listed
# again in REALS.
CHAINED: dict[str, tuple[str, tuple[str, ...]]] = {
    "checkins": (
        "id",
        (
            "telegram_id",
            "team_id",
            "chat_id",
            "message_id",
            "update_id",
            "kind",
            "message_date",
            "received_at",
            "delay_s",
            "delayed",
            "local_day",
            "lat",
            "lon",
            "accuracy_m",
            "live_period",
            "is_live",
            "is_forwarded",
            "is_venue",
            "is_from_offline",
            "site_lat",
            "site_lon",
            "site_radius_m",
            "distance_m",
            "accepted",
            "reject_reason",
            "place",
            "timing",
            "effect",
            "out_of_area_reason",
        ),
    ),
    "requests": (
        "id",
        (
            "kind",
            "telegram_id",
            "team_id",
            "leave_type",
            "first_day",
            "last_day",
            "days",
            "reason",
            "retroactive",
            "state",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_reason",
            "admin_decided_by",
            "admin_decided_at",
            "ended_early_on",
        ),
    ),
    "rollcall_targets": (
        "rowid",
        (
            "rollcall_id",
            "telegram_id",
            "team_id",
            "local_day",
            "outcome",
            "answered_at",
            "chat_id",
            "message_id",
            "lat",
            "lon",
            "distance_m",
        ),
    ),
    "recalls": (
        "id",
        (
            "telegram_id",
            "team_id",
            "unit",
            "reason",
            "recalled_by",
            "recalled_at",
            "vacancy_closed_at",
            "closed_by",
        ),
    ),
    "audit": ("id", ("at", "actor_id", "action", "team_id", "subject", "before", "after")),
    "spoof_signals": (
        "id",
        (
            "telegram_id",
            "team_id",
            "local_day",
            "signal",
            "source",
            "ref_id",
            "inputs",
            "raised_at",
            "cleared_at",
            "cleared_by",
            "clear_reason",
        ),
    ),
    # An anchor: every chain's head at one moment, itself on the system chain.
    "chain_checkpoints": ("id", ("at", "heads")),
}


REALS: dict[str, frozenset[str]] = {
    "checkins": frozenset(
        {"received_at", "delay_s", "lat", "lon", "accuracy_m", "site_lat", "site_lon", "distance_m"}
    ),
    "requests": frozenset({"created_at", "decided_at", "admin_decided_at"}),
    "rollcall_targets": frozenset({"answered_at", "lat", "lon", "distance_m"}),
    "recalls": frozenset({"recalled_at", "vacancy_closed_at"}),
    "audit": frozenset({"at"}),
    "spoof_signals": frozenset({"raised_at", "cleared_at"}),
    "chain_checkpoints": frozenset({"at"}),
}
SCALE = 1_000_000_000


def content_sql(table: str, prefix: str = "") -> str:
    """The canonical JSON of a row in SQL; `prefix` is "new." inside a trigger."""
    rid, columns = CHAINED[table]
    values = [
        f"CAST({prefix}{c} * {SCALE} AS INTEGER)" if c in REALS[table] else f"{prefix}{c}"
        for c in columns
    ]
    return f"json_array('{table}', {prefix}{rid}, {', '.join(values)})"


def chain_of(table: str) -> str:
    """SQL for the chain a new row joins: its team's, or the system chain."""
    if table == "chain_checkpoints":
        return "'system'"
    return "CASE WHEN new.team_id IS NULL THEN 'system' ELSE 'team:' || new.team_id END"


def _trigger(table: str, event: str) -> str:
    rid, _ = CHAINED[table]
    chain = chain_of(table)
    # One line per statement: the migration runner splits steps on ";\n".
    # The head moves first: on a server database that UPDATE takes the chain's row lock
    # before anything is read from it, so two writers of one team queue there (and only
    # there) and never both build on the same head.
    return (
        f"CREATE TRIGGER chain_{table}_{event.lower()} AFTER {event} ON {table} BEGIN "
        "INSERT OR IGNORE INTO chain_heads(chain, seq, hash, prev, content)"
        f" VALUES ({chain}, 0, '{GENESIS}', '', ''); "
        # One UPDATE (FROM: the content is hashed once); its right-hand sides see the old
        # head, so `prev` is the old hash and `hash` links from it.
        "UPDATE chain_heads SET seq = seq + 1, prev = hash, content = x.c,"
        f" hash = chain_link(hash, x.c) FROM (SELECT chain_sha({content_sql(table, 'new.')})"
        f" AS c) x WHERE chain = {chain}; "
        "INSERT INTO chain_links(chain, seq, source, row_id, content_hash, prev_hash, hash)"
        f" SELECT chain, seq, '{table}', new.{rid}, content, prev, hash FROM chain_heads"
        f" WHERE chain = {chain}; "
        "END"
    )


_TABLES = """
CREATE TABLE chain_heads (
    chain TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    -- the last link's inputs, while its transaction builds it
    prev TEXT NOT NULL,
    content TEXT NOT NULL
);
CREATE TABLE chain_links (
    chain TEXT NOT NULL,
    seq INTEGER NOT NULL,
    source TEXT NOT NULL,
    row_id INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (chain, seq)
) WITHOUT ROWID;
CREATE INDEX chain_links_row ON chain_links(source, row_id, chain, seq, content_hash);
CREATE TABLE chain_checkpoints (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    heads TEXT NOT NULL
)"""

# Rows written before this step join the chains now, in id order: updating a row to itself
# fires its update trigger.
_BACKFILL = ";\n".join(f"UPDATE {table} SET {rid} = {rid}" for table, (rid, _) in CHAINED.items())

SQL = ";\n".join(
    [
        _TABLES,
        *(_trigger(table, event) for table in CHAINED for event in ("INSERT", "UPDATE")),
        _BACKFILL,
    ]
)


# PostgreSQL: the same chains and the same hashes, from plpgsql triggers. The canonical text
# is built value by value (`to_json` escapes a string exactly as Python's json and SQLite's
# json_array do: `"`, `\`, the control characters) and joined with bare commas, as
# json_array writes; SHA-256 is the server's own. Rows of rollcall_targets have no rowid in
# PostgreSQL: a `rowid` identity column gives them one, so the SQL that names it runs on both.
def pg_content_sql(table: str, prefix: str = "") -> str:
    rid, columns = CHAINED[table]
    values = [f"'\"{table}\"'", f"{prefix}{rid}::text"] + [
        f"coalesce(({_pg_scaled(prefix + c)})::text, 'null')"
        if c in REALS[table]
        else f"coalesce(to_json({prefix}{c})::text, 'null')"
        for c in columns
    ]
    return "'[' || " + " || ',' || ".join(values) + " || ']'"


def _pg_scaled(x: str) -> str:
    # As SQLite's CAST: truncated toward zero, saturated at the int64 range (an infinite
    # coordinate is refused by the rules but still stored, and still chained).
    return (
        f"CASE WHEN {x} * {SCALE} >= 9223372036854775807 THEN 9223372036854775807"
        f" WHEN {x} * {SCALE} <= -9223372036854775808 THEN -9223372036854775808"
        f" ELSE trunc({x} * {SCALE})::bigint END"
    )


def _pg_sha(text: str) -> str:
    return f"encode(sha256(convert_to({text}, 'UTF8')), 'hex')"


def _pg_trigger(table: str) -> str:
    """Row trigger: the link, built from the chain's last link under the head's row lock.
    Statement trigger: the head moved once per statement to the last link. PostgreSQL keeps
    every version of a row updated within one transaction, so moving the head per row would
    make a transaction of n chained rows cost n squared; links are only ever inserted."""
    rid, _ = CHAINED[table]
    chain = chain_of(table).replace("new.", "NEW.")
    head_chain = chain_of(table).replace("new.", "n.")
    return f"""CREATE FUNCTION chain_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ch text := {chain}; c text := {_pg_sha(pg_content_sql(table, "NEW."))};
    last_seq bigint; last_hash text;
BEGIN
    INSERT INTO chain_heads(chain, seq, hash, prev, content)
    VALUES (ch, 0, '{GENESIS}', '', '') ON CONFLICT DO NOTHING;
    PERFORM 1 FROM chain_heads WHERE chain = ch FOR UPDATE;
    SELECT seq, hash INTO last_seq, last_hash FROM chain_links WHERE chain = ch
    ORDER BY seq DESC LIMIT 1;
    IF NOT FOUND THEN last_seq := 0; last_hash := '{GENESIS}'; END IF;
    INSERT INTO chain_links(chain, seq, source, row_id, content_hash, prev_hash, hash)
    VALUES (ch, last_seq + 1, '{table}', NEW.{rid}, c, last_hash,
        {_pg_sha("last_hash || c")});
    RETURN NULL;
END $$;
CREATE FUNCTION chain_{table}_heads() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE chain_heads h SET seq = l.seq, hash = l.hash, prev = l.prev_hash,
        content = l.content_hash
    FROM (SELECT DISTINCT {head_chain} AS chain FROM new_rows n) t
    JOIN LATERAL (SELECT * FROM chain_links x WHERE x.chain = t.chain
        ORDER BY x.seq DESC LIMIT 1) l ON true
    WHERE h.chain = t.chain AND h.seq <> l.seq;
    RETURN NULL;
END $$;
CREATE TRIGGER chain_{table}_insert AFTER INSERT ON {table}
    FOR EACH ROW EXECUTE FUNCTION chain_{table}();
CREATE TRIGGER chain_{table}_update AFTER UPDATE ON {table}
    FOR EACH ROW EXECUTE FUNCTION chain_{table}();
CREATE TRIGGER chain_{table}_insert_heads AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION chain_{table}_heads();
CREATE TRIGGER chain_{table}_update_heads AFTER UPDATE ON {table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION chain_{table}_heads()"""


def _pg_sql() -> str:
    from storage.dialects.ddl import to_postgres

    backfill = ";\n".join(
        f"UPDATE {table} SET {rid} = {rid}" for table, (rid, _) in CHAINED.items()
    )
    return ";\n".join(
        [
            # Existing targets are numbered in their physical order, as SQLite's rowids are.
            "ALTER TABLE rollcall_targets ADD COLUMN rowid BIGINT GENERATED BY DEFAULT AS"
            " IDENTITY UNIQUE",
            to_postgres(_TABLES),
            *(_pg_trigger(table) for table in CHAINED),
            backfill,
        ]
    )


PG_SQL = _pg_sql()
