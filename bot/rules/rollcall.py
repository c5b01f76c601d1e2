"""Roll calls (SPEC §3.6): judging an answer, counting absences, drawing the weekly spot
checks. Pure: randomness comes in as a ``random.Random``, time as aware datetimes.

Decisions:

* Only a *live* location answers a roll call: a static pin can be dropped from anywhere on
  a map. Forwarded, venue, offline (scheduled) and inaccurate locations are asked again,
  as are invalid coordinates; none of them is an answer.
* Within the site radius is present, otherwise out of area (the same geodesic rule as the
  morning check-in).
* The weekly draw picks ``k`` distinct teams, k uniform in [min, max] capped at the number
  of teams that still have working hours ahead this week (a team with none left cannot be
  called, so it must not take another team's place), each at a uniform random second of
  working hours on a uniformly chosen workday of that week still ahead; working hours are
  from the on-time deadline until ``WORK_ENDS`` local minus the answer window, so a roll
  call never outlives the workday.
* A week already drawn is topped up, never redrawn: when fewer than ``min`` teams were
  drawn (teams were created after the draw), more are drawn up to
  ``min(min, teams that can still be called)``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from bot.rules.checkin import LocationEvidence, Site
from bot.rules.geo import InvalidCoordinates, Point, check_coordinates, distance_m
from bot.rules.team_hours import Schedule, is_workday, local_to_utc, on_time_until

WORK_ENDS = time(18, 0)
ABSENT = ("out_of_area", "no_answer")


class Outcome(StrEnum):
    PRESENT = "present"
    OUT_OF_AREA = "out_of_area"
    NO_ANSWER = "no_answer"


class AskAgain(StrEnum):
    NOT_LIVE = "not_live"
    FORWARDED = "forwarded"
    OFFLINE = "offline"
    INACCURATE = "inaccurate"
    BAD_COORDINATES = "bad_coordinates"


@dataclass(frozen=True)
class RollcallAnswer:
    lat: float
    lon: float
    accuracy_m: float | None
    live_period: int | None
    is_forwarded: bool = False
    is_venue: bool = False
    is_from_offline: bool = False

    @classmethod
    def of(cls, evidence: LocationEvidence) -> RollcallAnswer:
        """The part of a shared location's evidence (read once, handlers/locations.py) that a
        roll call judges: no second reading of the message. Every field of an answer is
        one of the evidence, by the same name."""
        return cls(**{f.name: getattr(evidence, f.name) for f in fields(cls)})


@dataclass(frozen=True)
class Judged:
    outcome: Outcome | None
    ask_again: AskAgain | None
    distance_m: float | None


def judge_answer(answer: RollcallAnswer, site: Site) -> Judged:
    if answer.is_forwarded or answer.is_venue:
        return Judged(None, AskAgain.FORWARDED, None)
    if answer.is_from_offline:
        return Judged(None, AskAgain.OFFLINE, None)
    if not answer.live_period or answer.live_period <= 0:
        return Judged(None, AskAgain.NOT_LIVE, None)
    acc = answer.accuracy_m
    if acc is not None and (not math.isfinite(acc) or acc > site.radius_m):
        return Judged(None, AskAgain.INACCURATE, None)
    try:
        point = check_coordinates(answer.lat, answer.lon)
    except (InvalidCoordinates, ValueError):
        return Judged(None, AskAgain.BAD_COORDINATES, None)
    dist = distance_m(point, Point(site.lat, site.lon))
    outcome = Outcome.PRESENT if dist <= site.radius_m else Outcome.OUT_OF_AREA
    return Judged(outcome, None, dist)


@dataclass(frozen=True)
class DrawTeam:
    team_id: int
    timezone: str
    schedule: Schedule


@dataclass(frozen=True)
class PlannedCall:
    team_id: int
    at: datetime  # aware UTC


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def draw_week(
    teams: Sequence[DrawTeam],
    week_monday: date,
    now: datetime,
    rng: random.Random,
    *,
    min_teams: int,
    max_teams: int,
    answer_minutes: int,
    already: Collection[int] = (),
) -> list[PlannedCall]:
    """This week's surprise roll calls: which teams, and when (never in the past).
    ``already``: the teams this week's earlier draw planned; only a top-up is drawn then."""
    if max_teams <= 0:
        return []
    low = max(0, min(min_teams, max_teams))
    open_slots = {
        team.team_id: slots
        for team in teams
        if team.team_id not in already and (slots := _slots(team, week_monday, now, answer_minutes))
    }
    wanted = low - len(already) if already else rng.randint(low, max_teams)
    eligible = [team.team_id for team in teams if team.team_id in open_slots]
    chosen = rng.sample(eligible, max(0, min(wanted, len(eligible))))
    plans = []
    for team_id in sorted(chosen):
        start, end = rng.choice(open_slots[team_id])
        seconds = int((end - start).total_seconds())
        plans.append(PlannedCall(team_id, start + timedelta(seconds=rng.randint(0, seconds))))
    return plans


def _slots(
    team: DrawTeam, monday: date, now: datetime, answer_minutes: int
) -> list[tuple[datetime, datetime]]:
    """Working-hours windows (UTC) of the team's remaining workdays this week."""
    windows = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        if not is_workday(day, team.schedule):
            continue
        start = local_to_utc(day, on_time_until(team.schedule), team.timezone)
        end = local_to_utc(day, WORK_ENDS, team.timezone) - timedelta(minutes=answer_minutes)
        start = max(start, now.astimezone(UTC) + timedelta(minutes=1))
        if end > start:
            windows.append((start, end))
    return windows
