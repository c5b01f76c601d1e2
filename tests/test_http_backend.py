"""The aiohttp request backend (bot/http.py) against the emulator over real HTTP: what PTB
sends arrives intact, and network trouble surfaces as PTB's own error types."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InputFile
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.config import ConfigError, load_settings
from bot.emulator import BotApiEmulator
from bot.http import AiohttpRequest, make_requests
from tests.conftest import TOKEN

CHAT = 4242


@pytest.fixture(params=["aiohttp", "httpx"])
async def bot(request: pytest.FixtureRequest, emu: BotApiEmulator) -> AsyncIterator[Bot]:
    """The same behaviour is asked of both backends: httpx is the reference."""
    emu.user(CHAT, first_name="Ann")
    req, updates_req = make_requests(request.param, pool_size=4)
    b = Bot(
        TOKEN,
        base_url=emu.base_url,
        base_file_url=emu.base_file_url,
        request=req,
        get_updates_request=updates_req,
    )
    async with b:
        yield b


async def test_send_message_form_fields_arrive_as_sent(bot: Bot, emu: BotApiEmulator) -> None:
    text = "签到 ✅ & done=1; 100% <ok>"
    msg = await bot.send_message(CHAT, text, disable_notification=True)
    assert msg.text == text and msg.chat.id == CHAT
    sent = [r for r in emu.requests if r.method == "sendMessage"]
    assert sent[-1].params["text"] == text
    assert sent[-1].params["disable_notification"] is True


async def test_bad_request_is_parsed_like_httpx(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(999_999_999, "nobody")


async def test_upload_multipart_then_get_file_and_download(bot: Bot, emu: BotApiEmulator) -> None:
    data = bytes(range(256)) * 40  # binary, not text: any mangling shows
    msg = await bot.send_document(
        CHAT, InputFile(data, filename="report.xlsx"), caption="March report"
    )
    assert msg.document is not None and msg.caption == "March report"
    assert emu.uploads[-1].data == data
    assert emu.uploads[-1].filename == "report.xlsx"
    f = await bot.get_file(msg.document.file_id)
    assert bytes(await f.download_as_bytearray()) == data


async def test_many_concurrent_requests_share_a_small_pool(bot: Bot, emu: BotApiEmulator) -> None:
    import asyncio

    sent = await asyncio.gather(*(bot.send_message(CHAT, f"n{i}") for i in range(40)))
    assert sorted(m.text or "" for m in sent) == sorted(f"n{i}" for i in range(40))


async def test_stalled_answer_times_out(bot: Bot, emu: BotApiEmulator) -> None:
    emu.faults.add("stall", method="sendMessage", seconds=3)
    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "slow", read_timeout=0.3)


async def test_connection_reset_is_a_network_error(bot: Bot, emu: BotApiEmulator) -> None:
    emu.faults.add("reset", method="sendMessage")
    with pytest.raises(NetworkError) as info:
        await bot.send_message(CHAT, "cut")
    assert not isinstance(info.value, TimedOut)
    # The pool recovers: the next request goes through.
    assert (await bot.send_message(CHAT, "again")).text == "again"


async def test_refused_connection_is_a_network_error() -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    request = AiohttpRequest(1)
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
    finally:
        await request.shutdown()


async def test_not_initialized_is_refused() -> None:
    with pytest.raises(RuntimeError):
        await AiohttpRequest(1).do_request("http://127.0.0.1:1/", "POST")


def test_backend_setting() -> None:
    assert load_settings({}, dotenv=False).http_backend == "aiohttp"
    assert load_settings({"OUTPOST_HTTP_BACKEND": "HTTPX"}, dotenv=False).http_backend == "httpx"
    with pytest.raises(ConfigError):
        load_settings({"OUTPOST_HTTP_BACKEND": "curl"}, dotenv=False)
    with pytest.raises(ValueError):
        make_requests("curl", 8)


async def test_proxy_from_the_environment_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """Like httpx, the aiohttp backend goes through HTTP(S)_PROXY: here a dead one, so the
    request fails although the target itself would answer."""
    import socket

    async with BotApiEmulator(token=TOKEN) as emu:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            dead = s.getsockname()[1]
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{dead}")
        request = AiohttpRequest(1)
        await request.initialize()
        try:
            with pytest.raises(NetworkError):
                await request.post(f"{emu.base_url}{TOKEN}/getMe")
        finally:
            await request.shutdown()
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        request = AiohttpRequest(1)
        await request.initialize()
        try:
            me = await request.post(f"{emu.base_url}{TOKEN}/getMe")
            assert isinstance(me, dict) and me["is_bot"] is True
        finally:
            await request.shutdown()


async def test_a_socks_proxy_is_refused_with_a_pointer_to_httpx(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "socks5://127.0.0.1:1080")
    request = AiohttpRequest(1)
    with pytest.raises(ValueError, match="OUTPOST_HTTP_BACKEND=httpx"):
        await request.initialize()
    await request.shutdown()


@pytest.mark.parametrize("backend", ["aiohttp", "httpx"])
def test_the_application_uses_the_configured_backend(tmp_path, backend: str) -> None:  # type: ignore[no-untyped-def]
    from telegram.request import HTTPXRequest

    from bot.app import build_application
    from bot.config import Settings

    settings = Settings(token=TOKEN, db_path=tmp_path / "o.db", http_backend=backend)
    app = build_application(settings)
    expected = AiohttpRequest if backend == "aiohttp" else HTTPXRequest
    # PTB keeps (getUpdates request, everything else) on the bot.
    assert all(isinstance(r, expected) for r in app.bot._request)


def test_timeouts_map_onto_aiohttp() -> None:
    from telegram.request import BaseRequest

    r = AiohttpRequest(4, read_timeout=5.0, write_timeout=5.0, connect_timeout=5.0)
    d = BaseRequest.DEFAULT_NONE
    call = r._timeout(d, d, d, d, media=False, transfer=False)
    assert (call.sock_read, call.sock_connect, call.connect, call.total) == (5.0, 5.0, 6.0, 16.0)
    # A long poll passes its own read timeout; the overall bound grows with it.
    poll = r._timeout(12.0, d, d, d, media=False, transfer=False)
    assert poll.sock_read == 12.0 and poll.total == 23.0
    # Files: bounded per read only (a big download may rightly take long).
    upload = r._timeout(d, d, d, d, media=True, transfer=True)
    download = r._timeout(d, d, d, d, media=False, transfer=True)
    assert upload.total is None and download.total is None and download.sock_read == 5.0
    # None means "wait forever", as in PTB.
    assert r._timeout(None, d, d, d, media=False, transfer=False).total is None
