"""The scheduler carries every flow's jobs: one of each, named, in the right timezone."""

from __future__ import annotations

from bot.scheduler import reschedule_team, team_job_name
from tests.world import World


def _names(world: World) -> list[str]:
    return [job.name for job in world.app.job_queue.jobs()]


async def test_deployment_and_team_jobs_exist_once(world: World) -> None:
    team = await world.team(tz="Europe/Berlin")
    await reschedule_team(world.app, team.id)
    await reschedule_team(world.app, team.id)  # again: replaced, never doubled
    names = _names(world)
    for name in ("admin:leave_followups", "admin:recall_vacancies", "admin:rollcall_draw"):
        assert names.count(name) == 1, name
    monthly = team_job_name(team.id, "monthly_compliance")
    assert names.count(monthly) == 1
    [job] = world.app.job_queue.get_jobs_by_name(monthly)
    # 08:00 on the 1st in the team's own timezone, not the server's.
    trigger = job.job.trigger
    assert str(trigger.timezone) == "Europe/Berlin"
    assert {f.name: str(f) for f in trigger.fields}["day"] == "1"
    team_jobs = [n for n in names if n.startswith(f"team:{team.id}:")]
    assert len(team_jobs) == len(set(team_jobs)) >= 5
