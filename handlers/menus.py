"""The supervisor's and administrator's keyboard buttons (handlers/common.role_menu): each
label, in any language, runs the command it names (wired in bot/app.py: routes())."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.access import Actor
from bot.context import AppContext
from handlers.common import Context
from handlers.flows import MenuHandler

Command = Callable[[Update, Context], Awaitable[None]]


def runs(command: Command) -> MenuHandler:
    """A menu button that runs `command` as if it had been typed without arguments."""

    async def run(update: Update, context: Context, ctx: AppContext, actor: Actor) -> None:
        context.args = []  # a button carries no arguments
        await command(update, context)

    return run
