"""What every thin handler does: find the actor, speak their language, render a reply."""

from __future__ import annotations

from functools import cache
from typing import Any

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.access import Actor, load_actor
from bot.context import AppContext, app_ctx
from bot.i18n import t

Context = ContextTypes.DEFAULT_TYPE
TEXT_MAX = 200


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


async def actor_of(update: Update, context: Context) -> tuple[AppContext, Actor]:
    ctx = app_ctx(context)
    user = update.effective_user
    assert user is not None
    actor = await load_actor(ctx, user.id, user.language_code)
    if actor.person is not None and actor.person.unreachable:
        # They wrote to us, so they no longer block the bot: reminders may reach them again.
        await ctx.storage.people.set_unreachable(user.id, False)
    return ctx, actor


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


async def reply(update: Update, text: str, **kwargs: Any) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(text, **kwargs)


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
