"""The emulator's /_emu/ control channel (bot/emulator/control.py), used by bench/ when the
emulator runs in its own process."""

from __future__ import annotations

import aiohttp
from telegram import Bot

from bot.emulator import BotApiEmulator
from tests.conftest import TOKEN


async def test_burst_queues_real_location_updates_and_stats_see_replies() -> None:
    async with BotApiEmulator(control=True, token=TOKEN) as emu:
        control = f"http://{emu.host}:{emu.port}/_emu"
        async with aiohttp.ClientSession() as http, Bot(TOKEN, base_url=emu.base_url) as bot:
            async with http.post(
                f"{control}/burst",
                json={"user_ids": [11, 12], "latitude": 30.1, "longitude": 120.2,
                      "accuracy": 9.0, "date": 1_700_000_000},
            ) as resp:  # fmt: skip
                sent = await resp.json()
            assert set(sent["queued"]) == {"11", "12"}
            updates = await bot.get_updates(timeout=0)
            assert [u.effective_user.id for u in updates if u.effective_user] == [11, 12]
            msg = updates[0].message
            assert msg is not None and msg.location is not None
            assert msg.location.horizontal_accuracy == 9.0
            assert int(msg.date.timestamp()) == 1_700_000_000
            await bot.send_message(11, "ok")
            await bot.send_message(11, "again")
            params = {"since": str(sent["mark"])}
            async with http.get(f"{control}/stats", params=params) as resp:
                stats = await resp.json()
            assert {k: len(v) for k, v in stats["replies"].items()} == {"11": 2}
            async with http.get(f"{control}/stats", params={**params, "summary": "1"}) as resp:
                assert (await resp.json())["replied_chats"] == 1
            async with http.post(f"{control}/reset") as resp:
                assert resp.status == 200
            assert emu.requests == []


async def test_control_routes_exist_only_when_asked_for() -> None:
    async with BotApiEmulator(token=TOKEN) as emu, aiohttp.ClientSession() as http:
        async with http.get(f"http://{emu.host}:{emu.port}/_emu/stats") as resp:
            assert resp.status == 404


async def test_a_person_acts_as_a_user_through_the_act_routes() -> None:
    """What `python -m bot.emulator act ...` sends: text, a command, a location, a press."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    async with BotApiEmulator(control=True, token=TOKEN) as emu:
        control = f"http://{emu.host}:{emu.port}/_emu"
        async with aiohttp.ClientSession() as http, Bot(TOKEN, base_url=emu.base_url) as bot:
            for body in (
                {"user_id": 21, "text": "hello"},
                {"user_id": 21, "command": "start", "args": "CODE"},
                {"user_id": 21, "latitude": 30.1, "longitude": 120.2, "live_period": 900},
            ):
                async with http.post(f"{control}/act", json=body) as resp:
                    assert (await resp.json())["ok"] is True
            updates = await bot.get_updates(timeout=0)
            msgs = [u.message for u in updates if u.message]
            assert [m.text for m in msgs[:2]] == ["hello", "/start CODE"]
            assert msgs[2].location is not None and msgs[2].location.live_period == 900
            markup = InlineKeyboardMarkup(
                [[InlineKeyboardButton("✅ Confirm", callback_data="ok")]]
            )
            await bot.send_message(21, "Sure?", reply_markup=markup)
            async with http.get(f"{control}/chat", params={"user_id": "21"}) as resp:
                chat = (await resp.json())["messages"]
            assert chat == [{"text": "Sure?", "buttons": [["✅ Confirm"]]}]
            async with http.post(
                f"{control}/act", json={"user_id": 21, "press": "✅ Confirm"}
            ) as r:
                assert (await r.json())["pressed"] == "✅ Confirm"
            last = updates[-1].update_id + 1
            [press] = await bot.get_updates(offset=last, timeout=0)
            assert press.callback_query is not None and press.callback_query.data == "ok"


async def test_latency_delays_every_call_by_its_round_trip_with_bounded_jitter() -> None:
    import time

    async with BotApiEmulator(control=True, token=TOKEN, latency=0.04, jitter=0.01) as emu:
        async with Bot(TOKEN, base_url=emu.base_url) as bot:
            emu.user(11)
            took = []
            for _ in range(5):
                started = time.perf_counter()
                await bot.send_message(11, "ping")
                took.append(time.perf_counter() - started)
            # Half the trip before the call takes effect, half after: at least latency - jitter.
            assert min(took) >= 0.029 and max(took) < 0.5
            async with aiohttp.ClientSession() as http:
                url = f"http://{emu.host}:{emu.port}/_emu/latency"
                async with http.post(url, json={"latency": 0}) as resp:
                    assert resp.status == 200
                async with http.post(url, json={"latency": 0.01, "jitter": 1}) as resp:
                    assert resp.status == 400  # jitter beyond the latency would go negative
            started = time.perf_counter()
            await bot.send_message(11, "pong")
            assert time.perf_counter() - started < 0.029


def test_act_keeps_the_users_name_apart_from_the_commands() -> None:
    # `--name Chen command start`: the command's name once overwrote the user's first name.
    from bot.emulator.__main__ import act_body, act_parser

    args = act_parser().parse_args(["--user", "9", "--name", "Chen", "command", "start", "X"])
    assert act_body(args) == {
        "user_id": 9,
        "first_name": "Chen",
        "language_code": "en",
        "command": "start",
        "args": "X",
    }
