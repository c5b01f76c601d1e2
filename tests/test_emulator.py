"""The Bot API emulator, driven by a raw HTTP client and by a real python-telegram-bot Bot."""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, EndPointNotFound, Forbidden, NetworkError, RetryAfter

from bot.emulator import BotApiEmulator, Schema

SUBSET = Path(__file__).parent / "data" / "bot_api_subset.json"
TOKEN = "123456:TEST-token_x"
USER_ID = 1001
PNG_2x3 = (
    b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (2).to_bytes(4, "big") + (3).to_bytes(4, "big")
)


@pytest.fixture(scope="module")
def schema() -> Schema:
    return Schema.load(SUBSET)


@pytest.fixture
async def emu(schema: Schema) -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(schema=schema, clock=lambda: 1_750_000_000.0) as e:
        yield e


@pytest.fixture
async def http(emu: BotApiEmulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{emu.base_url}{TOKEN}/", timeout=10) as c:
        yield c


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[telegram.Bot]:
    b = telegram.Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url)
    async with b:
        yield b


def inline(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in pairs]])


# -- basics ------------------------------------------------------------------------------


async def test_get_me_raw_and_ptb(emu: BotApiEmulator, http: httpx.AsyncClient, bot: telegram.Bot):
    r = await http.get("getMe")
    assert r.status_code == 200
    me = r.json()["result"]
    assert me["id"] == 123456 and me["is_bot"] and me["username"] == "outpost_test_bot"
    assert (await bot.get_me()).username == "outpost_test_bot"
    # Method names are case-insensitive on Telegram.
    assert (await http.post("GETME")).json()["ok"] is True
    emu.assert_no_violations()


async def test_bad_token_is_401(emu: BotApiEmulator):
    async with httpx.AsyncClient() as c:
        r = await c.post(f"{emu.base_url}not-a-token/getMe")
    assert r.status_code == 401
    assert r.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_send_message_with_inline_keyboard_form_json_and_ptb(
    emu: BotApiEmulator, http: httpx.AsyncClient, bot: telegram.Bot
):
    emu.user(USER_ID, first_name="Li")
    markup = {"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]}
    form = await http.post(
        "sendMessage",
        data={"chat_id": str(USER_ID), "text": "123", "reply_markup": json.dumps(markup)},
    )
    body = await http.post(
        "sendMessage", json={"chat_id": USER_ID, "text": "b", "reply_markup": markup}
    )
    via_ptb = await bot.send_message(USER_ID, "c", reply_markup=inline(("Yes", "y")))

    m1, m2 = form.json()["result"], body.json()["result"]
    assert m1["text"] == "123"  # a digit-only text stays a string
    assert m1["reply_markup"] == markup == m2["reply_markup"]
    assert via_ptb.reply_markup == inline(("Yes", "y"))
    assert [m1["message_id"], m2["message_id"], via_ptb.message_id] == [1, 2, 3]
    assert m1["from"]["id"] == 123456 and m1["chat"] == {
        "id": USER_ID,
        "type": "private",
        "first_name": "Li",
    }
    assert m1["date"] == 1_750_000_000
    sends = [r for r in emu.requests if r.method == "sendMessage"]
    assert sends[0].params["reply_markup"] == markup  # decoded from the form
    assert [m["text"] for m in emu.sent_messages(USER_ID)] == ["123", "b", "c"]
    emu.assert_no_violations()


async def test_reply_keyboard_is_tracked_not_echoed(emu: BotApiEmulator, bot: telegram.Bot):
    u = emu.user(USER_ID)
    kb = telegram.ReplyKeyboardMarkup(
        [[telegram.KeyboardButton("Check in", request_location=True)]], resize_keyboard=True
    )
    msg = await bot.send_message(USER_ID, "menu", reply_markup=kb)
    assert msg.reply_markup is None  # Message.reply_markup is inline-only on Telegram
    assert u.reply_keyboard is not None
    assert u.reply_keyboard["keyboard"][0][0]["request_location"] is True
    emu.assert_no_violations()


async def test_errors_like_telegram(emu: BotApiEmulator, bot: telegram.Bot):
    emu.user(USER_ID)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(999, "hi")
    msg = await bot.send_message(USER_ID, "same", reply_markup=inline(("A", "a")))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "same", USER_ID, msg.message_id, reply_markup=inline(("A", "a"))
        )
    # Omitting reply_markup drops the keyboard, so this is a change.
    edited = await bot.edit_message_text("same", USER_ID, msg.message_id)
    assert isinstance(edited, telegram.Message)
    assert edited.reply_markup is None and edited.edit_date is not None
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", USER_ID, 999)
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(USER_ID, "x", reply_markup=inline(("A", "x" * 65)))
    with pytest.raises(BadRequest, match=r"(?i)character '\.' is reserved"):
        await bot.send_message(USER_ID, "Done.", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match=r'(?i)unsupported start tag "li"'):
        await bot.send_message(USER_ID, "Hi <Li>", parse_mode="HTML")
    emu.set_blocked(USER_ID, True)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER_ID, "hi")
    emu.assert_no_violations()


async def test_parse_modes_strip_markup(emu: BotApiEmulator, bot: telegram.Bot):
    emu.user(USER_ID)
    m = await bot.send_message(USER_ID, "*Late* by 5 min\\.", parse_mode="MarkdownV2")
    assert m.text == "Late by 5 min."
    assert m.entities[0].type == "bold" and (m.entities[0].offset, m.entities[0].length) == (0, 4)
    m = await bot.send_message(USER_ID, "📍 <b>在岗</b> &lt;ok&gt;", parse_mode="HTML")
    assert m.text == "📍 在岗 <ok>"
    assert (m.entities[0].offset, m.entities[0].length) == (3, 2)  # UTF-16 offsets


# -- files -------------------------------------------------------------------------------


async def test_send_document_multipart_and_download(emu: BotApiEmulator, bot: telegram.Bot):
    emu.user(USER_ID)
    data = "日期,状态\n".encode("utf-8-sig")
    msg = await bot.send_document(USER_ID, io.BytesIO(data), filename="report.csv", caption="May")
    assert msg.document.file_name == "report.csv" and msg.caption == "May"
    [up] = emu.uploads
    assert (up.filename, up.data, up.method, up.chat_id) == (
        "report.csv",
        data,
        "sendDocument",
        USER_ID,
    )
    f = await bot.get_file(msg.document.file_id)
    assert bytes(await f.download_as_bytearray()) == data
    # Resending by file_id reuses the stored file.
    again = await bot.send_document(USER_ID, msg.document.file_id)
    assert again.document.file_unique_id == msg.document.file_unique_id
    photo = await bot.send_photo(USER_ID, io.BytesIO(PNG_2x3), filename="chart.png")
    assert (photo.photo[-1].width, photo.photo[-1].height) == (2, 3)
    emu.assert_no_violations()


async def test_user_photo_get_file_and_download(emu: BotApiEmulator, bot: telegram.Bot):
    u = emu.user(USER_ID)
    u.send_photo(PNG_2x3, caption="site")
    u.send_voice(b"OggS-voice", duration=4)
    [p, v] = await bot.get_updates()
    assert p.message.caption == "site"
    f = await bot.get_file(p.message.photo[-1].file_id)
    assert bytes(await f.download_as_bytearray()) == PNG_2x3
    fv = await bot.get_file(v.message.voice.file_id)
    assert "/voice/" in fv.file_path and v.message.voice.duration == 4
    assert bytes(await fv.download_as_bytearray()) == b"OggS-voice"
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await bot.get_file("nope")
    emu.assert_no_violations()


# -- updates -----------------------------------------------------------------------------


async def test_get_updates_offsets_and_confirmation(emu: BotApiEmulator, http: httpx.AsyncClient):
    u = emu.user(USER_ID)
    for i in range(3):
        u.send_text(f"m{i}")
    first = (await http.post("getUpdates")).json()["result"]
    assert [x["update_id"] for x in first] == [1, 2, 3]
    assert emu.pending_updates_count == 3  # handed out, not yet confirmed
    again = (await http.post("getUpdates", json={"offset": 2, "limit": 1})).json()["result"]
    assert [x["update_id"] for x in again] == [2]
    assert emu.confirmed_update_id == 1 and emu.pending_updates_count == 2
    u.send_text("m3")
    last = (await http.post("getUpdates", data={"offset": "-1"})).json()["result"]
    assert [x["message"]["text"] for x in last] == ["m3"]  # earlier ones are forgotten
    assert emu.pending_updates_count == 1
    assert [x["update_id"] for x in emu.delivered_updates] == [1, 2, 3, 4]
    emu.assert_no_violations()


async def test_long_poll_wakes_when_a_user_acts(emu: BotApiEmulator, bot: telegram.Bot):
    u = emu.user(USER_ID)
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    assert not poll.done()
    u.send_command("start", "abc")
    [upd] = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 1.5
    assert upd.message.text == "/start abc"
    assert upd.message.entities[0].type == "bot_command" and upd.message.entities[0].length == 6
    emu.assert_no_violations()


async def test_allowed_updates_filters_new_updates(emu: BotApiEmulator, bot: telegram.Bot):
    u = emu.user(USER_ID)
    await bot.get_updates(allowed_updates=["callback_query"])
    u.send_text("ignored")
    assert emu.pending_updates_count == 0


async def test_location_venue_forward_offline_in_ptb(emu: BotApiEmulator, bot: telegram.Bot):
    u = emu.user(USER_ID, first_name="Li", language_code="zh-hans")
    other = emu.user(2002, first_name="Wang")
    u.send_location(30.1, 120.2, accuracy=25.0, date=1_749_999_000)
    u.send_venue(30.1, 120.2, "Village office", "1 Main St")
    u.forward_location(30.1, 120.2, origin_user=other, origin_date=1_749_990_000)
    u.send_location(30.1, 120.2, is_from_offline=True)
    loc, venue, fwd, offline = (x.message for x in await bot.get_updates())
    assert loc.location.horizontal_accuracy == 25.0
    assert loc.date.timestamp() == 1_749_999_000 and loc.from_user.language_code == "zh-hans"
    assert venue.venue.title == "Village office" and venue.location is not None
    assert isinstance(fwd.forward_origin, telegram.MessageOriginUser)
    assert fwd.forward_origin.sender_user.id == 2002 and fwd.location is not None
    assert offline.is_from_offline is True and not loc.is_from_offline
    emu.assert_no_violations()


async def test_live_location_edits_arrive_as_edited_message(emu: BotApiEmulator, bot: telegram.Bot):
    u = emu.user(USER_ID)
    msg = u.send_location(30.0, 120.0, accuracy=10, live_period=900)
    u.edit_live_location(msg, 30.001, 120.001, accuracy=8, edit_date=1_750_000_060)
    u.stop_live_location(msg)
    first, moved, stopped = await bot.get_updates()
    assert first.message.location.live_period == 900
    assert moved.edited_message.message_id == msg["message_id"]
    assert moved.edited_message.location.latitude == 30.001
    assert moved.edited_message.edit_date.timestamp() == 1_750_000_060
    assert stopped.edited_message.location.live_period is None
    emu.assert_no_violations()


async def test_press_gives_callback_query_and_answers_are_recorded(
    emu: BotApiEmulator, bot: telegram.Bot
):
    u = emu.user(USER_ID)
    sent = await bot.send_message(
        USER_ID, "Approve?", reply_markup=inline(("OK", "ap:1"), ("No", "rj:1"))
    )
    [msg] = emu.sent_messages(USER_ID)
    assert msg["message_id"] == sent.message_id
    qid = u.press(msg, text="No")
    [upd] = await bot.get_updates()
    cq = upd.callback_query
    assert (cq.id, cq.data, cq.from_user.id) == (qid, "rj:1", USER_ID)
    assert cq.message.message_id == sent.message_id
    assert await cq.answer("Rejected")
    assert emu.callback_answers(qid)[0]["text"] == "Rejected"
    with pytest.raises(BadRequest, match="Query is too old"):
        await cq.answer("twice")
    forged = u.press_raw("ap:999")
    with pytest.raises(LookupError):
        u.press(msg, data="missing")
    assert forged != qid
    emu.assert_no_violations()


async def test_next_message_and_wait_for(emu: BotApiEmulator, bot: telegram.Bot):
    u = emu.user(USER_ID)
    mark = emu.mark()
    await bot.send_message(USER_ID, "one")
    await bot.send_message(USER_ID, "two")
    assert (await u.next_message())["text"] == "one"
    assert (await u.next_message())["text"] == "two"
    with pytest.raises(TimeoutError, match="no new bot message"):
        await u.next_message(timeout=0.05)
    rec = await emu.wait_for(lambda r: r.params.get("text") == "two", since=mark)
    assert rec.method == "sendMessage" and rec.response["ok"]
    waiter = asyncio.create_task(emu.wait_for(lambda r: r.method == "sendChatAction", timeout=2))
    await asyncio.sleep(0)
    await bot.send_chat_action(USER_ID, "typing")
    assert (await waiter).params["action"] == "typing"


# -- faults and limits -------------------------------------------------------------------


async def test_fault_429_raises_retry_after(emu: BotApiEmulator, bot: telegram.Bot):
    emu.user(USER_ID)
    emu.faults.add("429", method="sendMessage", retry_after=7)
    with pytest.raises(RetryAfter) as exc:
        await bot.send_message(USER_ID, "x")
    assert exc.value.retry_after in (7, timedelta(seconds=7))
    assert (await bot.send_message(USER_ID, "x")).text == "x"  # times=1 by default


async def test_fault_500_502_and_reset(
    emu: BotApiEmulator, bot: telegram.Bot, http: httpx.AsyncClient
):
    emu.user(USER_ID)
    emu.faults.add("500")
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(USER_ID, "x")
    emu.faults.add("502")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(USER_ID, "x")
    emu.faults.add("reset", method="sendMessage")
    with pytest.raises(httpx.TransportError):
        await http.post("sendMessage", json={"chat_id": USER_ID, "text": "lost"})
    emu.faults.add("reset_after", method="sendMessage")
    with pytest.raises(httpx.TransportError):
        await http.post("sendMessage", json={"chat_id": USER_ID, "text": "sent, answer lost"})
    assert [m["text"] for m in emu.sent_messages(USER_ID)] == ["sent, answer lost"]
    # Faults without a method spare getUpdates, so polling survives "any method" chaos.
    emu.faults.add("500", times=None)
    assert await bot.get_updates() == ()


async def test_fault_stall_and_probability(emu: BotApiEmulator, bot: telegram.Bot):
    emu.user(USER_ID)
    emu.faults.add("stall", method="sendMessage", seconds=0.2)
    started = time.monotonic()
    await bot.send_message(USER_ID, "slow")
    assert time.monotonic() - started >= 0.2
    emu.faults.add("500", method="sendChatAction", times=None, probability=0.5)
    outcomes = []
    for _ in range(20):
        try:
            outcomes.append(await bot.send_chat_action(USER_ID, "typing"))
        except NetworkError:
            outcomes.append(False)
    assert 0 < outcomes.count(True) < 20  # seeded RNG: some pass, some fail


async def test_rate_limit(emu: BotApiEmulator, http: httpx.AsyncClient):
    emu.user(USER_ID)
    emu.rate_limit(per_second=5)
    codes = []
    for i in range(12):
        r = await http.post("sendMessage", json={"chat_id": USER_ID, "text": str(i)})
        codes.append(r.status_code)
        if r.status_code == 429:
            assert r.json()["parameters"]["retry_after"] >= 1
            assert r.json()["description"].startswith("Too Many Requests: retry after ")
    assert codes[:5] == [200] * 5 and 429 in codes
    assert emu.rejected_by_limit == codes.count(429)
    assert (await http.post("getMe")).status_code == 200  # only send*/edit* are limited


# -- schema ------------------------------------------------------------------------------


async def test_unknown_method_param_and_missing_required(
    emu: BotApiEmulator, http: httpx.AsyncClient, bot: telegram.Bot
):
    emu.user(USER_ID)
    r = await http.post("sendTelepathy", json={"chat_id": USER_ID})
    assert r.status_code == 404
    assert r.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    with pytest.raises(EndPointNotFound):  # what PTB makes of a 404 from an API call
        await bot.do_api_request("sendTelepathy")
    r = await http.post("sendMessage", json={"chat_id": USER_ID, "text": "x", "colour": "red"})
    assert r.status_code == 200
    r = await http.post("sendLocation", json={"chat_id": USER_ID, "latitude": 1.0})
    assert r.status_code == 400 and "longitude" in r.json()["description"]
    assert "sendTelepathy: unknown method" in emu.violations
    assert "sendMessage: unknown parameter 'colour'" in emu.violations
    assert "sendLocation: missing required parameter 'longitude'" in emu.violations
    with pytest.raises(AssertionError, match="4 Bot API violation"):
        emu.assert_no_violations()


def test_schema_checks_objects_recursively(schema: Schema):
    assert schema.source["commit"] == "160fd99" and "MIT" in schema.source["license"]
    good = {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "text": "x"}
    assert schema.check_object("Message", good) == []
    bad = {"message_id": 1, "date": 0, "chat": {"id": 1}, "txet": "x"}
    problems = schema.check_object("Message", bad)
    assert any("has no field 'txet'" in p for p in problems)
    assert any("Message.chat" in p and "'type'" in p for p in problems)
    origin = {"type": "user", "date": 1, "sender_user": {"id": 1, "is_bot": False}}
    assert any("first_name" in p for p in schema.check_object("MessageOrigin", origin))
    assert schema.check_result("getUpdates", [{"update_id": 1, "message": good}]) == []
    assert schema.canonical_method("SENDMESSAGE") == "sendMessage"


async def test_every_emitted_object_validates(emu: BotApiEmulator, bot: telegram.Bot):
    u = emu.user(USER_ID, first_name="Li", last_name="Wei", username="liwei")
    g = emu.group(-100123, title="Team chat")
    u.send_text("hello", chat=g)
    u.send_sticker()
    u.send_document(b"%PDF", file_name="leave.pdf", mime_type="application/pdf", caption="note")
    u.forward_text("fwd", hidden_name="Someone")
    edited = u.send_text("typo")
    u.edit_text(edited, "fixed")
    await bot.set_my_commands([("checkin", "Check in"), ("leave", "Ask for leave")])
    assert [c.command for c in await bot.get_my_commands()] == ["checkin", "leave"]
    await bot.get_webhook_info()
    await bot.get_chat(-100123)
    await bot.get_chat(USER_ID)
    await bot.send_venue(USER_ID, 30.0, 120.0, "Office", "Main St")
    loc = await bot.send_location(USER_ID, 30.0, 120.0, horizontal_accuracy=5)
    await bot.copy_message(USER_ID, USER_ID, loc.message_id)
    m = await bot.send_message(-100123, "hi all", reply_to_message_id=1)
    assert m.reply_to_message is not None and m.reply_to_message.text == "hello"
    await bot.edit_message_reply_markup(-100123, m.message_id, reply_markup=inline(("x", "y")))
    assert await bot.delete_message(-100123, m.message_id)
    updates = await bot.get_updates()
    assert [k for x in updates for k in x.to_dict() if k != "update_id"] == [
        "message", "message", "message", "message", "message", "edited_message",
    ]  # fmt: skip
    assert g.sent_messages() == []
    await bot.delete_webhook(drop_pending_updates=True)
    assert emu.pending_updates_count == 0
    emu.assert_no_violations()


# -- a real Application polling ----------------------------------------------------------


async def test_ptb_application_polls_and_replies(emu: BotApiEmulator):
    from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

    async def start(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(f"hello {' '.join(context.args or [])}")

    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(emu.base_url)
        .base_file_url(emu.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    u = emu.user(USER_ID)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        u.send_command("start", "abc")
        reply = await u.next_message(timeout=5)
        await app.updater.stop()
        await app.stop()
    assert reply["text"] == "hello abc"
    emu.assert_no_violations()


async def test_webhook_mode_posts_updates_until_answered_2xx(
    emu: BotApiEmulator, bot: telegram.Bot
) -> None:
    """As Telegram: each update is posted with the secret, oldest first, stays pending (and
    is posted again) until the bot answers 2xx; nothing is posted before setWebhook."""
    from aiohttp import web

    seen: list[tuple[int, str]] = []
    answers = iter([503, 200, 200])

    async def hook(request: web.Request) -> web.Response:
        body = await request.json()
        seen.append((body["update_id"], request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")))
        return web.Response(status=next(answers, 200))

    app = web.Application()
    app.router.add_post("/in", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        emu.webhook_forward = f"http://127.0.0.1:{port}/in"
        user = emu.user(1001, first_name="Li")
        user.send_text("one")
        user.send_text("two")
        await asyncio.sleep(0.3)
        assert seen == [] and (await bot.get_webhook_info()).pending_update_count == 2
        await bot.set_webhook("https://bot.example.org/hook", secret_token="s3cret")
        for _ in range(200):
            if len(seen) >= 3:
                break
            await asyncio.sleep(0.02)
        first, second = emu.delivered_updates[0]["update_id"], emu.delivered_updates[1]["update_id"]
        assert seen == [(first, "s3cret"), (first, "s3cret"), (second, "s3cret")]
        for _ in range(100):
            if emu.pending_updates_count == 0:
                break
            await asyncio.sleep(0.02)
        assert (await bot.get_webhook_info()).pending_update_count == 0
    finally:
        await runner.cleanup()
