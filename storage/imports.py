"""Bulk set-up from spreadsheets: many teams in one transaction, expected members, and the
invite codes handed out for them. Batched statements throughout: 20,000 teams are a few
`executemany` calls, not 100,000 round trips."""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.rules.team_sheet import TeamSpec
from storage.audit import write_audit_many
from storage.db import Database
from storage.models import Team
from storage.teams import rule_values, schedule_values

_CHUNK = 500


def _hhmm(value: Any) -> str:
    return str(value.strftime("%H:%M"))


def _schedule_values(spec: TeamSpec) -> tuple[Any, ...]:
    return schedule_values(spec.schedule, spec.require_live)


def _describe(spec: TeamSpec) -> dict[str, Any]:
    return {
        "site": [spec.site.lat, spec.site.lon, spec.site.radius_m],
        "entered": list(spec.entered),
        "timezone": spec.timezone,
        "on_time": _hhmm(spec.schedule.on_time),
        "grace_minutes": spec.schedule.grace_minutes,
        "cutoff": _hhmm(spec.schedule.cutoff),
        "evening_enabled": spec.schedule.evening_enabled,
        "require_live": spec.require_live,
        "policy": dataclasses.asdict(spec.policy),
        "contact": spec.contact,
    }


class ImportRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def contacts(self) -> dict[int, str]:
        rows = await self.db.fetchall("SELECT team_id, contact FROM team_contacts")
        return {r[0]: r[1] for r in rows}

    async def apply_teams(
        self,
        create: list[TeamSpec],
        update: list[tuple[Team, TeamSpec]],
        *,
        now: float,
        source: str,
    ) -> None:
        """Creates and updates teams all at once or not at all, each audited."""
        async with self.db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO teams(name, timezone, created_at) VALUES (?, ?, ?)",
                [(s.name, s.timezone, now) for s in create],
            )
            # Names are unique: each row finds its new team's id by name.
            await conn.executemany(
                "INSERT INTO sites(team_id, lat, lon, radius_m, entered_datum, entered_lat,"
                " entered_lon, updated_at) SELECT id, ?, ?, ?, ?, ?, ?, ? FROM teams"
                " WHERE name = ?",
                [
                    (
                        s.site.lat,
                        s.site.lon,
                        s.site.radius_m,
                        s.entered[2],
                        *s.entered[:2],
                        now,
                        s.name,
                    )
                    for s in create
                ],
            )
            await conn.executemany(
                "INSERT INTO schedules(team_id, opens, on_time, grace_minutes, cutoff,"
                " evening_enabled, evening_start, evening_end, workdays, require_live)"
                " SELECT id, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM teams WHERE name = ?",
                [(*_schedule_values(s), s.name) for s in create],
            )
            await conn.executemany(
                "INSERT INTO policies(team_id, min_days, min_nights, excellent_absence_limit,"
                " competent_absence_limit, second_approval_after_days, refill_days)"
                " SELECT id, ?, ?, ?, ?, ?, ? FROM teams WHERE name = ?",
                [(*rule_values(s.policy), s.name) for s in create],
            )
            ids = {}
            for i in range(0, len(create), _CHUNK):
                names = [s.name for s in create[i : i + _CHUNK]]
                marks = ",".join("?" * len(names))
                async with conn.execute(
                    f"SELECT id, name FROM teams WHERE name IN ({marks})", names
                ) as cur:
                    ids.update({r[1].casefold(): r[0] for r in await cur.fetchall()})
            changed = [(ids[s.name.casefold()], s) for s in create]
            await self._update(conn, update, now)
            changed += [(team.id, spec) for team, spec in update]
            await conn.executemany(
                "INSERT INTO team_contacts(team_id, contact) VALUES (?, ?)"
                " ON CONFLICT(team_id) DO UPDATE SET contact = excluded.contact",
                [(tid, s.contact) for tid, s in changed if s.contact],
            )
            await write_audit_many(
                conn,
                [
                    {
                        "at": now,
                        "action": "team.create",
                        "team_id": ids[s.name.casefold()],
                        "subject": s.name,
                        "after": {**_describe(s), "source": source},
                    }
                    for s in create
                ]
                + [
                    {
                        "at": now,
                        "action": "team.update",
                        "team_id": team.id,
                        "subject": team.name,
                        "after": {**_describe(spec), "source": source},
                    }
                    for team, spec in update
                ],
            )

    async def _update(self, conn: Any, update: list[tuple[Team, TeamSpec]], now: float) -> None:
        if not update:
            return
        await conn.executemany(
            "UPDATE teams SET timezone = ? WHERE id = ? AND timezone != ?",
            [(s.timezone, t.id, s.timezone) for t, s in update],
        )
        await conn.executemany(
            "UPDATE sites SET lat = ?, lon = ?, radius_m = ?, entered_datum = ?,"
            " entered_lat = ?, entered_lon = ?, updated_at = ? WHERE team_id = ?",
            [
                (s.site.lat, s.site.lon, s.site.radius_m, s.entered[2], *s.entered[:2], now, t.id)
                for t, s in update
                if (s.site.lat, s.site.lon, s.site.radius_m)
                != (t.site.lat, t.site.lon, t.site.radius_m)
            ],
        )
        await conn.executemany(
            "UPDATE schedules SET opens = ?, on_time = ?, grace_minutes = ?, cutoff = ?,"
            " evening_enabled = ?, evening_start = ?, evening_end = ?, workdays = ?,"
            " require_live = ? WHERE team_id = ?",
            [
                (*_schedule_values(s), t.id)
                for t, s in update
                if (s.schedule, s.require_live) != (t.schedule, t.require_live)
            ],
        )
        await conn.executemany(
            "UPDATE policies SET min_days = ?, min_nights = ?, excellent_absence_limit = ?,"
            " competent_absence_limit = ?, second_approval_after_days = ?, refill_days = ?"
            " WHERE team_id = ?",
            [
                (*rule_values(s.policy), t.id)
                for t, s in update
                if rule_values(s.policy) != rule_values(t.policy)
            ],
        )

    # -- expected members ------------------------------------------------------------------

    async def expected_members(self) -> dict[tuple[int, str], str]:
        """(team id, name folded) -> unit of everyone on the list."""
        rows = await self.db.fetchall("SELECT team_id, name, unit FROM expected_members")
        return {(r[0], r[1].casefold()): r[2] for r in rows}

    async def put_expected(self, rows: list[tuple[int, str, str]], *, now: float) -> None:
        """Adds people to the list or corrects their unit, in one transaction."""
        await self.db.executemany(
            "INSERT INTO expected_members(team_id, name, unit, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(team_id, name) DO UPDATE SET unit = excluded.unit",
            [(team_id, name, unit, now) for team_id, name, unit in rows],
        )

    async def match_expected(
        self, team_id: int, name: str, telegram_id: int, *, now: float
    ) -> bool:
        """Marks the listed person of this name in this team as this account, if unmatched."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE expected_members SET telegram_id = ?, matched_at = ?"
                " WHERE team_id = ? AND name = ? AND telegram_id IS NULL",
                (telegram_id, now, team_id, name),
            )
            return bool(cur.rowcount)
