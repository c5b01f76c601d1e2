"""At-least-once handling: confirmed only when handled, a repeat changes and says nothing,
and each crash window does only what it is allowed to."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from telegram import Update

from bot.app import build_application, polling
from bot.config import Settings
from bot.emulator import BotApiEmulator
from bot.updates import by_chat, handle_batch
from bot.webhook import SECRET_HEADER, secret_for, webhook_app
from handlers.checkin import CONFIRM_KIND
from tests.world import SITE_LAT, SITE_LON, World


def _update_of(world: World, message: dict[str, Any]) -> Update:
    raw = next(
        u
        for u in world.emu.delivered_updates
        if u.get("message", {}).get("message_id") == message["message_id"]
        and u["message"]["chat"]["id"] == message["chat"]["id"]
    )
    return Update.de_json(raw, world.app.bot)


def _confirmations(world: World, chat_id: int) -> int:
    return sum(m.get("text", "").startswith("✅") for m in world.emu.sent_messages(chat_id))


async def _checked_in(world: World) -> tuple[Any, Update]:
    team = await world.team()
    li = await world.enroll(team)
    msg = li.send_location(SITE_LAT, SITE_LON, accuracy=10)
    assert (await li.next_message())["text"].startswith("✅")
    await _settle(world)
    return li, _update_of(world, msg)


async def _settle(world: World) -> None:
    last = world.emu.updates.next_id - 1
    for _ in range(500):
        if world.emu.confirmed_update_id >= last:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("updates were not confirmed")


async def test_a_redelivered_update_changes_nothing_and_says_nothing(world: World) -> None:
    li, update = await _checked_in(world)
    assert await world.storage.delivery.is_processed(update.update_id)
    await handle_batch(world.app, [update])
    assert await world.storage.checkins.count() == 1
    assert _confirmations(world, li.id) == 1


async def test_crash_after_recording_before_confirming_confirms_on_redelivery(
    world: World,
) -> None:
    """Killed after the check-in was stored but before the reply: the repeat sends it."""
    li, update = await _checked_in(world)
    await _forget(world, update, confirmation=True)
    await handle_batch(world.app, [update])
    assert await world.storage.checkins.count() == 1
    # The one window where a message may repeat: it was sent, the record of it was not.
    assert _confirmations(world, li.id) == 2
    await handle_batch(world.app, [update])
    assert _confirmations(world, li.id) == 2


async def test_crash_after_confirming_before_marking_the_update_sends_nothing(
    world: World,
) -> None:
    li, update = await _checked_in(world)
    await _forget(world, update, confirmation=False)
    await handle_batch(world.app, [update])
    assert await world.storage.checkins.count() == 1
    assert _confirmations(world, li.id) == 1


async def _forget(world: World, update: Update, *, confirmation: bool) -> None:
    """Storage as a kill at that moment would have left it."""
    db = world.storage.db
    await db.execute("DELETE FROM processed_updates WHERE update_id = ?", (update.update_id,))
    if confirmation:
        await db.execute("DELETE FROM notifications WHERE kind = ?", (CONFIRM_KIND,))


async def test_an_update_ptb_cannot_read_does_not_block_polling(world: World) -> None:
    team = await world.team()
    li = await world.enroll(team)
    # A voice note lasting longer than Python's timedelta can hold: PTB cannot parse it.
    bad = world.emu.push_update(
        {
            "message": {
                "message_id": 99,
                "date": 0,
                "chat": li.private_chat,
                "from": li.user,
                "voice": {"file_id": "x", "file_unique_id": "y", "duration": -(10**17)},
            }
        }
    )
    li.send_text("hello")
    assert (await li.next_message())["text"]
    await _settle(world)
    assert await world.storage.delivery.is_processed(bad["update_id"])


def test_a_batch_is_split_by_chat_keeping_each_chats_order() -> None:
    def upd(uid: int, chat: int) -> Update:
        return Update.de_json(
            {
                "update_id": uid,
                "message": {
                    "message_id": uid,
                    "date": 0,
                    "chat": {"id": chat, "type": "private"},
                    "from": {"id": chat, "is_bot": False, "first_name": "x"},
                    "text": "t",
                },
            },
            None,
        )

    groups = by_chat([upd(1, 10), upd(2, 20), upd(3, 10), upd(4, 30), upd(5, 20)])
    assert [[u.update_id for u in g] for g in groups] == [[1, 3], [2, 5], [4]]


async def test_stopping_confirms_what_was_handled(
    settings: Settings, emu: BotApiEmulator, clock: Any
) -> None:
    app = build_application(settings, clock=clock)
    u = emu.user(4242, "Someone")
    async with polling(app, poll_timeout=1):
        u.send_text("hi")
        await u.next_message()
        last = emu.updates.next_id - 1
    assert emu.confirmed_update_id == last
    assert emu.pending_updates_count == 0


async def test_webhook_answers_only_after_handling_and_checks_the_secret(world: World) -> None:
    team = await world.team()
    li = await world.enroll(team)
    secret = secret_for(world.ctx.settings.token)
    raw = {
        "update_id": 777_001,
        "message": {
            "message_id": 555,
            "date": int(world.clock.now().timestamp()),
            "chat": li.private_chat,
            "from": li.user,
            "location": {"latitude": SITE_LAT, "longitude": SITE_LON},
        },
    }
    async with TestClient(TestServer(webhook_app(world.app, "/hook", secret))) as client:
        forged = await client.post("/hook", json=raw, headers={SECRET_HEADER: "guess"})
        assert forged.status == 403
        assert not await world.storage.delivery.is_processed(777_001)
        response = await client.post("/hook", json=raw, headers={SECRET_HEADER: secret})
        assert response.status == 200
        # By the time Telegram hears 200, the check-in is stored and confirmed.
        assert await world.storage.delivery.is_processed(777_001)
        assert await world.storage.checkins.count() == 1
        assert _confirmations(world, li.id) == 1
        again = await client.post("/hook", json=raw, headers={SECRET_HEADER: secret})
        assert again.status == 200 and _confirmations(world, li.id) == 1
        garbage = await client.post("/hook", data=b"{not json", headers={SECRET_HEADER: secret})
        assert garbage.status == 400


async def test_out_of_area_follow_ups_are_sent_once_across_redeliveries(world: World) -> None:
    from tests.world import offset

    team = await world.team()
    boss = await world.enroll(team, "supervisor", name="Boss")
    li = await world.enroll(team)
    msg = li.send_location(*offset(SITE_LAT, SITE_LON, north_m=3000), accuracy=10)
    await li.next_message()
    await li.next_message()  # "send the reason"
    await _settle(world)
    update = _update_of(world, msg)
    alerts = len(world.emu.sent_messages(boss.id))
    asks = len(world.emu.sent_messages(li.id))
    assert alerts == 2  # the alert and the point itself
    # Killed before the update was marked handled: the repeat sends nothing at all.
    await _forget(world, update, confirmation=False)
    await handle_batch(world.app, [update])
    assert len(world.emu.sent_messages(boss.id)) == alerts
    assert len(world.emu.sent_messages(li.id)) == asks
    # Killed after the check-in but before the supervisor heard: the repeat tells them.
    await world.storage.db.execute("DELETE FROM notifications WHERE kind = 'alert.out_of_area'")
    await _forget(world, update, confirmation=False)
    await handle_batch(world.app, [update])
    assert len(world.emu.sent_messages(boss.id)) == 2 * alerts
    assert len(world.emu.sent_messages(li.id)) == asks


async def test_a_refused_token_is_one_line_not_a_hang(
    emu: BotApiEmulator, tmp_path: Any, capsys: Any
) -> None:
    from bot.cli import main

    env = {
        "TELEGRAM_BOT_TOKEN": "not-a-token",
        "TELEGRAM_API_BASE_URL": emu.base_url,
        "OUTPOST_DB": str(tmp_path / "x.db"),
    }
    # `outpost run` owns its event loop, so it runs in a thread beside the emulator's.
    code = await asyncio.wait_for(asyncio.to_thread(main, ["run"], env), 20)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and "refused TELEGRAM_BOT_TOKEN" in err[0], err
