"""After a restart the catch-up of today's missed notices waits for the backlog of updates
to be handled (issue 13 item 8): a member whose check-in sat in the backlog is not told to
check in; a member who really has not is."""

from __future__ import annotations

from datetime import datetime

from bot.app import build_application, polling
from bot.clock import FixedClock
from bot.config import Settings
from bot.emulator import BotApiEmulator, UserActor
from tests.conftest import ADMIN_ID, SHANGHAI
from tests.world import SITE_LAT, SITE_LON, World


async def team_then_down(
    settings: Settings, emu: BotApiEmulator, clock: FixedClock, *names: str
) -> list[UserActor]:
    """A team joined at 06:30 by these people; then the bot is down, and at 07:10 all but
    the last check in: their updates wait at Telegram. The clock is left at 07:20."""
    clock.set(datetime(2026, 11, 25, 6, 30, tzinfo=SHANGHAI))
    first = build_application(settings, clock=clock)
    async with polling(first, poll_timeout=1):
        world = World(
            emu=emu, app=first, ctx=first.bot_data["outpost"], clock=clock, admin_id=ADMIN_ID
        )
        team = await world.team()
        people = [await world.join(team, name=name) for name in names]
    clock.set(datetime(2026, 11, 25, 7, 10, tzinfo=SHANGHAI))
    for who in people[:-1]:
        who.send_location(SITE_LAT, SITE_LON)
    clock.set(datetime(2026, 11, 25, 7, 20, tzinfo=SHANGHAI))
    return people


async def test_catch_up_runs_after_the_backlog_and_spares_who_checked_in(
    settings: Settings, emu: BotApiEmulator, clock: FixedClock
) -> None:
    li, wang = await team_then_down(settings, emu, clock, "Li Wei", "Wang Fang")
    second = build_application(settings, clock=clock)
    async with polling(second, poll_timeout=1):
        assert "Check-in recorded" in (await li.next_message())["text"]
        # Wang, who has not checked in, gets the 07:00 reminder the restart caught up on.
        assert (await wang.next_message())["text"].startswith("⏰")
        # One more round trip in Li's chat: a reminder already on its way would come first.
        li.send_command("help")
        assert "Commands" in (await li.next_message())["text"]
    texts = [m["text"] for m in emu.sent_messages(li.id)]
    assert not any(tx.startswith("⏰") for tx in texts), texts
