"""`/policy TEAM KEY VALUE`: one typed setting read as the change it asks for."""

from datetime import date

import pytest

from bot.services.teams import SETTING_KEYS, TeamChanges, setting_change


def test_a_policy_number_is_passed_on_as_typed() -> None:
    assert setting_change("min_days", "20") == TeamChanges(policy=(("min_days", "20"),))


def test_calendar_keys_become_workdays_and_holiday_changes() -> None:
    assert setting_change("workdays", "mon-fri") == TeamChanges(workdays="mon-fri")
    assert setting_change("holiday", "2026-12-25").holidays_add == (date(2026, 12, 25),)
    assert setting_change("holiday_remove", "2026-12-25").holidays_remove == (date(2026, 12, 25),)


@pytest.mark.parametrize("key", ["holiday", "holiday_remove"])
def test_a_bad_holiday_date_is_refused(key: str) -> None:
    with pytest.raises(ValueError):
        setting_change(key, "2026-02-30")


def test_every_key_offered_is_one_the_change_understands() -> None:
    for key in SETTING_KEYS:
        value = "2026-12-25" if key.startswith("holiday") else "mon-fri"
        if key not in ("workdays", "holiday", "holiday_remove"):
            value = "1"
        assert isinstance(setting_change(key, value), TeamChanges)
