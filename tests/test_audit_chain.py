"""Hash chains: every evidence row is chained as it is written, and rows edited, deleted,
inserted or reordered with sqlite3 behind the bot's back are named by `verify`."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cli import main
from storage import Storage
from storage.chain_hash import CHAINED, REALS, canonical, content_sql, register
from storage.chain_verify import verify
from tests.export_data import populate


@pytest.fixture
async def seeded(tmp_path: Path) -> Path:
    path = tmp_path / "chain.db"
    async with Storage(path) as storage:
        await populate(storage)
        await storage.db.execute(
            "UPDATE requests SET state = 'approved', decided_by = 99, decided_at = 5"
            " WHERE id = (SELECT min(id) FROM requests)"
        )
    return path


def behind_the_back(path: Path, *statements: str) -> None:
    """What someone with the file does: no bot, no hash functions, triggers dropped first."""
    with closing(sqlite3.connect(path, isolation_level=None)) as con:
        triggers = [
            r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
        ]
        for name in triggers:
            con.execute(f"DROP TRIGGER {name}")
        for statement in statements:
            con.execute(statement)


def scalar(path: Path, sql: str) -> object:
    with closing(sqlite3.connect(path)) as con:
        return con.execute(sql).fetchone()[0]


async def test_every_evidence_row_is_chained_and_verifies(seeded: Path) -> None:
    report = verify(seeded)
    assert report.ok, [p.describe() for p in report.problems]
    rows = sum(
        int(scalar(seeded, f"SELECT count(*) FROM {t}"))  # type: ignore[call-overload]
        for t in CHAINED
    )
    assert report.rows == rows > 0
    # The decision is a second link of its request: links outnumber rows.
    assert report.links > rows
    assert report.chains >= 3  # two teams and the system chain


async def test_teams_get_separate_chains(seeded: Path) -> None:
    chains = {
        r[0] for r in sqlite3.connect(seeded).execute("SELECT DISTINCT chain FROM chain_links")
    }
    assert {"team:1", "team:2"} <= chains


async def test_an_edited_checkin_is_named(seeded: Path) -> None:
    victim = scalar(seeded, "SELECT id FROM checkins ORDER BY id LIMIT 1 OFFSET 3")
    behind_the_back(
        seeded, f"UPDATE checkins SET timing = 'on_time', lat = lat + 0.001 WHERE id = {victim}"
    )
    first = verify(seeded).first
    assert first is not None
    assert (first.kind, first.source, first.row_id) == ("changed", "checkins", victim)


async def test_an_edited_decision_is_named(seeded: Path) -> None:
    victim = scalar(seeded, "SELECT min(id) FROM requests")
    behind_the_back(seeded, f"UPDATE requests SET state = 'rejected' WHERE id = {victim}")
    problems = verify(seeded).problems
    assert [(p.kind, p.source, p.row_id) for p in problems] == [("changed", "requests", victim)]


async def test_a_deleted_row_is_named(seeded: Path) -> None:
    victim = scalar(seeded, "SELECT max(id) FROM audit")
    behind_the_back(seeded, f"DELETE FROM audit WHERE id = {victim}")
    problems = verify(seeded).problems
    assert [(p.kind, p.source, p.row_id) for p in problems] == [("removed", "audit", victim)]


async def test_a_deleted_row_and_its_link_are_named(seeded: Path) -> None:
    victim = scalar(
        seeded, "SELECT id FROM checkins WHERE team_id = 1 ORDER BY id LIMIT 1 OFFSET 2"
    )
    seq = scalar(seeded, f"SELECT seq FROM chain_links WHERE source='checkins' AND row_id={victim}")
    behind_the_back(
        seeded,
        f"DELETE FROM checkins WHERE id = {victim}",
        f"DELETE FROM chain_links WHERE source = 'checkins' AND row_id = {victim}",
    )
    first = verify(seeded).first
    assert first is not None
    assert (first.kind, first.chain, first.position) == ("removed", "team:1", seq)


async def test_an_inserted_row_is_named(seeded: Path) -> None:
    behind_the_back(
        seeded,
        "INSERT INTO checkins(telegram_id, team_id, chat_id, message_id, message_date,"
        " received_at, delay_s, delayed, local_day, accepted, place, timing)"
        " VALUES (11, 1, 11, 999999, 0, 0, 0, 0, '2026-11-20', 1, 'on_site', 'on_time')",
    )
    forged = scalar(seeded, "SELECT id FROM checkins WHERE message_id = 999999")
    problems = verify(seeded).problems
    assert [(p.kind, p.source, p.row_id) for p in problems] == [("inserted", "checkins", forged)]


async def test_a_forged_link_for_an_inserted_row_breaks_the_chain(seeded: Path) -> None:
    # Inserting a row with a plausible link in the middle of a chain: sequence numbers after
    # it would have to move, and the next link no longer follows it.
    with closing(sqlite3.connect(seeded, isolation_level=None)) as con:
        register(con)  # the forger has our code
        con.execute("INSERT INTO audit(at, actor_id, action, team_id) VALUES (1, 5, 'forged', 1)")
        forged = con.execute("SELECT max(id) FROM audit").fetchone()[0]
        last = con.execute("SELECT seq FROM chain_heads WHERE chain='team:1'").fetchone()[0]
        con.execute("DROP TRIGGER chain_audit_update")
        # Move the forged link to position 3 by shifting 3..last-1 up one.
        con.execute(
            f"UPDATE chain_links SET seq = -seq WHERE chain='team:1' AND seq >= 3 AND seq < {last}"
        )
        con.execute(f"UPDATE chain_links SET seq = 3 WHERE chain='team:1' AND seq = {last}")
        con.execute("UPDATE chain_links SET seq = 1 - seq WHERE chain='team:1' AND seq < 0")
    first = verify(seeded).first
    assert first is not None
    assert (first.kind, first.chain, first.position) == ("inserted", "team:1", 3)
    assert first.row_id == forged


async def test_reordered_rows_are_named(seeded: Path) -> None:
    a, b = (
        r[0]
        for r in sqlite3.connect(seeded).execute(
            "SELECT id FROM checkins WHERE team_id = 1 ORDER BY id LIMIT 2 OFFSET 1"
        )
    )
    # Swap the two rows' ids, as if the later check-in had come first.
    behind_the_back(
        seeded,
        f"UPDATE checkins SET id = -1 WHERE id = {a}",
        f"UPDATE checkins SET id = {a} WHERE id = {b}",
        f"UPDATE checkins SET id = {b} WHERE id = -1",
    )
    problems = verify(seeded).problems
    assert {(p.kind, p.row_id) for p in problems} == {("changed", a), ("changed", b)}
    assert verify(seeded).first.row_id == a  # type: ignore[union-attr]


async def test_reordered_links_are_named(seeded: Path) -> None:
    behind_the_back(
        seeded,
        "UPDATE chain_links SET seq = -1 WHERE chain = 'team:1' AND seq = 2",
        "UPDATE chain_links SET seq = 2 WHERE chain = 'team:1' AND seq = 3",
        "UPDATE chain_links SET seq = 3 WHERE chain = 'team:1' AND seq = -1",
    )
    first = verify(seeded).first
    assert first is not None
    assert (first.kind, first.chain, first.position) == ("inserted", "team:1", 2)


async def test_a_rewritten_chain_passes_the_walk_but_not_the_anchor(seeded: Path) -> None:
    async with Storage(seeded) as storage:
        anchor = await storage.chain.anchor(at=10.0)
    assert verify(seeded, anchor=anchor).ok
    # Someone with our code rebuilds every link after editing a row: the walk cannot tell,
    # the anchor kept outside can.
    with closing(sqlite3.connect(seeded, isolation_level=None)) as con:
        register(con)
        con.execute("DELETE FROM chain_links")
        con.execute("DELETE FROM chain_heads")
        con.execute(
            "UPDATE checkins SET timing = 'on_time' WHERE id = (SELECT min(id) FROM checkins)"
        )
        for table, (rid, _) in CHAINED.items():
            con.execute(f"UPDATE {table} SET {rid} = {rid}")
    assert verify(seeded).ok
    report = verify(seeded, anchor=anchor)
    # The system chain rebuilt the same, but the checkpoint pinned team 1's head.
    assert [(p.kind, p.chain) for p in report.problems] == [("changed", "team:1")]


async def test_an_unknown_anchor_is_reported(seeded: Path) -> None:
    report = verify(seeded, anchor="ab" * 32)
    assert report.anchor_found is False
    assert [p.kind for p in report.problems] == ["anchor"]


async def test_the_anchor_pins_every_team_chain(seeded: Path) -> None:
    async with Storage(seeded) as storage:
        anchor = await storage.chain.anchor(at=10.0)
        heads = await storage.chain.heads()
    assert heads["system"][1] == anchor
    # A team link before the anchor rewritten consistently (its hash and everything after).
    with closing(sqlite3.connect(seeded, isolation_level=None)) as con:
        last = con.execute("SELECT seq FROM chain_heads WHERE chain='team:2'").fetchone()[0]
        con.execute(f"UPDATE chain_links SET hash = 'x' WHERE chain='team:2' AND seq = {last}")
    report = verify(seeded, anchor=anchor)
    assert report.anchor_found is True
    assert any(p.chain == "team:2" and p.position == last for p in report.problems)


async def test_writes_after_the_anchor_keep_it_valid(seeded: Path) -> None:
    async with Storage(seeded) as storage:
        anchor = await storage.chain.anchor(at=10.0)
        await storage.audit.record(at=11.0, actor_id=1, action="team.set", team_id=1)
    report = verify(seeded, anchor=anchor)
    assert report.ok and report.anchor_found


async def test_parallel_workers_find_the_same(seeded: Path) -> None:
    victim = scalar(seeded, "SELECT id FROM checkins ORDER BY id DESC LIMIT 1")
    behind_the_back(seeded, f"UPDATE checkins SET lat = 1 WHERE id = {victim}")
    alone, pooled = verify(seeded, workers=1), verify(seeded, workers=2)
    assert pooled.workers == 2
    assert [p.describe() for p in alone.problems] == [p.describe() for p in pooled.problems]
    assert (alone.rows, alone.links) == (pooled.rows, pooled.links)


values = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.text(),
)
reals = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False))


@given(st.data())
@settings(max_examples=60, deadline=None)
def test_python_writes_the_same_canonical_text_as_sqlite(data: st.DataObject) -> None:
    """A backend or an auditor without SQLite computes the same hashes (and an SQLite upgrade
    that changed its JSON would fail here before it raised false alarms in production)."""
    table = data.draw(st.sampled_from(sorted(CHAINED)))
    _, columns = CHAINED[table]
    row = {c: data.draw(reals if c in REALS[table] else values) for c in columns}
    row_id = data.draw(st.integers(min_value=1, max_value=2**62))
    select = ", ".join(f"? AS {c}" for c in columns)
    with closing(sqlite3.connect(":memory:")) as con:
        text = con.execute(
            f"SELECT {content_sql(table, 'p.').replace('p.id', '?').replace('p.rowid', '?')}"
            f" FROM (SELECT {select}) p",
            (row_id, *row.values()),
        ).fetchone()[0]
    assert canonical(table, row_id, row) == text


def test_console_anchor_and_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    path = tmp_path / "o.db"

    async def fill() -> None:
        async with Storage(path) as storage:
            await populate(storage)

    asyncio.run(fill())
    env = {"OUTPOST_DB": str(path), "OUTPOST_TZ": "Asia/Shanghai"}
    assert main(["audit", "anchor"], env=env) == 0
    anchor = capsys.readouterr().out.strip()
    assert len(anchor) == 64
    assert main(["audit", "verify", "--anchor", anchor], env=env) == 0
    out = capsys.readouterr().out
    assert "OK: no row changed" in out and "anchor" in out
    victim = scalar(path, "SELECT min(id) FROM recalls")
    behind_the_back(path, f"UPDATE recalls SET reason = 'nothing happened' WHERE id = {victim}")
    assert main(["audit", "verify", "--anchor", anchor], env=env) == 1
    out = capsys.readouterr().out
    assert f"TAMPERED: first changed: recalls row {victim}" in out
    assert main(["audit", "--limit", "1"], env=env) == 0  # the listing still works
    with pytest.raises(SystemExit) as bad:
        main(["audit", "verify", "--anchor", "nothex"], env=env)
    assert bad.value.code == 2
    assert "not a 64-digit hex hash" in capsys.readouterr().err


def test_console_sets_a_teams_spoof_thresholds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"OUTPOST_DB": str(tmp_path / "o.db"), "OUTPOST_TZ": "Asia/Shanghai"}
    assert main(["team", "add", "Xiaoshan", "--lat", "30", "--lon", "120"], env=env) == 0
    assert (
        main(["team", "spoof", "Xiaoshan", "--max-speed", "90", "--edge-days", "5"], env=env) == 0
    )
    assert "max speed 90 km/h" in capsys.readouterr().out
    assert main(["team", "spoof", "Xiaoshan", "--edge-days", "9"], env=env) == 2
    assert "--edge-days must be 1..7" in capsys.readouterr().err

    async def policy() -> tuple[float, int]:
        async with Storage(tmp_path / "o.db") as storage:
            team = await storage.teams.find("Xiaoshan")
            [row] = await storage.audit.recent(action="team.spoof_thresholds")
            assert row["before"] and row["after"]
            return team.policy.spoof.max_speed_kmh, team.policy.spoof.edge_days

    import asyncio

    assert asyncio.run(policy()) == (90.0, 5)
