"""Evidence for supervisors (SPEC §6): spoof signals "to look at", clearing them, and the
admins' daily head hash."""

from __future__ import annotations

import asyncio
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from telegram import Bot

from bot.context import AppContext
from bot.i18n import t
from bot.reports.evidence_chart import PlotFix, render_evidence
from bot.rules.compliance import TeamMonth, Verdict
from bot.rules.team_hours import local_day
from bot.services.fanout import FanoutResult, Outgoing, fan_out
from bot.services.reminders import admin_people
from storage.models import Team
from storage.spoof import StoredSignal

LOOK_MAX = 20  # lines in a summary; the rest are counted
MONTHLY_PICTURES_MAX = 30  # evidence pictures with one team's monthly report
ADMIN_ANCHOR = "admin_anchor"


def signal_detail(lang: str, s: StoredSignal) -> str:
    i = s.inputs
    if s.signal == "frozen_fix" and "same_as" in i:
        return t(lang, "evidence.detail.same_spot", day=i["same_as"]["day"], gap=i["gap_m"])
    if s.signal in ("frozen_fix", "no_accuracy") and "same_accuracy_days" in i:
        n = len(i["same_accuracy_days"]) + 1
        return t(lang, "evidence.detail.same_accuracy", acc=i["accuracy_m"], n=n)
    if s.signal == "no_accuracy":
        return t(lang, "evidence.detail.no_accuracy")
    if s.signal == "impossible_travel":
        km = round(i["distance_m"] / 1000, 1)
        return t(
            lang,
            "evidence.detail.travel",
            km=km,
            minutes=round(i["seconds"] / 60),
            kmh=round(i["speed_kmh"]),
        )
    if s.signal == "static_live":
        return t(
            lang,
            "evidence.detail.static",
            points=i["points"],
            minutes=round(i["seconds"] / 60),
            spread=i["threshold_m"],
        )
    low, high = i["band_m"]
    n = len(i["edge_days"]) + 1
    return t(lang, "evidence.detail.edge", n=n, window=i["window_days"], low=low, high=high)


def signal_line(lang: str, s: StoredSignal) -> str:
    text = t(
        lang,
        "evidence.look_line",
        id=s.id,
        name=s.name or str(s.telegram_id),
        day=s.day.isoformat(),
        signal=t(lang, f"evidence.signal.{s.signal}"),
        detail=f"{t(lang, f'evidence.source.{s.source}')}, {signal_detail(lang, s)}",
    )
    if s.cleared_at is not None:
        text += " — " + t(lang, "evidence.cleared", reason=s.clear_reason or "")
    return text


def look_at_text(lang: str, signals: list[StoredSignal]) -> str | None:
    """The "to look at" section: open signals, a bounded list, and how to act on them."""
    if not signals:
        return None
    lines = [t(lang, "evidence.look_title", n=len(signals))]
    lines += [signal_line(lang, s) for s in signals[:LOOK_MAX]]
    if len(signals) > LOOK_MAX:
        lines.append(t(lang, "evidence.look_more", n=len(signals) - LOOK_MAX))
    lines.append(t(lang, "evidence.look_hint"))
    return "\n".join(lines)


async def open_signals(ctx: AppContext, team: Team, first: date, last: date) -> list[StoredSignal]:
    return await ctx.storage.spoof.for_team(team.id, first, last)


async def send_admin_anchor(ctx: AppContext, bot: Bot, now: datetime) -> FanoutResult:
    """Seals every chain's head and sends the hash to each admin, once a day: a copy of the
    head outside the system is what makes a rewrite of history detectable."""
    day = local_day(now, ctx.settings.timezone)
    admins = await admin_people(ctx)
    if not admins:
        return FanoutResult()
    head = await ctx.storage.chain.anchor(at=now.timestamp())
    messages = []
    for uid in admins:
        person = await ctx.storage.people.get(uid)
        if person is not None and person.unreachable:
            continue
        lang = (person.language if person else None) or "en"
        text = t(lang, "evidence.anchor", day=day.isoformat(), hash=head)
        messages.append(Outgoing.text(ADMIN_ANCHOR, uid, day.isoformat(), text))
    return await fan_out(ctx, bot, messages)


@dataclass(frozen=True)
class EvidencePicture:
    png: bytes
    caption: str
    signals_text: str


def _timing(fix: dict[str, Any]) -> str:
    if fix["kind"] != "morning" or fix["timing"] not in ("on_time", "late", "missed"):
        return "other"
    return str(fix["timing"])


async def evidence_picture(
    ctx: AppContext, team: Team, telegram_id: int, name: str, year: int, month: int, lang: str
) -> EvidencePicture:
    """A member's month: the picture, its caption and the list of signals."""
    first = date(year, month, 1)
    last = date(year, month, monthrange(year, month)[1])
    fixes = await ctx.storage.spoof.month_fixes(telegram_id, team.id, first, last)
    signals = await ctx.storage.spoof.for_member(telegram_id, team.id, first, last)
    flagged = {(s.source, s.ref_id) for s in signals}
    points = [
        PlotFix(
            f["lat"],
            f["lon"],
            date.fromisoformat(f["local_day"]),
            _timing(f),
            (f["source"], f["ref"]) in flagged,
        )
        for f in fixes
    ]
    lines = [signal_line(lang, s) for s in signals]
    label = f"{year:04d}-{month:02d}"
    title = t(lang, "evidence.chart.title", name=name, team=team.name, month=label)
    png = await asyncio.to_thread(render_evidence, lang, title, team.site, points, lines)
    caption = t(
        lang,
        "evidence.caption",
        name=name,
        team=team.name,
        month=label,
        fixes=len(points),
        signals=len(signals),
    )
    if lines:
        text = "\n".join([t(lang, "evidence.signals_title", n=len(lines)), *lines])
    else:
        text = t(lang, "evidence.no_signals")
    return EvidencePicture(png, caption, text)


async def failing_members_pictures(
    ctx: AppContext, team: Team, tm: TeamMonth, lang: str
) -> list[bytes]:
    """The evidence picture of each member short of the policy (not covered by leave), to go
    with the monthly report."""
    pictures: list[bytes] = []
    for m in tm.members:
        if m.verdict is Verdict.SHORT and len(pictures) < MONTHLY_PICTURES_MAX:
            picture = await evidence_picture(
                ctx, team, m.telegram_id, m.name, tm.year, tm.month, lang
            )
            pictures.append(picture.png)
    return pictures
