"""The supervisor's and administrator's keyboard buttons (handlers/common.role_menu): each
label, in any language, runs the command it names."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.access import Actor
from bot.context import AppContext
from bot.i18n import all_labels
from handlers import diaries, newteam, summary
from handlers import export as export_handlers
from handlers.common import Context
from handlers.flows import MENU_BUTTONS, MenuHandler

Command = Callable[[Update, Context], Awaitable[None]]


def _runs(command: Command) -> MenuHandler:
    async def run(update: Update, context: Context, ctx: AppContext, actor: Actor) -> None:
        context.args = []  # a button carries no arguments
        await command(update, context)

    return run


for _key, _command in (
    ("menu.summary", summary.cmd_summary),
    ("menu.diaries", diaries.cmd_diaries),
    ("menu.teams", newteam.cmd_teams),
    ("menu.export", export_handlers.cmd_export),
):
    for _label in all_labels(_key):
        MENU_BUTTONS[_label] = _runs(_command)
