"""Which messages a check-in leads to (bot/services/checkin.follow_ups): a decision once in
the handler, now a rule of the judged result."""

from __future__ import annotations

from datetime import date

from bot.rules.checkin import CheckinVerdict, DayEffect, EveningOutcome, Place, RejectReason
from bot.rules.team_hours import Timing
from bot.services.checkin import CheckinResult, FollowUp, follow_ups
from storage.checkins import RecordedCheckin

F = FollowUp
DAY = date(2026, 11, 25)


def _result(
    *,
    accepted: bool = True,
    place: Place | None = Place.ON_SITE,
    timing: Timing | None = Timing.ON_TIME,
    effect: DayEffect = DayEffect.COUNTS,
    kind: str = "morning",
    evening: EveningOutcome | None = None,
) -> CheckinResult:
    reason = None if accepted else RejectReason.FORWARDED
    verdict = CheckinVerdict(accepted, reason, 10.0, place, timing, DAY, 0.0, False, evening)
    recorded = RecordedCheckin(1, False, effect, place, None)
    return CheckinResult(verdict, recorded, None, kind)


def test_on_time_on_site_is_one_reply_and_a_live_note_when_live() -> None:
    assert follow_ups(_result(), staff=False, live=False) == [F.MORNING_REPLY]
    assert follow_ups(_result(), staff=False, live=True) == [F.MORNING_REPLY, F.LIVE_TRACKING]


def test_out_of_area_asks_why_only_when_the_check_in_counts() -> None:
    away = _result(place=Place.OUT_OF_AREA)
    assert follow_ups(away, staff=False, live=False) == [F.MORNING_REPLY, F.OUT_OF_AREA]
    later = _result(place=Place.OUT_OF_AREA, effect=DayEffect.NO_CHANGE)
    assert follow_ups(later, staff=False, live=False) == [F.MORNING_REPLY]


def test_missed_offers_a_makeup_and_staff_are_told_what_check_ins_are_for() -> None:
    missed = _result(timing=Timing.MISSED)
    assert follow_ups(missed, staff=False, live=False) == [F.MORNING_REPLY, F.MAKEUP_OFFER]
    refused = _result(accepted=False, place=None, timing=None)
    assert follow_ups(refused, staff=True, live=True) == [F.STAFF_NOTE]
    assert follow_ups(refused, staff=False, live=True) == [F.MORNING_REPLY]


def test_the_evening_check_has_its_own_reply_and_asks_why_when_away() -> None:
    night = _result(kind="evening", timing=None, evening=EveningOutcome.PRESENT)
    assert follow_ups(night, staff=False, live=True) == [F.EVENING_REPLY]
    away = _result(kind="evening", timing=None, evening=EveningOutcome.OUT_OF_AREA)
    assert follow_ups(away, staff=False, live=False) == [F.EVENING_REPLY, F.OUT_OF_AREA]
