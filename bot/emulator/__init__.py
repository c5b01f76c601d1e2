"""A local Telegram Bot API emulator for tests, demos and benchmarks.

    async with BotApiEmulator(schema=Schema.load("tests/data/bot_api_subset.json")) as emu:
        app = (ApplicationBuilder().token("123:ABC").base_url(emu.base_url)
               .base_file_url(emu.base_file_url).build())
        ...start polling...
        u = emu.user(1001, first_name="Li")
        u.send_command("start")
        reply = await u.next_message()
        emu.assert_no_violations()

It speaks the Bot API over real HTTP (aiohttp on 127.0.0.1), keeps Telegram's update queue
semantics (offset confirmation, long polls, allowed_updates), answers with Telegram's error
texts, parses HTML/MarkdownV2 like Telegram (400 on bad markup), injects faults and flood
limits, and checks every request and every object it emits against a Bot API schema subset.
Run it alone with `python -m bot.emulator --port 8081`.
"""

from .actors import ChatActor, UserActor
from .faults import Fault, Faults
from .methods import ApiError
from .schema import Schema
from .server import BotApiEmulator
from .state import Recorded, StoredFile, Upload

__all__ = [
    "ApiError",
    "BotApiEmulator",
    "ChatActor",
    "Fault",
    "Faults",
    "Recorded",
    "Schema",
    "StoredFile",
    "Upload",
    "UserActor",
]
