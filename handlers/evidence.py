"""/evidence MEMBER [YYYY-MM] and /clearsignal ID REASON, for supervisors and admins (SPEC §6)."""

from __future__ import annotations

from telegram import Update

from bot.access import Actor, overseen_scope
from bot.context import AppContext
from bot.i18n import t
from bot.rules.compliance import parse_month
from bot.services.evidence import evidence_picture
from bot.services.oversight import (
    EvidenceSubject,
    clear_signal,
    evidence_month,
    evidence_subject,
    split_evidence_args,
)
from handlers.common import Context, actor_of, clean_text, is_private, not_a_member_text, reply

NAMES_SHOWN = 5
Overseer = tuple[AppContext, Actor, set[int] | None]


async def _overseer(update: Update, context: Context, refusal: str) -> Overseer | None:
    """A supervisor or admin in a private chat, with the teams they oversee; else a reply."""
    ctx, actor = await actor_of(update, context)
    scope = overseen_scope(actor)
    if not is_private(update):
        await reply(update, t(actor.language, "private_only"))
    elif not actor.known:
        await reply(update, not_a_member_text(actor))
    elif scope is not None and not scope:
        await reply(update, t(actor.language, refusal))
    else:
        return ctx, actor, scope
    return None


async def cmd_evidence(update: Update, context: Context) -> None:
    allowed = await _overseer(update, context, "evidence.not_allowed")
    who, month_text = split_evidence_args(list(context.args or []))
    if allowed is not None and who:
        await show_evidence(update, allowed, who, month_text)
    elif allowed is not None:
        await reply(update, t(allowed[1].language, "evidence.usage"))


async def show_evidence(
    update: Update, allowed: Overseer, who: str, month_text: str | None
) -> None:
    ctx, actor, scope = allowed
    lang = actor.language
    try:
        month = parse_month(month_text) if month_text is not None else None
    except ValueError:
        await reply(update, t(lang, "evidence.bad_month", month=month_text))
        return
    subject = await evidence_subject(ctx, who, scope)
    if subject.found is None:
        await reply(update, not_found_text(lang, who, subject))
        return
    telegram_id, name, team = subject.found
    year, month_no = evidence_month(month, team.timezone, ctx.clock.now())
    picture = await evidence_picture(ctx, team, telegram_id, name, year, month_no, lang)
    message = update.effective_message
    if message is not None:
        await message.reply_photo(picture.png, caption=picture.caption, do_quote=False)
    await reply(update, picture.signals_text)


def not_found_text(lang: str, who: str, subject: EvidenceSubject) -> str:
    """No such member, or several: named (a few of them) so the next try can be exact."""
    if len(subject.candidates) <= 1:
        return t(lang, "evidence.no_member", who=who)
    shown = subject.candidates[:NAMES_SHOWN]
    names = ", ".join(f"{name or uid} ({team}, {uid})" for uid, name, _, team in shown)
    if len(subject.candidates) > NAMES_SHOWN:
        names += " …"
    return t(lang, "evidence.ambiguous", who=who, names=names)


def _signal_id(args: list[str]) -> int | None:
    # Ids are SQLite integers: more than 18 digits is no id (and would not bind).
    number = args[0].lstrip("#") if args else ""
    return int(number) if number.isascii() and number.isdigit() and len(number) <= 18 else None


async def cmd_clearsignal(update: Update, context: Context) -> None:
    allowed = await _overseer(update, context, "evidence.clear_not_allowed")
    if allowed is None:
        return
    ctx, actor, scope = allowed
    args = list(context.args or [])
    signal_id, reason = _signal_id(args), clean_text(" ".join(args[1:]))
    if signal_id is None or reason is None:
        await reply(update, t(actor.language, "evidence.clear_usage"))
        return
    cleared = await clear_signal(ctx, actor.user_id, scope, signal_id, reason)
    await reply(update, t(actor.language, f"evidence.{cleared}", id=signal_id, reason=reason))
