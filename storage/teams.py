"""Teams with their site, schedule, holidays and policy."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.rules.checkin import Site
from bot.rules.policy import Policy
from bot.rules.spoof import SpoofThresholds
from bot.rules.team_hours import Schedule, parse_hhmm
from storage.db import Database
from storage.dialects import Dialect
from storage.dialects.errors import INTEGRITY_ERRORS, is_unique_violation
from storage.models import Team

_TEAM_SQL_TEMPLATE = """
SELECT t.id, t.name, t.timezone, s.lat, s.lon, s.radius_m, s.entered_datum,
       sc.opens, sc.on_time, sc.grace_minutes, sc.cutoff, sc.evening_enabled,
       sc.evening_start, sc.evening_end, sc.workdays, sc.require_live, sc.reminder_lead_minutes,
       p.min_days, p.min_nights, p.excellent_absence_limit, p.competent_absence_limit,
       p.second_approval_after_days, p.refill_days,
       p.spoof_max_speed_kmh, p.spoof_frozen_m, p.spoof_repeat_days, p.spoof_edge_band,
       p.spoof_edge_days, p.spoof_static_live_s,
       (SELECT {holidays} FROM holidays h WHERE h.team_id = t.id) AS holidays
FROM teams t JOIN sites s ON s.team_id = t.id
JOIN schedules sc ON sc.team_id = t.id JOIN policies p ON p.team_id = t.id
WHERE t.archived = 0
"""


@functools.cache
def _team_sql(dialect: Dialect) -> str:
    return _TEAM_SQL_TEMPLATE.format(holidays=dialect.group_concat("day"))


# Schedule fields stored as text columns of the same name.
_SCHEDULE_TIME_FIELDS = ("opens", "on_time", "cutoff", "evening_start", "evening_end")


def _hhmm(value: object) -> str:
    return value.strftime("%H:%M")  # type: ignore[attr-defined]


def _team(row: Any) -> Team:
    if not isinstance(row, dict):
        return _team_of_values(tuple(row.keys()), tuple(row))
    holidays = frozenset(date.fromisoformat(d) for d in (row["holidays"] or "").split(",") if d)
    schedule = Schedule(
        opens=parse_hhmm(row["opens"]),
        on_time=parse_hhmm(row["on_time"]),
        grace_minutes=row["grace_minutes"],
        cutoff=parse_hhmm(row["cutoff"]),
        evening_enabled=bool(row["evening_enabled"]),
        evening_start=parse_hhmm(row["evening_start"]),
        evening_end=parse_hhmm(row["evening_end"]),
        workdays=frozenset(int(c) for c in row["workdays"]),
        holidays=holidays,
    )
    policy = Policy(
        min_days=row["min_days"],
        min_nights=row["min_nights"],
        excellent_absence_limit=row["excellent_absence_limit"],
        competent_absence_limit=row["competent_absence_limit"],
        second_approval_after_days=row["second_approval_after_days"],
        refill_days=row["refill_days"],
        spoof=SpoofThresholds(
            max_speed_kmh=row["spoof_max_speed_kmh"],
            frozen_m=row["spoof_frozen_m"],
            repeat_days=row["spoof_repeat_days"],
            edge_band=row["spoof_edge_band"],
            edge_days=row["spoof_edge_days"],
            static_live_s=row["spoof_static_live_s"],
        ),
    )
    return Team(
        id=row["id"],
        name=row["name"],
        timezone=row["timezone"],
        site=Site(lat=row["lat"], lon=row["lon"], radius_m=row["radius_m"]),
        schedule=schedule,
        policy=policy,
        require_live=bool(row["require_live"]),
        reminder_lead_minutes=row["reminder_lead_minutes"],
        entered_datum=row["entered_datum"],
    )


def rule_values(policy: Policy) -> tuple[Any, ...]:
    """A policy's attendance and approval columns (min_days .. refill_days), without the
    spoof thresholds, which have their own command (`outpost team spoof`)."""
    return (
        policy.min_days,
        policy.min_nights,
        policy.excellent_absence_limit,
        policy.competent_absence_limit,
        policy.second_approval_after_days,
        policy.refill_days,
    )


def schedule_values(schedule: Schedule, require_live: bool) -> tuple[Any, ...]:
    """A schedule's columns in table order (opens .. require_live), as every write of
    `schedules` lists them."""
    return (
        _hhmm(schedule.opens),
        _hhmm(schedule.on_time),
        schedule.grace_minutes,
        _hhmm(schedule.cutoff),
        int(schedule.evening_enabled),
        _hhmm(schedule.evening_start),
        _hhmm(schedule.evening_end),
        "".join(str(d) for d in sorted(schedule.workdays)),
        int(require_live),
    )


@functools.lru_cache(maxsize=256)
def _team_of_values(keys: tuple[str, ...], values: tuple[Any, ...]) -> Team:
    # Keyed by the row's whole content, so any change to a team misses the cache: nothing to
    # invalidate. Every check-in reads its team; building Schedule and Policy is the cost.
    return _team(dict(zip(keys, values, strict=True)))


class DuplicateTeam(ValueError):
    pass


class TeamRepo:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._sql = _team_sql(db.dialect)

    async def create(
        self,
        name: str,
        timezone: str,
        site: Site,
        *,
        now: float,
        schedule: Schedule | None = None,
        policy: Policy | None = None,
        entered: tuple[float, float, str] | None = None,
        require_live: bool = False,
    ) -> Team:
        schedule = schedule or Schedule()
        policy = policy or await self.default_policy()
        ent_lat, ent_lon, datum = entered or (site.lat, site.lon, "wgs84")
        try:
            async with self.db.transaction() as conn:
                cur = await conn.execute(
                    "INSERT INTO teams(name, timezone, created_at) VALUES (?, ?, ?)",
                    (name, timezone, now),
                )
                team_id = cur.lastrowid
                await conn.execute(
                    "INSERT INTO sites(team_id, lat, lon, radius_m, entered_datum, entered_lat,"
                    " entered_lon, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (team_id, site.lat, site.lon, site.radius_m, datum, ent_lat, ent_lon, now),
                )
                await conn.execute(
                    "INSERT INTO schedules(team_id, opens, on_time, grace_minutes, cutoff,"
                    " evening_enabled, evening_start, evening_end, workdays, require_live)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (team_id, *schedule_values(schedule, require_live)),
                )
                spoof = policy.spoof
                await conn.execute(
                    "INSERT INTO policies(team_id, min_days, min_nights, excellent_absence_limit,"
                    " competent_absence_limit, second_approval_after_days, refill_days,"
                    " spoof_max_speed_kmh, spoof_frozen_m, spoof_repeat_days, spoof_edge_band,"
                    " spoof_edge_days, spoof_static_live_s)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        team_id,
                        policy.min_days,
                        policy.min_nights,
                        policy.excellent_absence_limit,
                        policy.competent_absence_limit,
                        policy.second_approval_after_days,
                        policy.refill_days,
                        spoof.max_speed_kmh,
                        spoof.frozen_m,
                        spoof.repeat_days,
                        spoof.edge_band,
                        spoof.edge_days,
                        spoof.static_live_s,
                    ),
                )
                await conn.executemany(
                    "INSERT INTO holidays(team_id, day) VALUES (?, ?)",
                    [(team_id, d.isoformat()) for d in sorted(schedule.holidays)],
                )
        except INTEGRITY_ERRORS as exc:
            if not is_unique_violation(exc):
                raise
            raise DuplicateTeam(name) from exc
        team = await self.get(team_id or 0)
        assert team is not None
        return team

    async def get(self, team_id: int) -> Team | None:
        row = await self.db.lookup(self._sql + " AND t.id = ?", (team_id,))
        return _team(row) if row else None

    async def by_name(self, name: str) -> Team | None:
        row = await self.db.fetchone(self._sql + " AND t.name = ? COLLATE NOCASE", (name,))
        return _team(row) if row else None

    async def find(self, ref: str) -> Team | None:
        """A team by numeric id or by name, as typed on the command line or in chat."""
        if ref.isdigit():
            team = await self.get(int(ref))
            if team:
                return team
        return await self.by_name(ref)

    async def all(self) -> list[Team]:
        return [_team(r) for r in await self.db.fetchall(self._sql + " ORDER BY t.name")]

    async def many(self, team_ids: list[int]) -> list[Team]:
        """The live teams among these ids (archived and gone ones are left out)."""
        teams: list[Team] = []
        for i in range(0, len(team_ids), 500):
            chunk = team_ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = await self.db.fetchall(self._sql + f" AND t.id IN ({marks})", chunk)
            teams += [_team(r) for r in rows]
        return teams

    async def schedule_version(self) -> int:
        """The latest schedule change mark (storage/migrations/m0160_schedule_marks.py)."""
        row = await self.db.fetchone("SELECT coalesce(max(version), 0) FROM schedule_marks")
        return int(row[0]) if row else 0

    async def schedule_changes(self, since: int) -> tuple[list[int], int]:
        """Teams whose schedule, timezone or existence changed after mark `since`, and the
        latest mark: nothing but an index probe when nothing changed."""
        rows = await self.db.fetchall(
            "SELECT team_id, version FROM schedule_marks WHERE version > ? ORDER BY version",
            (since,),
        )
        if not rows:
            return [], since
        return [r[0] for r in rows], int(rows[-1][1])

    async def created_at(self) -> dict[int, float]:
        """Team id -> when it was created: a weekly or monthly notice due before that was
        never owed."""
        rows = await self.db.fetchall("SELECT id, created_at FROM teams")
        return {r[0]: r[1] for r in rows}

    async def set_site(self, team_id: int, site: Site, *, now: float, datum: str = "wgs84") -> None:
        await self.db.execute(
            "UPDATE sites SET lat = ?, lon = ?, radius_m = ?, entered_datum = ?, updated_at = ?"
            " WHERE team_id = ?",
            (site.lat, site.lon, site.radius_m, datum, now, team_id),
        )

    async def set_schedule(self, team_id: int, schedule: Schedule, require_live: bool) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE schedules SET opens = ?, on_time = ?, grace_minutes = ?, cutoff = ?,"
                " evening_enabled = ?, evening_start = ?, evening_end = ?, workdays = ?,"
                " require_live = ? WHERE team_id = ?",
                (*schedule_values(schedule, require_live), team_id),
            )
            await conn.execute("DELETE FROM holidays WHERE team_id = ?", (team_id,))
            await conn.executemany(
                "INSERT INTO holidays(team_id, day) VALUES (?, ?)",
                [(team_id, d.isoformat()) for d in sorted(schedule.holidays)],
            )

    async def rename(self, team_id: int, name: str) -> None:
        try:
            await self.db.execute("UPDATE teams SET name = ? WHERE id = ?", (name, team_id))
        except INTEGRITY_ERRORS as exc:
            if not is_unique_violation(exc):
                raise
            raise DuplicateTeam(name) from exc

    async def archive(self, team_id: int, *, now: float) -> None:
        """Hides a team from every list and flow while keeping its history: its open invites
        stop working and its supervisors no longer lead it."""
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE teams SET archived = 1 WHERE id = ?", (team_id,))
            await conn.execute(
                "UPDATE invites SET revoked_at = ? WHERE team_id = ? AND revoked_at IS NULL",
                (now, team_id),
            )
            await conn.execute(
                "UPDATE memberships SET state = 'left' WHERE team_id = ? AND state = 'active'",
                (team_id,),
            )

    async def set_policy(self, team_id: int, policy: Policy) -> None:
        await self.db.execute(
            "UPDATE policies SET min_days = ?, min_nights = ?, excellent_absence_limit = ?,"
            " competent_absence_limit = ?, second_approval_after_days = ?, refill_days = ?"
            " WHERE team_id = ?",
            (*rule_values(policy), team_id),
        )

    async def default_policy(self) -> Policy:
        """The policy new teams start from: `outpost policy set`, else SPEC's numbers."""
        row = await self.db.fetchone(
            "SELECT min_days, min_nights, excellent_absence_limit, competent_absence_limit,"
            " second_approval_after_days, refill_days FROM policy_defaults WHERE id = 1"
        )
        return Policy(*tuple(row)) if row else Policy()

    async def set_default_policy(self, policy: Policy) -> None:
        await self.db.execute(
            "INSERT INTO policy_defaults(id, min_days, min_nights, excellent_absence_limit,"
            " competent_absence_limit, second_approval_after_days, refill_days)"
            " VALUES (1, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
            " min_days = excluded.min_days, min_nights = excluded.min_nights,"
            " excellent_absence_limit = excluded.excellent_absence_limit,"
            " competent_absence_limit = excluded.competent_absence_limit,"
            " second_approval_after_days = excluded.second_approval_after_days,"
            " refill_days = excluded.refill_days",
            rule_values(policy),
        )

    async def set_timezone(self, team_id: int, timezone: str) -> None:
        await self.db.execute("UPDATE teams SET timezone = ? WHERE id = ?", (timezone, team_id))

    async def without_supervisor(self, team_ids: Sequence[int]) -> set[int]:
        """Those of these teams with no active supervisor: what they owe a supervisor goes
        to the administrators instead (bot/access.py `alert_readers`)."""
        found: set[int] = set()
        ids = list(team_ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = await self.db.fetchall(
                f"SELECT t.id FROM teams t WHERE t.id IN ({marks}) AND NOT EXISTS ("
                "SELECT 1 FROM memberships m WHERE m.team_id = t.id"
                " AND m.role = 'supervisor' AND m.state = 'active')",
                chunk,
            )
            found.update(int(r["id"]) for r in rows)
        return found

    async def member_counts(self) -> dict[int, dict[str, int]]:
        rows = await self.db.fetchall(
            "SELECT team_id, role, count(*) AS n FROM memberships WHERE state = 'active'"
            " GROUP BY team_id, role"
        )
        counts: dict[int, dict[str, int]] = {}
        for r in rows:
            counts.setdefault(r["team_id"], {})[r["role"]] = r["n"]
        return counts
