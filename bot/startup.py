"""Before `outpost run` says it is running: Telegram must have answered, and a PostgreSQL
database must have taken a connection.

One getMe on a plain Bot, without the retries the running bot uses (bot/resilience.py), so a
token Telegram refuses or a server nobody can reach is one line at once, not a minute of
retries and a traceback after "running" was already logged.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import psycopg
from telegram import Bot, User
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.config import ConfigError, Settings


async def telegram_answers(settings: Settings) -> User:
    """The bot's own user as Telegram knows it; ConfigError naming the problem otherwise."""
    host = urlsplit(settings.api_base_url).netloc or settings.api_base_url
    try:
        async with Bot(settings.require_token(), base_url=settings.api_base_url) as bot:
            return bot.bot
    except InvalidToken as exc:
        raise ConfigError(
            f"Telegram refused TELEGRAM_BOT_TOKEN ({exc}); check it with @BotFather"
        ) from exc
    except NetworkError as exc:
        raise ConfigError(
            f"cannot reach Telegram at {host} ({exc}); check the network, a proxy"
            " (HTTPS_PROXY) or TELEGRAM_API_BASE_URL"
        ) from exc
    except TelegramError as exc:
        raise ConfigError(f"Telegram at {host} did not answer getMe: {exc}") from exc


async def database_answers(settings: Settings) -> None:
    """A PostgreSQL `OUTPOST_DB` takes one connection, or ConfigError in the server's words
    (never the URL: it may hold a password). A SQLite path was checked with the settings."""
    url = settings.db_path
    if not isinstance(url, str):
        return

    def connect() -> None:
        psycopg.connect(url, connect_timeout=10).close()

    try:
        await asyncio.to_thread(connect)
    except psycopg.Error as exc:
        said = " ".join(str(exc).split())
        raise ConfigError(f"cannot use the PostgreSQL database in OUTPOST_DB: {said}") from exc
