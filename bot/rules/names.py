"""Names people type for things others will see on buttons and in reports."""

from __future__ import annotations

import unicodedata

TEAM_NAME_MAX = 64


def clean_team_name(value: str | None) -> str:
    """The name as it will be stored, or ValueError saying what is wrong with it.

    Control and invisible format characters are dropped and runs of spaces become one: a
    name that is blank once they are gone would make an empty button, which Telegram refuses.
    """
    visible = "".join(
        ch for ch in (value or "") if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    name = " ".join(visible.split())
    if not name:
        raise ValueError("a team name must not be blank")
    if len(name) > TEAM_NAME_MAX:
        raise ValueError(f"a team name is at most {TEAM_NAME_MAX} characters")
    return name
