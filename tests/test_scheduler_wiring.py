"""The scheduler carries every flow's jobs: one of each, named, in the right timezone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.jobs import MONTHLY_COMPLIANCE, reschedule_team, slot_job
from tests.export_data import populate
from tests.world import World


def _names(world: World) -> list[str]:
    return [job.name or "" for job in world.app.job_queue.jobs()]


async def test_deployment_and_team_jobs_exist_once(world: World) -> None:
    team = await world.team(tz="Europe/Berlin")
    await reschedule_team(world.app, team.id)
    await reschedule_team(world.app, team.id)  # again: replaced, never doubled
    names = _names(world)
    for name in ("admin:leave_followups", "admin:recall_vacancies", "admin:rollcall_draw"):
        assert names.count(name) == 1, name
    job = slot_job(world.app, team.id, MONTHLY_COMPLIANCE)
    assert job is not None and job.name is not None
    assert names.count(job.name) == 1
    # 08:00 on the 1st in the team's own timezone, not the server's.
    trigger = job.job.trigger
    assert str(trigger.timezone) == "Europe/Berlin"
    assert {f.name: str(f) for f in trigger.fields}["day"] == "1"
    slot_jobs = [n for n in names if n.startswith("slot:") and "Europe/Berlin" in n]
    assert len(slot_jobs) == len(set(slot_jobs)) >= 5


async def test_settled_checkins_are_rendered_each_night_on_postgresql(world: World) -> None:
    # Only PostgreSQL exports read stored cells (storage/stored_cells.py).
    expected = 1 if world.storage.db.dialect.postgres else 0
    job = [j for j in world.app.job_queue.jobs() if j.name == "admin:seal_export_cells"]
    assert len(job) == expected
    if not job:
        return
    trigger = job[0].job.trigger
    assert str(trigger.timezone) == world.ctx.settings.timezone
    assert {f.name: str(f) for f in trigger.fields}["hour"] == "2"
    # Run as at 02:30 on the 26th: the days before it are rendered, that day's rows are not.
    await populate(world.storage)
    world.clock.set(datetime(2026, 11, 26, 2, 30, tzinfo=ZoneInfo(world.ctx.settings.timezone)))
    await job[0].run(world.app)
    rows = await world.storage.db.fetchall("SELECT local_day, csv_key FROM checkins")
    assert {day < "2026-11-26" for day, _ in rows} == {True, False}
    assert all((key is not None) == (day < "2026-11-26") for day, key in rows)
