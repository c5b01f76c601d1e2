"""What a finished leave or make-up conversation asks for (bot/services/leave_requests.py):
a decision once in the handlers, now a function of its inputs."""

from __future__ import annotations

from datetime import date

from bot.rules.checkin import Site
from bot.rules.policy import Policy
from bot.rules.team_hours import Schedule
from bot.services.leave_requests import request_from
from storage.models import Team

# Monday to Friday; 2026-12-05/06 are a weekend.
WEEKDAYS = Schedule(workdays=frozenset(range(5)))
TEAM = Team(1, "T", "Asia/Shanghai", Site(30.0, 120.0, 300), WEEKDAYS, Policy())
TODAY = date(2026, 12, 3)


def test_leave_counts_the_teams_workdays_and_keeps_its_type() -> None:
    span = (date(2026, 12, 4), date(2026, 12, 8))  # Fri .. Tue
    new = request_from(7, TEAM, "leave", "sick", span, "Flu", TODAY)
    assert (new.kind, new.leave_type, new.days, new.reason) == ("leave", "sick", 3, "Flu")
    assert new.telegram_id == 7 and new.team_id == 1 and not new.retroactive


def test_leave_for_past_days_is_retroactive_a_makeup_never() -> None:
    past = (date(2026, 12, 1), date(2026, 12, 1))
    assert request_from(7, TEAM, "leave", "personal", past, "r", TODAY).retroactive
    makeup = request_from(7, TEAM, "makeup", "personal", past, "r", TODAY)
    assert not makeup.retroactive and makeup.leave_type is None and makeup.days == 1
