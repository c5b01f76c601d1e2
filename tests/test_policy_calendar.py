"""Policy and calendar are settings (SPEC §2, issue 13 item 13): per team from the shell and
in chat, defaults for new teams, and leave days that skip holidays and days off."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.rules.calendar import parse_workdays
from bot.rules.leave import leave_workdays
from bot.rules.team_hours import Schedule
from tests.cli_helpers import run_cli
from tests.test_e2e_leave import ask_leave
from tests.world import World


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("Mon,Wed,Fri", {0, 2, 4}),
        ("all", set(range(7))),
        ("sat-mon", {5, 6, 0}),
        ("周一-周五", {0, 1, 2, 3, 4}),
    ],
)
def test_workdays_are_read_as_people_write_them(text: str, days: set[int]) -> None:
    assert parse_workdays(text) == frozenset(days)


@pytest.mark.parametrize("text", ["", "funday", "mon-", "8"])
def test_unreadable_workdays_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_workdays(text)


@given(st.dates(), st.integers(0, 40), st.frozensets(st.integers(0, 6), min_size=1))
def test_leave_workdays_never_exceed_calendar_days(first: date, span: int, workdays) -> None:
    from datetime import timedelta

    last = first + timedelta(days=span) if first < date(9000, 1, 1) else first
    schedule = Schedule(workdays=workdays, holidays=frozenset({first}))
    n = leave_workdays(first, last, schedule)
    assert 0 <= n <= (last - first).days  # the holiday on the first day never counts


async def test_team_policy_and_calendar_set_from_the_shell_and_audited(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    team = await world.team("Xiaoshan")
    code = await run_cli(
        world, "team", "set", "Xiaoshan", "--min-days", "20", "--min-nights", "12",
        "--excellent-absences", "1", "--competent-absences", "2",
        "--second-approval-after", "3", "--refill-days", "10", "--workdays", "mon-fri",
        "--holiday", "2026-12-01", "--holiday", "2026-12-02",
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    updated = await world.storage.teams.get(team.id)
    p = updated.policy
    assert (p.min_days, p.min_nights, p.excellent_absence_limit) == (20, 12, 1)
    assert (p.competent_absence_limit, p.second_approval_after_days, p.refill_days) == (2, 3, 10)
    assert updated.schedule.workdays == frozenset(range(5))
    assert updated.schedule.holidays == {date(2026, 12, 1), date(2026, 12, 2)}
    [audit] = await world.storage.audit.recent(action="team.update")
    assert '"min_days": 20' in audit["after"] and '"min_days": 22' in audit["before"]
    assert await run_cli(world, "team", "set", "Xiaoshan", "--holiday-remove", "2026-12-02") == 0
    assert (await world.storage.teams.get(team.id)).schedule.holidays == {date(2026, 12, 1)}
    assert await run_cli(world, "team", "set", "Xiaoshan", "--min-days", "40") == 2
    assert "min-days" in capsys.readouterr().err


async def test_policy_defaults_apply_to_new_teams_only(world: World) -> None:
    old = await world.team("Old")
    assert await run_cli(world, "policy", "set", "--min-days", "18", "--refill-days", "5") == 0
    new = await world.team("New")
    assert (new.policy.min_days, new.policy.refill_days) == (18, 5)
    assert (await world.storage.teams.get(old.id)).policy.min_days == 22
    assert len(await world.storage.audit.recent(action="policy.defaults")) == 1


async def test_leave_days_skip_holidays_and_the_admin_sets_policy_in_chat(world: World) -> None:
    team = await world.team("Xiaoshan")
    admin = world.person("Chen Admin", user_id=world.admin_id)
    admin.send_command("policy", "Xiaoshan holiday 2026-12-01")
    assert "2026-12-01" in (await admin.next_message())["text"]
    admin.send_command("policy", "Xiaoshan second_approval 3")
    assert "3" in (await admin.next_message())["text"]
    admin.send_command("policy", "Xiaoshan min_days lots")
    assert "min_days" in (await admin.next_message())["text"]
    admin.send_command("policy", "Xiaoshan")
    shown = (await admin.next_message())["text"]
    assert "2026-12-01" in shown and "22" in shown
    boss = await world.join(team, role="supervisor", name="Zhang")
    li = await world.join(team, name="Li Wei")
    li.send_command("policy", "Xiaoshan min_days 1")
    assert "not allowed" in (await li.next_message())["text"]
    # 2026-11-30 .. 2026-12-03 is four calendar days; the holiday does not count: 3 days,
    # so no admin's second approval is needed with the limit at 3.
    sent = await ask_leave(li, "2026-11-30", "2026-12-03")
    assert "sent to 1 approver" in sent["text"]
    prompt = await boss.next_message()
    assert "days: 3" in prompt["text"]
    row = await world.storage.db.fetchone(
        "SELECT days FROM requests WHERE telegram_id = ?", (li.id,)
    )
    assert row["days"] == 3


async def test_the_monthly_report_counts_leave_days_without_holidays_and_days_off(
    world: World,
) -> None:
    """A leave Tuesday 1 to Monday 7 December over a holiday (the 1st) and a weekend costs 4
    days when asked, and the December report's leave columns say 4 too, not 7."""
    import io

    from openpyxl import load_workbook

    from tests.conftest import SHANGHAI

    team = await world.team("Xiaoshan")
    args = ("team", "set", "Xiaoshan", "--workdays", "mon-fri", "--holiday", "2026-12-01")
    assert await run_cli(world, *args) == 0
    boss = await world.join(team, role="supervisor", name="Zhang")
    li = await world.join(team, name="Li Wei")
    sent = await ask_leave(li, "2026-12-01", "2026-12-07")
    assert "sent to 1 approver" in sent["text"]
    prompt = await boss.next_message()
    assert "days: 4" in prompt["text"]
    [request_id] = [r["id"] for r in await world.storage.db.fetchall("SELECT id FROM requests", ())]
    boss.press(prompt, data=f"req:approve:{request_id}")
    assert "approved" in (await li.next_message())["text"].lower()
    world.clock.set(datetime(2027, 1, 2, 9, 0, tzinfo=SHANGHAI))
    mark = world.emu.mark()
    boss.send_command("report", "2026-12")
    await world.emu.wait_for(lambda r: r.method == "sendDocument", since=mark)
    [upload] = [u for u in world.emu.uploads if u.filename.endswith(".xlsx")]
    sheet = load_workbook(io.BytesIO(upload.data), read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header, li_row = rows[0], next(r for r in rows if "Li Wei" in r)
    assert li_row[header.index("Leave: personal")] == 4
    assert li_row[header.index("Leave days")] == 4
