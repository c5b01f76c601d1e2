"""Requests and diary entries against a fresh database: overlaps, the first decision wins,
withdrawal, early return, make-up days, follow-up claims, entry edits with history."""

from __future__ import annotations

import asyncio
from datetime import date

from bot.rules.checkin import Site
from storage import Storage
from storage.diary import NewEntry
from storage.leave_requests import NewRequest

NOW = 1_790_000_000.0


async def _team(storage: Storage) -> int:
    team = await storage.teams.create("Xiaoshan", "Asia/Shanghai", Site(30.0, 120.0, 300), now=NOW)
    return team.id


def _leave(team_id: int, first: str, last: str, who: int = 1, kind: str = "leave") -> NewRequest:
    f, la = date.fromisoformat(first), date.fromisoformat(last)
    return NewRequest(
        kind=kind,
        telegram_id=who,
        team_id=team_id,
        leave_type="personal" if kind == "leave" else None,
        first_day=f,
        last_day=la,
        days=(la - f).days + 1,
        reason="family",
        retroactive=False,
    )


async def test_overlap_is_refused_and_names_the_clash(storage: Storage) -> None:
    team = await _team(storage)
    first, clashes = await storage.leave_requests.create(
        _leave(team, "2026-11-29", "2026-12-02"), now=NOW
    )
    assert first is not None and not clashes
    again, clashes = await storage.leave_requests.create(
        _leave(team, "2026-12-02", "2026-12-04"), now=NOW
    )
    assert again is None and [c.id for c in clashes] == [first.id]
    # Someone else, or the next free day, is fine.
    other, _ = await storage.leave_requests.create(
        _leave(team, "2026-12-01", "2026-12-01", who=2), now=NOW
    )
    after, _ = await storage.leave_requests.create(
        _leave(team, "2026-12-03", "2026-12-03"), now=NOW
    )
    assert other is not None and after is not None
    audit = await storage.audit.recent(action="leave.requested")
    assert len(audit) == 3


async def test_rejected_and_cancelled_requests_do_not_block(storage: Storage) -> None:
    team = await _team(storage)
    r, _ = await storage.leave_requests.create(_leave(team, "2026-12-01", "2026-12-02"), now=NOW)
    assert r is not None
    await storage.leave_requests.decide(
        r.id,
        expect_state="pending",
        new_state="rejected",
        actor_id=9,
        admin_stage=False,
        reason="no",
        now=NOW,
    )
    again, clashes = await storage.leave_requests.create(
        _leave(team, "2026-12-01", "2026-12-02"), now=NOW
    )
    assert again is not None and not clashes


async def test_concurrent_decisions_exactly_one_wins(storage: Storage) -> None:
    team = await _team(storage)
    r, _ = await storage.leave_requests.create(_leave(team, "2026-12-01", "2026-12-02"), now=NOW)
    assert r is not None
    results = await asyncio.gather(
        *[
            storage.leave_requests.decide(
                r.id,
                expect_state="pending",
                new_state=state,
                actor_id=actor,
                admin_stage=False,
                reason=None,
                now=NOW,
            )
            for actor, state in [(7, "approved"), (8, "rejected"), (7, "approved"), (8, "approved")]
        ]
    )
    assert sum(d.won for d in results) == 1
    winner = next(d for d in results if d.won)
    stored = await storage.leave_requests.get(r.id)
    assert stored is not None and stored.state == winner.request.state  # type: ignore[union-attr]
    audits = [a for a in await storage.audit.recent() if a["subject"] == f"request:{r.id}"]
    assert [a["action"] for a in audits].count("leave.requested") == 1
    assert len(audits) == 2  # the request and the one decision


async def test_two_level_approval_records_both_deciders(storage: Storage) -> None:
    team = await _team(storage)
    r, _ = await storage.leave_requests.create(_leave(team, "2026-12-01", "2026-12-10"), now=NOW)
    assert r is not None
    d1 = await storage.leave_requests.decide(
        r.id,
        expect_state="pending",
        new_state="awaiting_admin",
        actor_id=7,
        admin_stage=False,
        reason=None,
        now=NOW,
    )
    d2 = await storage.leave_requests.decide(
        r.id,
        expect_state="awaiting_admin",
        new_state="approved",
        actor_id=99,
        admin_stage=True,
        reason=None,
        now=NOW + 5,
    )
    assert d1.won and d2.won and d2.request is not None
    assert d2.request.decided_by == 7 and d2.request.admin_decided_by == 99
    assert d2.request.state == "approved"


async def test_cancel_and_end_early(storage: Storage) -> None:
    team = await _team(storage)
    today = date(2026, 11, 25)
    future, _ = await storage.leave_requests.create(
        _leave(team, "2026-12-01", "2026-12-02"), now=NOW
    )
    running, _ = await storage.leave_requests.create(
        _leave(team, "2026-11-20", "2026-11-30"), now=NOW
    )
    assert future is not None and running is not None
    for r in (future, running):
        await storage.leave_requests.decide(
            r.id,
            expect_state="pending",
            new_state="approved",
            actor_id=7,
            admin_stage=False,
            reason=None,
            now=NOW,
        )
    # Someone else cannot cancel; a started leave cannot be cancelled, only ended.
    assert not (await storage.leave_requests.cancel(future.id, 2, today=today, now=NOW)).won
    assert not (await storage.leave_requests.cancel(running.id, 1, today=today, now=NOW)).won
    assert (await storage.leave_requests.cancel(future.id, 1, today=today, now=NOW)).won
    ended = await storage.leave_requests.end_early(running.id, 1, back_on=today, days=5, now=NOW)
    assert ended.won and ended.request is not None and ended.request.days == 5
    assert not (
        await storage.leave_requests.end_early(running.id, 1, back_on=today, days=5, now=NOW)
    ).won
    # The released days are free again; the days taken are not.
    free, _ = await storage.leave_requests.create(_leave(team, "2026-11-25", "2026-11-26"), now=NOW)
    assert free is not None
    _none, clashes = await storage.leave_requests.create(
        _leave(team, "2026-11-24", "2026-11-24"), now=NOW
    )
    assert [c.id for c in clashes] == [running.id]
    mine = await storage.leave_requests.of_person(1, from_day=today)
    assert [r.id for r in mine] == [free.id]


async def test_approved_makeup_marks_the_day(storage: Storage) -> None:
    team = await _team(storage)
    mk, _ = await storage.leave_requests.create(
        _leave(team, "2026-11-24", "2026-11-24", kind="makeup"), now=NOW
    )
    assert mk is not None
    await storage.leave_requests.decide(
        mk.id,
        expect_state="pending",
        new_state="approved",
        actor_id=7,
        admin_stage=False,
        reason=None,
        now=NOW,
    )
    day = await storage.checkins.day_state(1, team, date(2026, 11, 24))
    assert day is not None and day["timing"] == "made_up" and day["place"] == "on_site"


async def test_makeup_keeps_an_existing_place(storage: Storage) -> None:
    team = await _team(storage)
    await storage.db.execute(
        "INSERT INTO attendance_days(telegram_id, team_id, local_day, place, timing, updated_at)"
        " VALUES (1, ?, '2026-11-24', 'out_of_area', 'missed', 0)",
        (team,),
    )
    mk, _ = await storage.leave_requests.create(
        _leave(team, "2026-11-24", "2026-11-24", kind="makeup"), now=NOW
    )
    assert mk is not None
    await storage.leave_requests.decide(
        mk.id,
        expect_state="pending",
        new_state="approved",
        actor_id=7,
        admin_stage=False,
        reason=None,
        now=NOW,
    )
    day = await storage.checkins.day_state(1, team, date(2026, 11, 24))
    assert day is not None and day["timing"] == "made_up" and day["place"] == "out_of_area"


async def test_followup_claims_are_once(storage: Storage) -> None:
    team = await _team(storage)
    r, _ = await storage.leave_requests.create(_leave(team, "2026-12-01", "2026-12-01"), now=NOW)
    assert r is not None
    claims = await asyncio.gather(
        *[storage.leave_requests.claim_followup(r.id, "reminded_at", now=NOW) for _ in range(5)]
    )
    assert claims.count(True) == 1
    assert [x.id for x in await storage.leave_requests.undecided(created_before=NOW)] == [r.id]


async def test_diary_entry_edit_keeps_history_and_duplicates_are_ignored(storage: Storage) -> None:
    team = await _team(storage)
    entry = NewEntry(
        telegram_id=1,
        team_id=team,
        local_day=date(2026, 11, 25),
        chat_id=1,
        message_id=10,
        kind="text",
        text="fixed the pump",
        message_date=int(NOW),
    )
    first = await storage.diary.add(entry, now=NOW)
    assert first is not None
    assert await storage.diary.add(entry, now=NOW) is None
    assert await storage.diary.edit(first.id, "fixed the water pump", now=NOW + 60)
    assert not await storage.diary.edit(first.id, "fixed the water pump", now=NOW + 70)
    assert await storage.diary.history(first.id) == ["fixed the pump"]
    [stored] = await storage.diary.of_person_day(1, date(2026, 11, 25))
    assert stored.text == "fixed the water pump" and stored.edited_at == NOW + 60
    assert await storage.diary.team_day_counts(team, date(2026, 11, 25)) == {1: 1}


async def test_admin_deciding_a_long_leave_first_gives_both_approvals(storage: Storage) -> None:
    team = await _team(storage)
    r, _ = await storage.leave_requests.create(_leave(team, "2026-12-01", "2026-12-10"), now=NOW)
    assert r is not None
    d = await storage.leave_requests.decide(
        r.id,
        expect_state="pending",
        new_state="approved",
        actor_id=99,
        admin_stage=False,
        reason=None,
        now=NOW,
        also_admin=True,
    )
    assert d.request is not None and d.request.state == "approved"
    assert d.request.decided_by == 99 and d.request.admin_decided_by == 99
