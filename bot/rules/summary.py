"""The supervisor's day summary and weekly digest (SPEC §3.5): pure models built from rows,
rendered through the catalog in the reader's language.

Decisions:

* Only active members are counted; a recalled member's history stays in reports, not here.
* A day with no check-in is "missed" once the cutoff has passed (``final``), before that
  "not checked in yet": an on-demand summary at 09:00 must not call anyone absent.
* On a non-workday nobody is missed and no diary is owed; check-ins that came anyway show.
* ``made_up`` days (an approved make-up) are listed on their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from bot.i18n import t
from bot.rules.reminders import LeaveSpan, on_leave


@dataclass(frozen=True)
class Member:
    telegram_id: int
    name: str


@dataclass(frozen=True)
class Attendance:
    telegram_id: int
    place: str
    timing: str
    reason: str | None = None


@dataclass(frozen=True)
class PendingRequest:
    id: int
    telegram_id: int
    name: str
    kind: str
    leave_type: str | None
    first_day: date
    last_day: date
    days: int
    state: str


@dataclass(frozen=True)
class OutOfArea:
    name: str
    timing: str
    reason: str | None


@dataclass(frozen=True)
class SummaryModel:
    team_name: str
    day: date
    workday: bool
    final: bool
    on_time: tuple[str, ...]
    late: tuple[str, ...]
    made_up: tuple[str, ...]
    out_of_area: tuple[OutOfArea, ...]
    missed: tuple[str, ...]
    on_leave: tuple[tuple[str, str], ...]
    diaries_missing: tuple[str, ...]
    pending: tuple[PendingRequest, ...]
    total: int


def build_summary(
    *,
    team_name: str,
    day: date,
    members: Sequence[Member],
    attendance: Iterable[Attendance],
    diary_writers: Iterable[int],
    leaves: Iterable[LeaveSpan],
    pending: Iterable[PendingRequest],
    workday: bool,
    final: bool,
) -> SummaryModel:
    by_id = {a.telegram_id: a for a in attendance}
    wrote = set(diary_writers)
    spans = list(leaves)
    groups: dict[str, list[str]] = {"on_time": [], "late": [], "made_up": [], "missed": []}
    out: list[OutOfArea] = []
    leave: list[tuple[str, str]] = []
    no_diary: list[str] = []
    for m in members:
        span = on_leave(spans, m.telegram_id, day)
        a = by_id.get(m.telegram_id)
        if span is not None and a is None:
            leave.append((m.name, span.leave_type or "other"))
            continue
        if a is None:
            if workday:
                groups["missed"].append(m.name)
        elif a.place == "out_of_area":
            out.append(OutOfArea(m.name, a.timing, a.reason))
        elif a.timing in groups:
            groups[a.timing].append(m.name)
        if workday and m.telegram_id not in wrote:
            no_diary.append(m.name)
    return SummaryModel(
        team_name=team_name,
        day=day,
        workday=workday,
        final=final,
        on_time=tuple(groups["on_time"]),
        late=tuple(groups["late"]),
        made_up=tuple(groups["made_up"]),
        out_of_area=tuple(out),
        missed=tuple(groups["missed"]),
        on_leave=tuple(leave),
        diaries_missing=tuple(no_diary),
        pending=tuple(pending),
        total=len(members),
    )


LEAVE_TYPES = ("personal", "sick", "official", "training", "other")


def leave_word(lang: str, leave_type: str | None) -> str:
    kind = leave_type if leave_type in LEAVE_TYPES else "other"
    return t(lang, f"sched.leave_type.{kind}")


def timing_word(lang: str, timing: str) -> str:
    if timing == "made_up":
        return t(lang, "sched.timing.made_up")
    return t(lang, f"timing.{timing}")


def _names(names: Iterable[str]) -> str:
    return ", ".join(names)


def _section(lang: str, key: str, names: Sequence[str]) -> str:
    head = t(lang, key, n=len(names))
    return head + (":\n" + _names(names) if names else "")


def render_summary(lang: str, s: SummaryModel) -> str:
    """The summary as text in ``lang``; sections separated by blank lines so a split falls
    between them."""
    title = t(lang, "summary.title", team=s.team_name, day=s.day.isoformat(), n=s.total)
    blocks = [title]
    if not s.workday:
        blocks.append(t(lang, "summary.not_workday"))
    blocks.append(_section(lang, "summary.on_time", s.on_time))
    blocks.append(_section(lang, "summary.late", s.late))
    if s.made_up:
        blocks.append(_section(lang, "summary.made_up", s.made_up))
    oor = t(lang, "summary.out_of_area", n=len(s.out_of_area))
    if s.out_of_area:
        oor += ":\n" + "\n".join(
            t(
                lang,
                "summary.oor_line",
                name=o.name,
                timing=timing_word(lang, o.timing),
                reason=o.reason or t(lang, "summary.no_reason"),
            )
            for o in s.out_of_area
        )
    blocks.append(oor)
    missed_key = "summary.missed" if s.final else "summary.not_yet"
    blocks.append(_section(lang, missed_key, s.missed))
    leave = t(lang, "summary.on_leave", n=len(s.on_leave))
    if s.on_leave:
        leave += ":\n" + _names(f"{n} ({leave_word(lang, lt)})" for n, lt in s.on_leave)
    blocks.append(leave)
    blocks.append(_section(lang, "summary.diaries_missing", s.diaries_missing))
    pending = t(lang, "summary.pending", n=len(s.pending))
    if s.pending:
        pending += ":\n" + "\n".join(pending_line(lang, p) for p in s.pending)
    blocks.append(pending)
    return "\n\n".join(blocks)


def pending_line(lang: str, p: PendingRequest) -> str:
    what = leave_word(lang, p.leave_type) if p.leave_type else t(lang, "summary.makeup")
    span = p.first_day.isoformat()
    if p.last_day != p.first_day:
        span += "…" + p.last_day.isoformat()
    return t(lang, "summary.pending_line", id=p.id, name=p.name, what=what, span=span, days=p.days)


@dataclass(frozen=True)
class DigestRow:
    name: str
    days_on_site: int
    late: int
    diary_days: int


def build_digest(
    members: Sequence[Member],
    on_site: dict[int, int],
    late: dict[int, int],
    diary_days: dict[int, int],
) -> list[DigestRow]:
    return [
        DigestRow(
            m.name,
            on_site.get(m.telegram_id, 0),
            late.get(m.telegram_id, 0),
            diary_days.get(m.telegram_id, 0),
        )
        for m in members
    ]


def render_digest(
    lang: str, team_name: str, first: date, last: date, rows: Sequence[DigestRow]
) -> str:
    lines = [
        t(lang, "digest.title", team=team_name, first=first.isoformat(), last=last.isoformat())
    ]
    lines.append(t(lang, "digest.header"))
    lines += [
        t(lang, "digest.line", name=r.name, days=r.days_on_site, late=r.late, diary=r.diary_days)
        for r in rows
    ]
    if not rows:
        lines.append(t(lang, "digest.empty"))
    return "\n".join(lines)
