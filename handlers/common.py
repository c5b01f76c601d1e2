"""What every thin handler does: find the actor, speak their language, render a reply."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.access import Actor, member_team, overseen_teams, record_refusal
from bot.context import AppContext, app_ctx
from bot.flows.current import current_flow
from bot.i18n import language_of, t
from bot.services.people import actor_for
from storage.models import FlowState, Team

Context = ContextTypes.DEFAULT_TYPE
TEXT_MAX = 200


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


async def actor_of(update: Update, context: Context) -> tuple[AppContext, Actor]:
    ctx = app_ctx(context)
    user = update.effective_user
    assert user is not None
    return ctx, await actor_for(ctx, user.id, user.language_code, user.full_name)


@cache
def main_menu(lang: str) -> ReplyKeyboardMarkup:
    # Built once per language: PTB objects are frozen, and every check-in reply carries it.
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(t(lang, "menu.checkin"), request_location=True)],
            [KeyboardButton(t(lang, "menu.diary")), KeyboardButton(t(lang, "menu.leave"))],
            [KeyboardButton(t(lang, "menu.language")), KeyboardButton(t(lang, "menu.help"))],
        ],
        resize_keyboard=True,
        is_persistent=True,
    )


@cache
def role_menu(lang: str, member: bool, supervisor: bool, admin: bool) -> ReplyKeyboardMarkup:
    """The keyboard for what this person does: a member's check-in, diary and leave; a
    supervisor's summary and diaries; an admin's teams and export too."""
    rows: list[list[KeyboardButton]] = []
    if member:
        rows.append([KeyboardButton(t(lang, "menu.checkin"), request_location=True)])
        rows.append([KeyboardButton(t(lang, "menu.diary")), KeyboardButton(t(lang, "menu.leave"))])
    if supervisor or admin:
        rows.append(
            [KeyboardButton(t(lang, "menu.summary")), KeyboardButton(t(lang, "menu.diaries"))]
        )
    if admin:
        rows.append([KeyboardButton(t(lang, "menu.teams")), KeyboardButton(t(lang, "menu.export"))])
    rows.append([KeyboardButton(t(lang, "menu.language")), KeyboardButton(t(lang, "menu.help"))])
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, is_persistent=True)


def menu_for(actor: Actor) -> ReplyKeyboardMarkup | ReplyKeyboardRemove:
    """The actor's own keyboard; someone with no role any more (recalled) gets none."""
    if not actor.known:
        return ReplyKeyboardRemove()
    return role_menu(
        actor.language,
        actor.can_act_as_member,
        bool(actor.supervised_team_ids()),
        actor.is_admin,
    )


def menu_text(actor: Actor) -> str:
    """What the keyboard is for, said for the actor's role."""
    if actor.can_act_as_member:
        return t(actor.language, "menu.shown")
    if actor.is_admin:
        return t(actor.language, "menu.shown_admin")
    return t(actor.language, "menu.shown_supervisor")


async def reply(update: Update, text: str, **kwargs: Any) -> None:
    message = update.effective_message
    if message is not None:
        # Never quote: the message answered may be gone (an edit, a late re-delivery), and
        # Telegram refuses a reply to a missing message; in a private chat it adds nothing.
        kwargs.setdefault("do_quote", False)
        await message.reply_text(text, **kwargs)


_ID = re.compile(r"[0-9]{1,18}")


def parse_id(text: str | None) -> int | None:
    """A row or Telegram id from callback data or a command: ASCII digits that fit SQLite's
    integer (a forged 30-digit id is no id, not an OverflowError)."""
    return int(text) if text and _ID.fullmatch(text) else None


def clean_text(text: str | None, limit: int = TEXT_MAX) -> str | None:
    """A short free-text answer (name, unit, reason), or None when unusable."""
    value = " ".join((text or "").split())
    if not value or len(value) > limit:
        return None
    return value


def format_distance(lang: str, metres: float | None) -> str:
    if metres is None:
        return "?"
    if metres < 1000:
        return t(lang, "unit.m", n=round(metres))
    return t(lang, "unit.km", n=f"{metres / 1000:.1f}")


async def answer_query(
    query: CallbackQuery, text: str | None = None, *, show_alert: bool = False
) -> None:
    """Stop the button's spinner. A press handled late (the bot was down, or Telegram
    re-delivered it) can no longer be answered; that must not stop the press taking effect."""
    try:
        await query.answer(text, show_alert=show_alert)
    except BadRequest as exc:
        if "query is too old" not in str(exc).lower():
            raise


# Edits Telegram refuses for reasons that change nothing for the person pressing.
_HARMLESS_EDIT_ERRORS = ("message is not modified", "message to edit not found", "can't be edited")


async def edit_pressed(
    query: CallbackQuery, text: str | None, markup: InlineKeyboardMarkup | None = None
) -> bool:
    """Replace the pressed message's text (or only drop its buttons when text is None).

    A message older than 48 hours is inaccessible and cannot be edited; neither can one
    already showing this text. The press still counts: False tells the caller nothing changed
    on screen, so it can say so another way if it matters."""
    if not isinstance(query.message, Message):
        return False
    try:
        if text is None:
            await query.edit_message_reply_markup(markup)
        else:
            await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        if not any(reason in str(exc).lower() for reason in _HARMLESS_EDIT_ERRORS):
            raise
        return False
    return True


async def refuse_buttons_outside_private(update: Update, context: Context) -> None:
    """The bot only ever puts buttons in private chats, so a press anywhere else is forged
    or stale: answer it and let no flow see it (nothing about anyone is said in a group)."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None or chat.type == ChatType.PRIVATE:
        return
    user = update.effective_user
    await answer_query(query, t(language_of(user.language_code if user else None), "private_only"))
    raise ApplicationHandlerStop


async def answer_groups_alike(update: Update, context: Context) -> None:
    """Nothing of the bot works in a group, and nothing there may depend on who asks: a
    command (or a location) gets one short answer in the sender's Telegram language, never
    their stored role; anything else is ignored. No flow, no storage, no audit is touched."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    message = update.message
    if message is not None and (message.location is not None or _is_command(message)):
        user = update.effective_user
        lang = language_of(user.language_code if user else None)
        await message.reply_text(t(lang, "private_only"), do_quote=False)
    raise ApplicationHandlerStop


def _is_command(message: Message) -> bool:
    entities = message.entities or ()
    return any(e.type == "bot_command" and e.offset == 0 for e in entities)


async def open_member_command(
    update: Update, context: Context, refused_key: str
) -> tuple[AppContext, Actor, Team] | None:
    """What every member command checks first: a private chat, and an active member. Says
    why not (in the person's language) and returns None when either fails."""
    ctx, actor = await actor_of(update, context)
    if not is_private(update):
        await reply(update, t(actor.language, "private_only"))
        return None
    team = await member_team(ctx, actor)
    if team is None:
        await reply(update, t(actor.language, refused_key))
        return None
    return ctx, actor, team


def not_a_member_text(actor: Actor) -> str:
    """For someone with no active team: how to join, or, for a member recalled from their
    team, that they were recalled (they are no stranger, and must not be told to join)."""
    recalled = next((m for m in actor.memberships if m.state == "recalled"), None)
    if recalled is not None and not actor.known:
        return t(actor.language, "recalled.notice", team=recalled.team_name)
    return t(actor.language, "stranger")


def inline_rows(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, callback data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


async def refuse(ctx: AppContext, actor: Actor, update: Update, what: str) -> None:
    """Not an admin: a polite no, and a row in the audit trail."""
    await record_refusal(ctx, actor, what)
    if update.callback_query is not None:
        await answer_query(update.callback_query, t(actor.language, "not_allowed"), show_alert=True)
    else:
        await reply(update, t(actor.language, "not_allowed"))


async def open_admin_button(
    update: Update, context: Context, what: str, flow: str
) -> tuple[AppContext, Actor, CallbackQuery, FlowState | None] | None:
    """What every admin wizard's button checks first: the presser is an admin (a refusal is
    audited). The flow state is returned as is; the caller decides whether the press fits it."""
    query = update.callback_query
    assert query is not None
    ctx, actor = await actor_of(update, context)
    if not actor.is_admin:
        await refuse(ctx, actor, update, what)
        return None
    return ctx, actor, query, await current_flow(ctx, actor.user_id, flow)


async def open_known_command(update: Update, context: Context) -> tuple[AppContext, Actor] | None:
    """What a command for people the bot knows checks first: a private chat, a known person.
    Says why not and returns None when either fails."""
    ctx, actor = await actor_of(update, context)
    if not is_private(update):
        await reply(update, t(actor.language, "private_only"))
        return None
    if not actor.known:
        await reply(update, not_a_member_text(actor))
        return None
    return ctx, actor


async def open_admin_command(
    update: Update, context: Context, what: str
) -> tuple[AppContext, Actor] | None:
    """What every admin command checks first: an admin (a refusal is audited), in a private
    chat. Says why not and returns None when either fails."""
    ctx, actor = await actor_of(update, context)
    if not actor.is_admin:
        await refuse(ctx, actor, update, what)
        return None
    if not is_private(update):
        await reply(update, t(actor.language, "private_only"))
        return None
    return ctx, actor


async def open_overseer_command(
    update: Update, context: Context, refused_key: str
) -> tuple[AppContext, Actor, list[Team]] | None:
    """A command for people the bot knows (open_known_command) that acts on the teams they
    oversee: says `refused_key` and returns None when they oversee none."""
    opened = await open_known_command(update, context)
    if opened is None:
        return None
    teams = await overseen_teams(*opened)
    if not teams:
        await reply(update, t(opened[1].language, refused_key))
        return None
    return *opened, teams
