"""/evidence MEMBER [YYYY-MM] and /clearsignal ID REASON, for supervisors and admins (SPEC §6)."""

from __future__ import annotations

from telegram import Update

from bot.access import Actor
from bot.context import AppContext
from bot.i18n import t
from bot.rules.compliance import parse_month
from bot.rules.team_hours import local_day
from bot.services.evidence import evidence_picture
from handlers.common import Context, actor_of, clean_text, is_private, not_a_member_text, reply

NAMES_SHOWN = 5


def _scope(actor: Actor) -> set[int] | None:
    """The teams whose evidence this person may see: None is every team (admins)."""
    return None if actor.is_admin else actor.supervised_team_ids()


async def _overseer(
    update: Update, context: Context, refusal: str
) -> tuple[AppContext, Actor, set[int] | None] | None:
    """A supervisor or admin in a private chat, with the teams they oversee; else a reply."""
    ctx, actor = await actor_of(update, context)
    scope = _scope(actor)
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
    if allowed is None:
        return
    ctx, actor, scope = allowed
    lang = actor.language
    args = list(context.args or [])
    month_text = (
        args.pop() if len(args) > 1 and args[-1][:1].isdigit() and "-" in args[-1] else None
    )
    who = " ".join(args).strip()
    if not who:
        await reply(update, t(lang, "evidence.usage"))
        return
    month = None
    if month_text is not None:
        try:
            month = parse_month(month_text)
        except ValueError:
            await reply(update, t(lang, "evidence.bad_month", month=month_text))
            return
    matches = await ctx.storage.spoof.members_matching(who, scope)
    if not matches:
        await reply(update, t(lang, "evidence.no_member", who=who))
        return
    if len(matches) > 1:
        names = ", ".join(f"{name or uid} ({team}, {uid})" for uid, name, _, team in matches)
        if len(matches) > NAMES_SHOWN:
            names = (
                ", ".join(
                    f"{name or uid} ({team}, {uid})" for uid, name, _, team in matches[:NAMES_SHOWN]
                )
                + " …"
            )
        await reply(update, t(lang, "evidence.ambiguous", who=who, names=names))
        return
    [(telegram_id, name, team_id, _)] = matches
    team = await ctx.storage.teams.get(team_id)
    if team is None:
        await reply(update, t(lang, "evidence.no_member", who=who))
        return
    if month is None:
        today = local_day(ctx.clock.now(), team.timezone)
        month = (today.year, today.month)
    picture = await evidence_picture(
        ctx, team, telegram_id, name or str(telegram_id), month[0], month[1], lang
    )
    message = update.effective_message
    if message is not None:
        await message.reply_photo(picture.png, caption=picture.caption, do_quote=False)
    await reply(update, picture.signals_text)


async def cmd_clearsignal(update: Update, context: Context) -> None:
    allowed = await _overseer(update, context, "evidence.clear_not_allowed")
    if allowed is None:
        return
    ctx, actor, scope = allowed
    lang = actor.language
    args = list(context.args or [])
    reason = clean_text(" ".join(args[1:]))
    # Ids are SQLite integers: more than 18 digits is no id (and would not bind).
    number = args[0].lstrip("#") if args else ""
    if not (number.isascii() and number.isdigit() and len(number) <= 18) or reason is None:
        await reply(update, t(lang, "evidence.clear_usage"))
        return
    signal_id = int(number)
    signal = await ctx.storage.spoof.get(signal_id)
    if signal is None or (scope is not None and signal.team_id not in scope):
        # Another team's signal is as unknown as a missing one: ids reveal nothing.
        await reply(update, t(lang, "evidence.clear_unknown", id=signal_id))
        return
    cleared = await ctx.storage.spoof.clear(
        signal_id, by=actor.user_id, reason=reason, at=ctx.now_ts()
    )
    key = "evidence.clear_done" if cleared else "evidence.clear_already"
    await reply(update, t(lang, key, id=signal_id, reason=reason))
