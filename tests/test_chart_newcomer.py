"""The chart reads right for a newcomer (issue 13 item 12, chart parts): every legend colour
is its own, and a mid-month joiner's row is judged against her prorated minimum."""

from __future__ import annotations

from datetime import date

from bot.reports.compliance_chart import days_label
from bot.reports.compliance_colors import STATUS_COLORS
from bot.rules.compliance import DayRecord, MemberInput, TeamInput, team_month
from bot.rules.policy import Policy
from bot.rules.team_hours import Schedule


def test_every_status_has_its_own_colour() -> None:
    colours = [c.lower() for c in STATUS_COLORS.values()]
    assert len(set(colours)) == len(colours)


def test_a_mid_month_joiner_is_judged_against_her_prorated_minimum() -> None:
    days = [date(2026, 11, d) for d in range(23, 31)]
    joiner = MemberInput(
        telegram_id=1,
        name="Newcomer",
        days=tuple(DayRecord(d, "on_site", "on_time") for d in days[:6]),
        member_since=date(2026, 11, 23),
    )
    veteran = MemberInput(
        telegram_id=2, name="Veteran", days=tuple(DayRecord(d, "on_site", "on_time") for d in days)
    )
    team = TeamInput(1, "T", "Asia/Shanghai", Schedule(), Policy(), (joiner, veteran))
    tm = team_month(team, 2026, 11, date(2026, 11, 30))
    new, old = sorted(tm.members, key=lambda m: m.telegram_id)
    assert new.min_days == 6 and old.min_days == 22
    text, short = days_label(new, tm)
    assert text.strip() == "6/6" and short is False  # owed 6 of 8 days, did 6: not short
    text, short = days_label(old, tm)
    assert text.strip() == "8" and short is True
