"""Monthly compliance (SPEC §3.7): compute a month for one team or all, and deliver last
month's report to supervisors and admins on the 1st.

`send_monthly_compliance` is a job function: the scheduler (issue 4, JobQueue) calls it on
the 1st at 08:00 team time; it is safe to call again at any time (after a restart, from a
second process, on retry): the notifications table lets each recipient get each team's
month once.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

import telegram
from telegram.error import Forbidden, TelegramError

from bot.context import AppContext
from bot.i18n import t
from bot.reports.compliance_chart import render_pages
from bot.reports.compliance_table import policy_line, team_text
from bot.reports.compliance_xlsx import write_digest_workbook, write_workbook
from bot.rules.compliance import (
    TeamInput,
    TeamMonth,
    Verdict,
    previous_month,
    settled_until,
    team_month,
)
from bot.rules.team_hours import local_datetime
from bot.services.evidence import failing_members_pictures
from bot.services.late import LateNote, noted

log = logging.getLogger(__name__)

NOTIFICATION_KIND = "monthly_compliance"
# Each part of a delivery (text, xlsx, png1..) is recorded too: see `_deliver`.
PART_KIND = "monthly_compliance.part"
# Names listed in the chat summary before "and N more" (the XLSX has everyone).
MAX_NAMES = 15


def compute(ctx: AppContext, team: TeamInput, year: int, month: int) -> TeamMonth:
    """One team's month, settled as far as the team's own clock says."""
    local_now = local_datetime(ctx.clock.now(), team.timezone)
    return team_month(team, year, month, settled_until(local_now, team.schedule))


async def month_report(
    ctx: AppContext, year: int, month: int, team_id: int | None = None
) -> list[TeamMonth]:
    inputs = await ctx.storage.compliance.month_inputs(year, month, team_id)
    return [compute(ctx, team, year, month) for team in inputs]


def summary_text(tm: TeamMonth, lang: str) -> str:
    """The chat message: the verdict counts, who is short, the rating limits."""
    lines = [t(lang, "compliance.report.heading", team=tm.team_name, month=tm.label)]
    if not tm.complete:
        lines.append(t(lang, "compliance.report.incomplete"))
    lines.append(policy_line(tm, lang))
    if not tm.members:
        lines.append(t(lang, "compliance.report.no_members"))
        return "\n".join(lines)
    by_verdict = {v: [m.name for m in tm.members if m.verdict is v] for v in Verdict}
    lines.append(
        t(
            lang,
            "compliance.report.counts",
            members=len(tm.members),
            meets=len(by_verdict[Verdict.MEETS]),
            covered=len(by_verdict[Verdict.SHORT_COVERED]),
            short=len(by_verdict[Verdict.SHORT]),
        )
    )
    if by_verdict[Verdict.SHORT]:
        names = _names(by_verdict[Verdict.SHORT], lang)
        lines.append(t(lang, "compliance.report.short_list", names=names))
    if by_verdict[Verdict.SHORT_COVERED]:
        names = _names(by_verdict[Verdict.SHORT_COVERED], lang)
        lines.append(t(lang, "compliance.report.covered_list", names=names))
    lines.append(
        t(
            lang,
            "compliance.report.ratings",
            excellent=sum(1 for m in tm.members if not m.excellent_eligible),
            competent=sum(1 for m in tm.members if not m.competent_eligible),
        )
    )
    lines.append(t(lang, "compliance.report.files"))
    return "\n".join(lines)


def _names(names: list[str], lang: str) -> str:
    sep = "、" if lang == "zh" else ", "
    shown = sep.join(names[:MAX_NAMES])
    if len(names) > MAX_NAMES:
        shown += " " + t(lang, "compliance.report.more", n=len(names) - MAX_NAMES)
    return shown


@dataclass
class _Attachments:
    """A team month's files in one language, rendered once and uploaded once: after the
    first upload Telegram's file_id is reused for every other recipient."""

    xlsx_name: str
    xlsx: bytes | str
    photos: list[bytes | str] = field(default_factory=list)


def _render_files(tm: TeamMonth, lang: str) -> _Attachments:
    name = f"compliance-{tm.label}-{tm.team_id}.xlsx"
    with tempfile.TemporaryDirectory() as tmp:
        path = write_workbook([tm], Path(tmp) / name, lang)
        data = path.read_bytes()
    return _Attachments(xlsx_name=name, xlsx=data, photos=list(render_pages(tm, lang)))


async def _deliver(
    ctx: AppContext,
    bot: telegram.Bot,
    chat_id: int,
    ref: str,
    tm: TeamMonth,
    lang: str,
    files: _Attachments,
    late: LateNote | None = None,
) -> None:
    """Summary, workbook, chart pages; each part claimed on its own as well, so a retry
    after a failure half-way sends only the parts still missing, never one twice."""

    async def part(name: str, send: Callable[[], Awaitable[telegram.Message]]) -> None:
        key = f"{ref}:{name}"
        if not await ctx.storage.compliance.claim_notification(
            PART_KIND, chat_id, key, ctx.now_ts()
        ):
            return
        try:
            await send()
        except BaseException:
            await ctx.storage.compliance.release_notification(PART_KIND, chat_id, key)
            raise

    async def send_document() -> telegram.Message:
        sent = await bot.send_document(chat_id, files.xlsx, filename=files.xlsx_name)
        if sent.document is not None:
            files.xlsx = sent.document.file_id
        return sent

    def send_photo(i: int) -> Callable[[], Awaitable[telegram.Message]]:
        async def send() -> telegram.Message:
            sent = await bot.send_photo(chat_id, files.photos[i])
            if sent.photo:
                files.photos[i] = sent.photo[-1].file_id
            return sent

        return send

    text = noted(summary_text(tm, lang), lang, late)
    await part("text", lambda: bot.send_message(chat_id, text))
    await part("xlsx", send_document)
    for i in range(len(files.photos)):
        await part(f"png{i + 1}", send_photo(i))


def _catalog_language(lang: str | None) -> str:
    return "zh" if (lang or "").startswith("zh") else "en"


async def _recipients(ctx: AppContext, team_id: int) -> dict[int, str]:
    """Supervisors of the team -> their catalog language. Admins get the month of every
    team at once instead (`send_admin_digest`)."""
    supervisors = await ctx.storage.compliance.supervisors(team_id)
    return {s.telegram_id: _catalog_language(s.language) for s in supervisors}


async def _admins(ctx: AppContext) -> dict[int, str]:
    admins = set(ctx.settings.admins) | await ctx.storage.people.admin_ids()
    languages = await ctx.storage.compliance.languages(sorted(admins))
    return {admin: _catalog_language(languages.get(admin)) for admin in sorted(admins)}


async def send_monthly_compliance(
    ctx: AppContext,
    bot: telegram.Bot,
    month: tuple[int, int] | None = None,
    *,
    team_id: int | None = None,
    team_ids: Collection[int] | None = None,
    late: LateNote | None = None,
) -> int:
    """Sends each team's month (by default the month before now in the team's timezone)
    to its supervisors and all admins: a summary, the XLSX and the chart. Returns how many
    recipients got a team's report in this call.

    Send-once: a recipient's (team, month) is claimed in `notifications` (kind
    `monthly_compliance`, ref `YYYY-MM:<team_id>`) before sending, and so is each part
    (text, workbook, chart pages). A blocked user (403) keeps the claim and is marked
    unreachable; any other failure releases the whole claim but keeps the parts already
    delivered, so a later run sends just the missing parts; the fan-out goes on either way.
    Nothing here retries or paces: the Application's rate limiter (AIORateLimiter) does.

    ``team_id`` limits the run to one team, ``team_ids`` to those teams (the scheduler's
    slot for the 1st at 08:00 in one timezone passes every team it serves); without either
    every team is sent at once. ``late``: the report is caught up after an outage; its text
    says so.
    """
    delivered = 0
    wanted = {team_id} if team_id is not None else None
    if team_ids is not None:
        wanted = (wanted or set()) | set(team_ids)
    teams = await ctx.storage.teams.all()
    for team in (x for x in teams if wanted is None or x.id in wanted):
        year, mon = month or previous_month(local_datetime(ctx.clock.now(), team.timezone).date())
        recipients = await _recipients(ctx, team.id)
        if not recipients:
            continue
        inputs = await ctx.storage.compliance.month_inputs(year, mon, team.id)
        if not inputs:
            continue
        tm = compute(ctx, inputs[0], year, mon)
        ref = f"{tm.label}:{team.id}"
        files: dict[str, _Attachments] = {}
        for chat_id, lang in sorted(recipients.items()):
            if not await ctx.storage.compliance.claim_notification(
                NOTIFICATION_KIND, chat_id, ref, ctx.now_ts()
            ):
                continue
            try:
                if lang not in files:
                    # Rendering is CPU work: keep the event loop free for updates meanwhile.
                    files[lang] = await asyncio.to_thread(_render_files, tm, lang)
                    # Members short of the policy: their month as evidence (SPEC §6).
                    files[lang].photos += await failing_members_pictures(ctx, team, tm, lang)
                await _deliver(ctx, bot, chat_id, ref, tm, lang, files[lang], late)
            except Forbidden:
                log.info("monthly compliance: %s blocked the bot; marked unreachable", chat_id)
                await ctx.storage.people.set_unreachable(chat_id, True)
                continue
            except TelegramError as exc:
                log.warning("monthly compliance to %s failed (%s); will retry", chat_id, exc)
                await ctx.storage.compliance.release_notification(NOTIFICATION_KIND, chat_id, ref)
                continue
            except Exception:
                # A bug must not eat the claim (the report would never be sent) nor stop
                # the other recipients.
                log.exception("monthly compliance for team %s to %s failed", team.id, chat_id)
                await ctx.storage.compliance.release_notification(NOTIFICATION_KIND, chat_id, ref)
                continue
            delivered += 1
    return delivered + await send_admin_digest(ctx, bot, month, late=late)


DIGEST_KIND = "monthly_compliance.digest"


def _digest_text(months: list[TeamMonth], label: str, lang: str) -> str:
    lines = [t(lang, "compliance.digest.heading", month=label, teams=len(months))]
    for tm in months:
        counts = {v: sum(1 for m in tm.members if m.verdict is v) for v in Verdict}
        lines.append(
            t(
                lang,
                "compliance.digest.line",
                team=tm.team_name,
                members=len(tm.members),
                meets=counts[Verdict.MEETS],
                covered=counts[Verdict.SHORT_COVERED],
                short=counts[Verdict.SHORT],
            )
        )
    lines.append(t(lang, "compliance.digest.files"))
    return "\n".join(lines)


def _digest_workbook(months: list[TeamMonth], name: str, lang: str) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return write_digest_workbook(months, Path(tmp) / name, lang).read_bytes()


async def send_admin_digest(
    ctx: AppContext,
    bot: telegram.Bot,
    month: tuple[int, int] | None = None,
    *,
    late: LateNote | None = None,
) -> int:
    """Every admin gets the month of all teams as one message and one workbook (an overview
    sheet, then a sheet per team), once. With
    per-team jobs in several timezones it goes out with the last team to reach the 1st:
    before that some team's month is still running. Returns how many admins got it."""
    teams = await ctx.storage.teams.all()
    if not teams:
        return 0
    due = {previous_month(local_datetime(ctx.clock.now(), tm.timezone).date()) for tm in teams}
    if month is None:
        if len(due) != 1:
            return 0  # some team is still in the month
        month = due.pop()
    year, mon = month
    inputs = await ctx.storage.compliance.month_inputs(year, mon, None)
    months = [compute(ctx, team, year, mon) for team in inputs]
    label = f"{year:04d}-{mon:02d}"
    name = f"compliance-{label}.xlsx"
    workbooks: dict[str, bytes | str] = {}
    sent = 0
    for chat_id, lang in (await _admins(ctx)).items():
        if not await ctx.storage.compliance.claim_notification(
            DIGEST_KIND, chat_id, label, ctx.now_ts()
        ):
            continue
        try:
            if lang not in workbooks:
                workbooks[lang] = await asyncio.to_thread(_digest_workbook, months, name, lang)
            await bot.send_message(chat_id, noted(_digest_text(months, label, lang), lang, late))
            doc = await bot.send_document(chat_id, workbooks[lang], filename=name)
            if doc.document is not None:
                workbooks[lang] = doc.document.file_id  # uploaded once per language
        except Forbidden:
            await ctx.storage.people.set_unreachable(chat_id, True)
            continue
        except TelegramError as exc:
            log.warning("monthly digest to %s failed (%s); will retry", chat_id, exc)
            await ctx.storage.compliance.release_notification(DIGEST_KIND, chat_id, label)
            continue
        sent += 1
    return sent


def chart_paths(out: Path, tm: TeamMonth, pages: int, single_team: bool) -> list[Path]:
    """PNG names beside the XLSX: `<stem>.png` for one team, `<stem>-team<id>.png` for
    each of several, `-p2`... for further pages of a large team."""
    stem = out.stem if single_team else f"{out.stem}-team{tm.team_id}"
    return [out.with_name(f"{stem}{'' if n == 1 else f'-p{n}'}.png") for n in range(1, pages + 1)]


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


async def write_month_files(
    ctx: AppContext, year: int, month: int, team_id: int | None, out: Path, lang: str
) -> tuple[str, list[Path]]:
    """The month as terminal text, written as XLSX plus PNG charts. Everything is rendered
    in memory first and each file appears whole under its name; if a later file fails, the
    ones already written are removed, so an error leaves no partial set."""
    months = await month_report(ctx, year, month, team_id)
    text = "\n\n".join(team_text(tm, lang) for tm in months) or "no teams"
    charts = await asyncio.to_thread(lambda: [(tm, render_pages(tm, lang)) for tm in months])
    written: list[Path] = []
    try:
        written.append(await asyncio.to_thread(write_workbook, months, out, lang))
        for tm, pages in charts:
            for path, data in zip(
                chart_paths(out, tm, len(pages), team_id is not None), pages, strict=True
            ):
                _write_atomic(path, data)
                written.append(path)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return text, written


async def send_month_on_request(
    ctx: AppContext, bot: telegram.Bot, chat_id: int, team_id: int, year: int, month: int, lang: str
) -> bool:
    """`/report [month]`: one team's month to the person who asked, now — summary, workbook,
    chart — rendered off the event loop. Not logged as sent: asking again sends it again.
    False when the team is gone."""
    inputs = await ctx.storage.compliance.month_inputs(year, month, team_id)
    if not inputs:
        return False
    tm = compute(ctx, inputs[0], year, month)
    files = await asyncio.to_thread(_render_files, tm, lang)
    await bot.send_message(chat_id, summary_text(tm, lang))
    await bot.send_document(chat_id, files.xlsx, filename=files.xlsx_name)
    for page in files.photos:
        await bot.send_photo(chat_id, page)
    return True
