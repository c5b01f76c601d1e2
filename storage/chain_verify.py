"""`outpost audit verify`: walks every chain and every chained row, names what was tampered.

Two independent checks, each split into tasks that run in worker processes when the
database is large (a million rows is seconds, not minutes):
- links: per chain, in order, each link must follow the previous one (its `prev_hash`),
  its hash must be SHA-256(prev + content hash), sequence numbers must not skip, and the
  chain's head must be its last link. A removed link leaves a gap or a broken `prev_hash`;
  an inserted or reordered one breaks `prev_hash`; an edited one breaks its own hash.
- rows: per table and id range, each row's canonical content must hash to the content hash
  of its latest link. A row with no link was inserted behind the bot's back; a link whose
  row is gone marks a removed row; a mismatch marks a changed one.
Each task reads inside one read transaction, so verify can run while the bot writes.
Rows are fetched as plain tuples and hashed in a tight loop: that is where the time goes.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from storage.chain_hash import CHAINED, GENESIS, content_sql
from storage.dialects import is_postgres
from storage.migrations.m0141_audit_hash_chain import pg_content_sql

ROWS_PER_TASK = 200_000
PARALLEL_FROM = 300_000  # below this, worker start-up costs more than it saves
SHOWN = 20


@dataclass(frozen=True, order=True)
class Problem:
    chain: str
    position: float  # the link's sequence number (x.5: between two links)
    kind: str = field(compare=False)  # changed | removed | inserted | anchor
    source: str = field(compare=False)
    row_id: int | None = field(compare=False)
    detail: str = field(compare=False)

    def describe(self) -> str:
        row = f"{self.source} row {self.row_id}" if self.row_id is not None else self.source
        where = f"chain {self.chain}, link {self.position:g}" if self.chain else ""
        return f"{self.kind}: {row} ({where}): {self.detail}" if where else self.detail


@dataclass
class VerifyReport:
    links: int = 0
    rows: int = 0
    chains: int = 0
    seconds: float = 0.0
    workers: int = 1
    anchor_found: bool | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return min(self.problems) if self.problems else None


def _connect(path: str) -> sqlite3.Connection:
    if is_postgres(path):
        from storage.pg import PgConnection

        pg = PgConnection.connect(path)
        pg.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")  # one snapshot
        return pg  # type: ignore[return-value]  # the same execute/fetch shape
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    conn.execute("PRAGMA busy_timeout=10000")
    conn.execute("BEGIN")  # one snapshot for the whole task
    return conn


def _content_sql(path: str, table: str) -> str:
    # The canonical text as each database writes it (byte-equal; see m0141).
    return pg_content_sql(table) if is_postgres(path) else content_sql(table)


def check_links(path: str, chains: list[str]) -> tuple[int, list[Problem]]:
    sha = hashlib.sha256
    problems: list[Problem] = []
    count = 0
    conn = _connect(path)
    # Hashes as bytes: no UTF-8 decoding of three hex strings per link (half the loop's time).
    conn.text_factory = bytes
    genesis = GENESIS.encode()
    try:
        for chain in chains:
            prev, expected = genesis, 1
            cur = conn.execute(
                "SELECT seq, content_hash, prev_hash, hash FROM chain_links"
                " WHERE chain = ? ORDER BY seq",
                (chain,),
            )
            for seq, content, prev_hash, link in cur:
                count += 1
                if seq != expected:
                    gap = _at(
                        conn, chain, seq, "removed", f"links {expected}..{seq - 1} are missing"
                    )
                    problems.append(
                        Problem(chain, expected, gap.kind, gap.source, None, gap.detail)
                    )
                elif prev_hash != prev:
                    problems.append(
                        _at(
                            conn,
                            chain,
                            seq,
                            "inserted",
                            "does not follow the link before it (inserted or reordered)",
                        )
                    )
                elif sha(prev_hash + content).hexdigest().encode() != link:
                    problems.append(_at(conn, chain, seq, "changed", "its link was rewritten"))
                prev, expected = link, seq + 1
            head = conn.execute(
                "SELECT seq, hash FROM chain_heads WHERE chain = ?", (chain,)
            ).fetchone()
            if head is None or head[0] != expected - 1 or head[1] != prev:
                problems.append(
                    Problem(
                        chain,
                        expected - 1,
                        "removed",
                        "chain_heads",
                        None,
                        "the chain's head is not its last link (links after it removed?)",
                    )
                )
    finally:
        conn.close()
    return count, problems


def _at(conn: sqlite3.Connection, chain: str, seq: int, kind: str, detail: str) -> Problem:
    raw, row_id = conn.execute(
        "SELECT source, row_id FROM chain_links WHERE chain = ? AND seq = ?", (chain, seq)
    ).fetchone()
    source = raw.decode() if isinstance(raw, bytes) else raw
    return Problem(chain, seq, kind, source, row_id, detail)


def check_rows(path: str, table: str, first: int, last: int) -> tuple[int, list[Problem]]:
    """Rows `first..last` of `table` against the content hash of their latest links."""
    rid, _ = CHAINED[table]
    sha = hashlib.sha256
    conn = _connect(path)
    conn.text_factory = bytes  # the canonical text goes to SHA-256 as it comes
    problems: list[Problem] = []
    count = 0
    try:
        # SQLite writes the canonical text (in C) and finds each row's latest link through a
        # covering index; Python only hashes and compares.
        rows = conn.execute(
            f"SELECT t.{rid}, {_content_sql(path, table)},"
            " (SELECT l.content_hash FROM chain_links l"
            f" WHERE l.source = ? AND l.row_id = t.{rid} ORDER BY l.chain DESC, l.seq DESC"
            f" LIMIT 1) FROM {table} t WHERE t.{rid} BETWEEN ? AND ? ORDER BY t.{rid}",
            (table, first, last),
        )
        for row_id, text, expected in rows:
            count += 1
            if expected is None:
                problems.append(_inserted(conn, table, row_id))
            elif sha(text).hexdigest().encode() != expected:
                chain, seq = _latest(conn, table, row_id)
                problems.append(
                    Problem(
                        chain,
                        seq,
                        "changed",
                        table,
                        row_id,
                        "its content differs from what was chained",
                    )
                )
        gone = conn.execute(
            f"SELECT l.row_id, l.chain, max(l.seq) FROM chain_links l WHERE l.source = ?"
            f" AND l.row_id BETWEEN ? AND ? AND NOT EXISTS (SELECT 1 FROM {table} t"
            f" WHERE t.{rid} = l.row_id) GROUP BY l.row_id, l.chain",
            (table, first, last),
        )
        for row_id, chain, seq in gone:
            problems.append(
                Problem(chain, seq, "removed", table, row_id, "its chained row is gone")
            )
    finally:
        conn.close()
    return count, problems


def _latest(conn: sqlite3.Connection, table: str, row_id: int) -> tuple[str, int]:
    chain, seq = conn.execute(
        "SELECT chain, seq FROM chain_links WHERE source = ? AND row_id = ?"
        " ORDER BY chain DESC, seq DESC LIMIT 1",
        (table, row_id),
    ).fetchone()
    return chain.decode(), seq


def _inserted(conn: sqlite3.Connection, table: str, row_id: int) -> Problem:
    """A row with no link sits, in its chain, after the link of the row before it."""
    rid, columns = CHAINED[table]
    team = "team_id" if "team_id" in columns else "NULL"
    team_id = conn.execute(f"SELECT {team} FROM {table} WHERE {rid} = ?", (row_id,)).fetchone()[0]
    chain = "system" if team_id is None else f"team:{team_id}"
    before = conn.execute(
        "SELECT max(seq) FROM chain_links WHERE source = ? AND row_id < ? AND chain = ?",
        (table, row_id, chain),
    ).fetchone()[0]
    return Problem(
        chain, (before or 0) + 0.5, "inserted", table, row_id, "this row was never chained"
    )


_CHAIN_NAMES = """
WITH RECURSIVE names(chain) AS (
    SELECT min(chain) FROM chain_links
    UNION ALL
    SELECT (SELECT min(chain) FROM chain_links WHERE chain > names.chain) FROM names
    WHERE names.chain IS NOT NULL
)
SELECT chain FROM names WHERE chain IS NOT NULL
"""


def _tasks(conn: sqlite3.Connection, path: str) -> tuple[list[tuple[object, ...]], int, int]:
    # The chains the links name (one index probe per chain, not a scan of every link), and
    # any head left without links.
    named = [r[0] for r in conn.execute(_CHAIN_NAMES)]
    sizes = dict(conn.execute("SELECT chain, seq FROM chain_heads"))
    chains = sorted(set(named) | set(sizes))
    total = sum(sizes.values())
    tasks: list[tuple[object, ...]] = []
    # Chains are independent: spread them over tasks of similar size.
    bucket: list[str] = []
    weight = 0
    for chain in chains:
        bucket.append(chain)
        weight += sizes.get(chain, 0)
        if weight >= ROWS_PER_TASK:
            tasks.append((check_links, path, bucket))
            bucket, weight = [], 0
    if bucket:
        tasks.append((check_links, path, bucket))
    for table, (rid, _) in CHAINED.items():
        low, high = conn.execute(f"SELECT min({rid}), max({rid}) FROM {table}").fetchone()
        lo_link, hi_link = conn.execute(
            "SELECT min(row_id), max(row_id) FROM chain_links WHERE source = ?", (table,)
        ).fetchone()
        bounds = [v for v in (low, high, lo_link, hi_link) if v is not None]
        if not bounds:
            continue
        start, end = min(bounds), max(bounds)
        for first in range(start, end + 1, ROWS_PER_TASK):
            tasks.append((check_rows, path, table, first, min(end, first + ROWS_PER_TASK - 1)))
    return tasks, total, len(chains)


def _run(task: tuple[object, ...]) -> tuple[str, int, list[Problem]]:
    func, *args = task
    count, problems = func(*args)  # type: ignore[operator]
    return ("links" if func is check_links else "rows", count, problems)


def verify(path: Path | str, anchor: str | None = None, workers: int | None = None) -> VerifyReport:
    started = time.perf_counter()
    path = str(path) if is_postgres(str(path)) else str(Path(path).resolve())
    conn = _connect(path)
    try:
        tasks, total, chains = _tasks(conn, path)
    finally:
        conn.close()
    report = VerifyReport(chains=chains)
    if workers is None:
        workers = min(os.cpu_count() or 1, len(tasks)) if total >= PARALLEL_FROM else 1
    report.workers = max(1, workers)
    if report.workers > 1:
        # spawn, not fork: the caller may hold sqlite connections and threads.
        with ProcessPoolExecutor(report.workers, mp_context=get_context("spawn")) as pool:
            results = list(pool.map(_run, tasks))
    else:
        results = [_run(task) for task in tasks]
    for kind, count, problems in results:
        if kind == "links":
            report.links += count
        else:
            report.rows += count
        report.problems.extend(problems)
    if anchor is not None:
        report.anchor_found = _check_anchor(path, anchor.strip().lower(), report)
    report.problems.sort()
    report.seconds = time.perf_counter() - started
    return report


def _check_anchor(path: str, anchor: str, report: VerifyReport) -> bool:
    """An anchor is a link hash kept outside; a checkpoint's link also pins every team's head
    at that moment. Found and intact, nothing before it changed (the walk checked the rest)."""
    conn = _connect(path)
    try:
        link = conn.execute(
            "SELECT chain, seq, source, row_id FROM chain_links WHERE hash = ?", (anchor,)
        ).fetchone()
        if link is None:
            report.problems.append(
                Problem(
                    "",
                    0,
                    "anchor",
                    "chain_links",
                    None,
                    f"anchor {anchor[:16]}… is not in any chain: history before it was rewritten",
                )
            )
            return False
        source, row_id = link[2], link[3]
        if source != "chain_checkpoints":
            return True
        row = conn.execute("SELECT heads FROM chain_checkpoints WHERE id = ?", (row_id,)).fetchone()
        heads = json.loads(row[0]) if row else {}
        for team_chain, (team_seq, team_hash) in sorted(heads.items()):
            found = conn.execute(
                "SELECT hash FROM chain_links WHERE chain = ? AND seq = ?", (team_chain, team_seq)
            ).fetchone()
            if found is None or found[0] != team_hash:
                report.problems.append(
                    Problem(
                        team_chain,
                        team_seq,
                        "changed",
                        "chain_links",
                        None,
                        f"differs from the anchored head (checkpoint {row_id})",
                    )
                )
        return True
    finally:
        conn.close()
