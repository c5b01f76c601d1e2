"""Webhook mode listens where it is told (issue 12, item 10): OUTPOST_WEBHOOK_LISTEN,
OUTPOST_WEBHOOK_PORT and OUTPOST_WEBHOOK_PATH, behind a reverse proxy that terminates HTTPS;
an http:// URL is refused at start in one line."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest

from bot.app import serve
from bot.config import ConfigError, Settings, load_settings
from bot.emulator import BotApiEmulator
from bot.webhook import SECRET_HEADER, secret_for


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_webhook_settings_from_the_environment(tmp_path: Path) -> None:
    env = {
        "OUTPOST_DB": str(tmp_path / "o.db"),
        "OUTPOST_WEBHOOK_URL": "https://bot.example.org/outpost/hook",
        "OUTPOST_WEBHOOK_LISTEN": "0.0.0.0",
        "OUTPOST_WEBHOOK_PORT": "9000",
        "OUTPOST_WEBHOOK_PATH": "/hook",
    }
    s = load_settings(env)
    assert (s.webhook_listen, s.webhook_port, s.webhook_path) == ("0.0.0.0", 9000, "/hook")
    defaults = load_settings({"OUTPOST_DB": str(tmp_path / "o.db")})
    assert (defaults.webhook_listen, defaults.webhook_port) == ("127.0.0.1", 8443)
    for bad in ("http://bot.example.org/hook", "bot.example.org/hook", "https://"):
        with pytest.raises(ConfigError, match="OUTPOST_WEBHOOK_URL"):
            load_settings({**env, "OUTPOST_WEBHOOK_URL": bad})


async def test_the_webhook_listens_on_the_configured_address_port_and_path(
    settings: Settings, emu: BotApiEmulator
) -> None:
    port = _free_port()
    hooked = replace(
        settings,
        webhook_url="https://bot.example.org/outpost/hook",
        webhook_listen="127.0.0.1",
        webhook_port=port,
        webhook_path="/in",
    )
    stop = asyncio.Event()
    running = asyncio.create_task(serve(hooked, stop))
    try:
        for _ in range(200):
            if emu.webhook is not None:
                break
            await asyncio.sleep(0.02)
        assert emu.webhook is not None
        assert emu.webhook["url"] == "https://bot.example.org/outpost/hook"
        secret = secret_for(settings.token)
        update = {
            "update_id": 42,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 5, "type": "private"},
                "from": {"id": 5, "is_bot": False, "first_name": "A"},
                "text": "hi",
            },
        }
        async with aiohttp.ClientSession() as http:
            async with http.post(
                f"http://127.0.0.1:{port}/in", json=update, headers={SECRET_HEADER: secret}
            ) as answered:
                assert answered.status == 200
            async with http.post(
                f"http://127.0.0.1:{port}/outpost/hook",
                json=update,
                headers={SECRET_HEADER: secret},
            ) as elsewhere:
                assert elsewhere.status == 404
    finally:
        stop.set()
        await asyncio.wait_for(running, 20)
