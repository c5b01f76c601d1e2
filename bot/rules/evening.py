"""The night side of the supervisor's summary (SPEC §3.5, §2): who showed evening presence,
who was out of area, who has not shared an evening location, and who cannot be reached.

Decisions:

* Only when the team's evening check is on; members on approved leave are not expected.
* A member's night is on site if any accepted evening location was on site (as in the
  morning, an on-site fix upgrades an out-of-area one), else out of area with the reason
  they gave last, else missing.
* Missing is "not yet" while the evening window is still open (the 21:00 summary falls
  inside it): nobody is called absent before the window closes.
* Unreachable members (they blocked the bot) are listed on their own: they get no
  reminder and no roll call, and a supervisor has to reach them another way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time

from bot.i18n import t
from bot.rules.reminders import LeaveSpan, on_leave
from bot.rules.summary import Member
from bot.rules.team_hours import Schedule


@dataclass(frozen=True)
class EveningCheck:
    telegram_id: int
    place: str  # "on_site" or "out_of_area"
    reason: str | None = None


@dataclass(frozen=True)
class EveningModel:
    start: time
    end: time
    over: bool
    present: tuple[str, ...]
    away: tuple[tuple[str, str | None], ...]  # name, reason
    missing: tuple[str, ...]


def build_evening(
    members: Sequence[Member],
    checks: Iterable[EveningCheck],
    leaves: Iterable[LeaveSpan],
    day: date,
    schedule: Schedule,
    *,
    over: bool,
) -> EveningModel | None:
    if not schedule.evening_enabled:
        return None
    by_member: dict[int, list[EveningCheck]] = {}
    for check in checks:
        by_member.setdefault(check.telegram_id, []).append(check)
    spans = list(leaves)
    present, away, missing = [], [], []
    for m in members:
        mine = by_member.get(m.telegram_id, [])
        if any(c.place == "on_site" for c in mine):
            present.append(m.name)
        elif mine:
            away.append((m.name, next((c.reason for c in reversed(mine) if c.reason), None)))
        elif on_leave(spans, m.telegram_id, day) is None:
            missing.append(m.name)
    return EveningModel(
        schedule.evening_start,
        schedule.evening_end,
        over,
        tuple(present),
        tuple(away),
        tuple(missing),
    )


def render_evening(lang: str, model: EveningModel) -> str:
    lines = [
        t(
            lang,
            "summary.evening.title",
            start=model.start.strftime("%H:%M"),
            end=model.end.strftime("%H:%M"),
        ),
        _line(lang, "summary.evening.present", model.present),
    ]
    away = t(lang, "summary.evening.away", n=len(model.away))
    if model.away:
        reasons = (
            t(lang, "summary.evening.away_line", name=n, reason=r or t(lang, "summary.no_reason"))
            for n, r in model.away
        )
        away += ":\n" + "\n".join(reasons)
    lines.append(away)
    key = "summary.evening.missing" if model.over else "summary.evening.not_yet"
    lines.append(_line(lang, key, model.missing))
    return "\n".join(lines)


def render_unreachable(lang: str, names: Sequence[str]) -> str | None:
    if not names:
        return None
    return _line(lang, "summary.unreachable", names)


def _line(lang: str, key: str, names: Sequence[str]) -> str:
    head = t(lang, key, n=len(names))
    if not names:
        return head
    return head + ("：" + "、".join(names) if lang == "zh" else ": " + ", ".join(names))
