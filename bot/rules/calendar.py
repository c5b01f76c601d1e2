"""Workdays as people write them: "mon-fri", "Mon,Wed,Fri", "all", "周一-周五"."""

from __future__ import annotations

_NAMES = {
    **{name: i for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{name: i for i, name in enumerate(("周一", "周二", "周三", "周四", "周五", "周六", "周日"))},
    "周天": 6,
}
WEEK = frozenset(range(7))


def _day(token: str) -> int:
    key = token.strip().lower()[:3] if token.strip().isascii() else token.strip()
    if key not in _NAMES:
        raise ValueError(f"{token!r} is not a weekday (mon..sun)")
    return _NAMES[key]


def parse_workdays(text: str) -> frozenset[int]:
    """Weekday numbers, Monday 0. A range wraps over the weekend: "sat-mon" is Sat, Sun, Mon."""
    value = text.strip().lower()
    if value in ("all", "every day", "daily", "每天"):
        return WEEK
    days: set[int] = set()
    for part in value.replace("，", ",").replace("、", ",").split(","):
        if not part.strip():
            raise ValueError(f"{text!r}: an empty weekday")
        if "-" in part:
            start_text, end_text = part.split("-", 1)
            start, end = _day(start_text), _day(end_text)
            days.update((start + i) % 7 for i in range((end - start) % 7 + 1))
        else:
            days.add(_day(part))
    return frozenset(days)


def format_workdays(days: frozenset[int]) -> str:
    names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    return "all" if days == WEEK else ",".join(names[d] for d in sorted(days))
