"""Varied rows in every exported table, written straight to storage for export tests."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from storage import Storage

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A team far from Shanghai's offset, with daylight saving time, to catch offset mistakes.
NEW_YORK = ZoneInfo("America/New_York")
DAY = date(2026, 11, 25)


def ts(day: date, hh: int, mm: int, ss: int = 0, tz: ZoneInfo = SHANGHAI) -> float:
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=tz).timestamp()


async def populate(storage: Storage) -> None:
    db = storage.db
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO teams(id, name, timezone, created_at) VALUES"
            " (1, '萧山队', 'Asia/Shanghai', 0), (2, 'Hudson', 'America/New_York', 0)"
        )
        for team in (1, 2):
            await conn.execute(
                "INSERT INTO sites(team_id, lat, lon, radius_m, updated_at)"
                " VALUES (?, 30.1674, 120.2589, 300, 0)",
                (team,),
            )
            await conn.execute("INSERT INTO policies(team_id) VALUES (?)", (team,))
            await conn.execute("INSERT INTO schedules(team_id) VALUES (?)", (team,))
        await conn.executemany(
            "INSERT INTO people(telegram_id, name, unit, language, created_at)"
            " VALUES (?, ?, ?, ?, 0)",
            [
                (11, "王芳", "县农业局", "zh"),
                (12, 'Li "Quote", Wei', "County Bureau", "en"),
                (13, "Ann\nNewline", "Unit, with comma", "en"),
            ],
        )
        await conn.executemany(
            "INSERT INTO memberships(team_id, telegram_id, role, unit, joined_at)"
            " VALUES (?, ?, 'member', ?, 0)",
            [(1, 11, "县农业局"), (1, 12, "County Bureau"), (2, 13, "Unit, with comma")],
        )
        rnd = random.Random(1)
        message_id = 0
        for day_offset in range(-3, 2):
            day = DAY + timedelta(days=day_offset)
            for person, team, tz in ((11, 1, SHANGHAI), (12, 1, SHANGHAI), (13, 2, NEW_YORK)):
                for attempt in range(2):
                    message_id += 1
                    at = ts(day, 7, rnd.randrange(60), rnd.randrange(60), tz)
                    accepted = attempt == 1
                    await conn.execute(
                        "INSERT INTO checkins(telegram_id, team_id, chat_id, message_id,"
                        " message_date, received_at, delay_s, delayed, local_day, lat, lon,"
                        " accuracy_m, site_radius_m, distance_m, accepted, reject_reason,"
                        " place, timing, effect, is_live, live_period, out_of_area_reason)"
                        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        (
                            person,
                            team,
                            person,
                            message_id,
                            int(at),
                            at + 0.731,
                            0.731,
                            0,
                            day.isoformat(),
                            30.1674 + rnd.uniform(-0.01, 0.01),
                            120.2589 + rnd.uniform(-0.01, 0.01),
                            None if attempt == 0 else 12.5,
                            300,
                            rnd.uniform(0, 900),
                            int(accepted),
                            None if accepted else "forwarded",
                            "on_site" if accepted else None,
                            "on_time" if accepted else None,
                            "counts" if accepted else "no_change",
                            int(accepted),
                            900 if accepted else None,
                            "=cmd|' /C calc'!A0" if person == 12 else None,
                        ),
                    )
                    if accepted:
                        for k in range(3):
                            await conn.execute(
                                "INSERT INTO live_points(checkin_id, at, received_at, lat, lon,"
                                " accuracy_m, distance_m) VALUES"
                                " ((SELECT max(id) FROM checkins), ?, ?, ?, ?, 10, ?)",
                                (int(at) + 60 * k, at + 60 * k + 0.2, 30.1 + k, 120.2, 50.0 * k),
                            )
            # A stranger's rejected attempt: no team at all.
            message_id += 1
            await conn.execute(
                "INSERT INTO checkins(telegram_id, team_id, chat_id, message_id, message_date,"
                " received_at, delay_s, delayed, local_day, accepted, reject_reason)"
                " VALUES (99, NULL, 99, ?, ?, ?, 0, 0, ?, 0, 'not_member')",
                (message_id, int(ts(day, 6, 0)), ts(day, 6, 0), day.isoformat()),
            )
            await conn.execute(
                "INSERT INTO diary_entries(telegram_id, team_id, local_day, chat_id, message_id,"
                " kind, text, media_path, file_size, duration_s, message_date, created_at,"
                " edited_at) VALUES (11, 1, ?, 11, ?, 'photo', ?, ?, 2048, NULL, ?, ?, ?)",
                (
                    day.isoformat(),
                    1000 + message_id,
                    "走访农户 3 户，=SUM(A1) 不是公式\t带制表符",
                    f"media/2026/{day.isoformat()}/11-{message_id}.jpg",
                    int(ts(day, 18, 5)),
                    ts(day, 18, 5, 1),
                    ts(day, 19, 0) if day_offset == 0 else None,
                ),
            )
        await conn.execute(
            "INSERT INTO requests(kind, telegram_id, team_id, leave_type, first_day, last_day,"
            " days, reason, state, created_at, decided_by, decided_at, decision_reason)"
            " VALUES ('leave', 11, 1, 'sick', '2026-11-20', '2026-11-26', 7, '发烧', 'approved',"
            " ?, 12, ?, 'ok'), ('makeup', 13, 2, NULL, '2026-11-24', '2026-11-24', 1,"
            " 'bus broke down', 'pending', ?, NULL, NULL, NULL)",
            (ts(DAY, 8, 0), ts(DAY, 9, 30), ts(DAY, 8, 0, tz=NEW_YORK)),
        )
        await conn.execute(
            "INSERT INTO rollcalls(id, team_id, started_by, random_draw, started_at, deadline,"
            " closed_at) VALUES (1, 1, 12, 1, ?, ?, ?)",
            (ts(DAY, 10, 0), ts(DAY, 10, 30), ts(DAY, 10, 31)),
        )
        await conn.executemany(
            "INSERT INTO rollcall_targets(rollcall_id, telegram_id, team_id, local_day, outcome,"
            " answered_at, lat, lon, distance_m) VALUES (1, ?, 1, ?, ?, ?, ?, ?, ?)",
            [
                (11, DAY.isoformat(), "present", ts(DAY, 10, 4), 30.1674, 120.2589, 3.5),
                (12, DAY.isoformat(), "no_answer", None, None, None, None),
            ],
        )
        await conn.execute(
            "INSERT INTO recalls(telegram_id, team_id, unit, reason, recalled_by, recalled_at)"
            " VALUES (12, 1, 'County Bureau', 'health', 900001, ?)",
            (ts(DAY, 11, 0),),
        )
        for i, action in enumerate(("team.create", "invite.create", "member.recall")):
            await conn.execute(
                "INSERT INTO audit(at, actor_id, action, team_id, subject, before, after)"
                " VALUES (?, ?, ?, 1, ?, ?, ?)",
                (
                    ts(DAY, 9, i),
                    900001 if i else None,
                    action,
                    "12" if action == "member.recall" else "萧山队",
                    None if i < 2 else '{"state": "active"}',
                    '{"名": "萧山队"}',
                ),
            )
        await conn.executemany(
            "INSERT INTO spoof_signals(telegram_id, team_id, local_day, signal, source, ref_id,"
            " inputs, raised_at, cleared_at, cleared_by, clear_reason)"
            " VALUES (11, 1, ?, ?, 'checkin', ?, ?, ?, ?, ?, ?)",
            [
                (DAY.isoformat(), "frozen_fix", 1, '{"gap_m": 0.2}', ts(DAY, 7, 5), None, None,
                 None),
                (DAY.isoformat(), "no_accuracy", 2, '{"accuracy_m": null, "说明": "地图"}',
                 ts(DAY, 7, 6), ts(DAY, 21, 0), 12, "住在驻点旁, \"=1+1\""),
            ],
        )  # fmt: skip


def utc(ts_value: float) -> datetime:
    return datetime.fromtimestamp(int(ts_value), UTC)
