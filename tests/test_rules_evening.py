"""The evening check's own judgement and the night side of the summary, as pure rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from hypothesis import given
from hypothesis import strategies as st

from bot.rules.checkin import EveningOutcome, judge_checkin
from bot.rules.evening import EveningCheck, build_evening, render_evening
from bot.rules.reminders import LeaveSpan
from bot.rules.summary import Member
from bot.rules.team_hours import Schedule
from tests.test_rules_checkin import SITE, evidence

SH = "Asia/Shanghai"
EVENING = Schedule(evening_enabled=True)
AT_2030 = datetime(2026, 11, 25, 12, 30, tzinfo=UTC)  # 20:30 in Shanghai
DAY = date(2026, 11, 25)


@given(
    st.floats(min_value=-0.05, max_value=0.05),
    st.booleans(),
    st.sampled_from(["active", "recalled", None]),
)
def test_an_evening_is_judged_like_the_morning_but_has_no_morning_timing(
    north: float, forwarded: bool, membership: str | None
) -> None:
    ev = evidence(
        lat=SITE.lat + north, is_forwarded=forwarded, message_date=AT_2030, received_at=AT_2030
    )
    night = judge_checkin(ev, SITE, EVENING, SH, membership=membership, evening=True)
    morning = judge_checkin(ev, SITE, EVENING, SH, membership=membership)
    assert night.timing is None
    assert (night.accepted, night.reject_reason, night.place, night.distance_m) == (
        morning.accepted,
        morning.reject_reason,
        morning.place,
        morning.distance_m,
    )
    if not night.accepted:
        assert night.evening is None
    else:
        on_site = night.distance_m is not None and night.distance_m <= SITE.radius_m
        assert night.evening is (EveningOutcome.PRESENT if on_site else EveningOutcome.OUT_OF_AREA)


def test_the_night_upgrades_on_site_skips_leave_and_waits_for_the_window() -> None:
    members = [Member(1, "Li"), Member(2, "Wang"), Member(3, "Zhao"), Member(4, "Sun")]
    checks = [
        EveningCheck(1, "out_of_area", "fetching water"),
        EveningCheck(1, "on_site"),
        EveningCheck(2, "out_of_area", "hospital"),
        EveningCheck(2, "out_of_area"),
    ]
    leaves = [LeaveSpan(4, DAY, DAY)]
    model = build_evening(members, checks, leaves, DAY, EVENING, over=False)
    assert model is not None
    assert model.present == ("Li",) and model.away == (("Wang", "hospital"),)
    assert model.missing == ("Zhao",) and (model.start, model.end) == (time(20), time(23, 59))
    assert "No evening location yet: 1: Zhao" in render_evening("en", model)
    over = build_evening(members, checks, leaves, DAY, EVENING, over=True)
    assert over is not None and "No evening location: 1: Zhao" in render_evening("en", over)
    assert "未发送晚间位置：1：Zhao" in render_evening("zh", over)
    assert build_evening(members, checks, leaves, DAY, Schedule(), over=True) is None
