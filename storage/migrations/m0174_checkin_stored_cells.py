"""A check-in's CSV cells, rendered once (PostgreSQL exports, storage/stored_cells.py).

Rendering a check-in's line is most of what a PostgreSQL CSV export costs the server, and a
settled check-in's cells never change. So a nightly job writes each settled row's cells
after the member's (kind ... row_hash) into `csv_cells`, with the key they were rendered
under in `csv_key` (the renderer's fingerprint and the team's zone); an export uses them
while the key still matches and renders the row itself otherwise. The columns are derived
data: `outpost db copy` leaves them empty and `outpost audit verify` compares them with a
fresh rendering (a changed cell there is reported as tampering, as a changed row is).

PostgreSQL only, where exports read them. Any later update of a rendered row that does not
write a new key empties them (BEFORE trigger), so an edit, a recall or a re-chain is never
exported from an old rendering; the hash-chain update trigger now fires for the sealed
columns only, so writing the cells adds no chain link. SQLite gets the columns (one schema,
one `db copy`) and never fills them.
"""

from storage.migrations.m0141_audit_hash_chain import CHAINED

SQL = """
ALTER TABLE checkins ADD COLUMN csv_key TEXT;
ALTER TABLE checkins ADD COLUMN csv_cells TEXT
"""

_RID, _SEALED = CHAINED["checkins"]

PG_SQL = f"""
ALTER TABLE checkins ADD COLUMN csv_key TEXT;
ALTER TABLE checkins ADD COLUMN csv_cells TEXT;
DROP TRIGGER chain_checkins_update ON checkins;
CREATE TRIGGER chain_checkins_update AFTER UPDATE OF {", ".join((_RID, *_SEALED))} ON checkins
    FOR EACH ROW EXECUTE FUNCTION chain_checkins();
CREATE FUNCTION checkins_stale_cells() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.csv_key := NULL;
    NEW.csv_cells := NULL;
    RETURN NEW;
END $$;
CREATE TRIGGER checkins_stale_cells BEFORE UPDATE ON checkins FOR EACH ROW
    WHEN (OLD.csv_key IS NOT NULL AND NEW.csv_key IS NOT DISTINCT FROM OLD.csv_key)
    EXECUTE FUNCTION checkins_stale_cells()
"""
