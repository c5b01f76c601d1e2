"""Settings from the environment or a `.env` file; every key is documented in `.env.example`."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import load_dotenv

from storage.dialects import is_postgres

TELEGRAM_API_DEFAULT = "https://api.telegram.org/bot"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message is shown to the operator as one line."""


def _refuse(key: str, raw: str, allowed: str) -> ConfigError:
    return ConfigError(f"{key}={raw!r} is not allowed: {allowed}")


def _whole(env: dict[str, str], key: str, default: int, low: int, high: int, what: str) -> int:
    raw = (env.get(key) or "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.lstrip("-").isdigit() or not low <= int(raw) <= high:
        raise _refuse(key, raw, f"{what} from {low} to {high}")
    return int(raw)


def _rate(env: dict[str, str], key: str, default: float) -> float:
    raw = (env.get(key) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    # High ceilings are for a local Bot API server or the emulator; Telegram allows ~30.
    if not (0 < value <= 1_000_000):  # NaN fails too
        raise _refuse(key, raw, "messages a second, more than 0 (Telegram allows about 30)")
    return value


def _log_level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in LOG_LEVELS:
        raise _refuse("OUTPOST_LOG_LEVEL", raw, ", ".join(LOG_LEVELS))
    return level


def _db_path(raw: str) -> Path:
    path = Path(raw).expanduser()
    folder = path.parent
    if not folder.is_dir():
        # Creating it would start an empty deployment beside the real one, unnoticed.
        raise ConfigError(
            f"OUTPOST_DB={raw!r}: the folder {str(folder)!r} does not exist; create it first"
            " or fix the path"
        )
    if path.exists() and not path.is_file():
        raise ConfigError(f"OUTPOST_DB={raw!r} is not a file")
    return path


def _webhook_url(raw: str) -> str | None:
    url = raw.strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        # Telegram sends updates only to HTTPS; an http:// URL would be set and never called.
        raise _refuse("OUTPOST_WEBHOOK_URL", raw, "an https:// URL Telegram can reach")
    return url


def _webhook_path(raw: str) -> str | None:
    path = raw.strip()
    if not path:
        return None
    if not path.startswith("/") or any(c.isspace() for c in path):
        raise _refuse("OUTPOST_WEBHOOK_PATH", raw, "a path starting with /, such as /outpost")
    return path


def _admins(raw: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise _refuse("OUTPOST_ADMINS", raw, "comma-separated Telegram user ids (numbers)")
        ids.add(int(part))
    return frozenset(ids)


def _timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise _refuse("OUTPOST_TZ", name, "an IANA timezone such as Asia/Shanghai") from exc
    return name


def _draw_range(raw: str) -> tuple[int, int]:
    low, _, high = raw.partition("-")
    allowed = "MIN-MAX teams such as 3-5, with 0 <= MIN <= MAX"
    try:
        lo, hi = int(low), int(high or low)
    except ValueError as exc:
        raise _refuse("OUTPOST_ROLLCALL_TEAMS", raw, allowed) from exc
    if not 0 <= lo <= hi:
        raise _refuse("OUTPOST_ROLLCALL_TEAMS", raw, allowed)
    return lo, hi


def _api_base(url: str) -> str:
    # Telegram's base ends in "/bot" and PTB appends the token; accept a bare host too.
    url = url.rstrip("/")
    return url if url.endswith("/bot") else url + "/bot"


@dataclass(frozen=True)
class Settings:
    token: str = ""
    api_base_url: str = TELEGRAM_API_DEFAULT
    # A SQLite file, or a `postgresql://` URL (str) for PostgreSQL.
    db_path: Path | str = Path("outpost.db")
    media_dir: Path = Path("media")
    admins: frozenset[int] = field(default_factory=frozenset)
    timezone: str = "Asia/Shanghai"
    webhook_url: str | None = None
    # Where the webhook's plain-HTTP server listens; a reverse proxy in front terminates
    # Telegram's HTTPS (README, "Webhook mode"). The path defaults to the URL's own.
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_path: str | None = None
    log_level: str = "INFO"
    invite_days: int = 14
    # Outgoing messages per second across all chats; Telegram's own limit is about 30.
    rate_limit_per_s: float = 30.0
    # Confirmations sent but not yet recorded, at most: what one crash may repeat. About one
    # second of Telegram's budget, so the window never throttles below the rate limit.
    confirm_window: int = 30
    # Bulk notices with allow_paid_broadcast (up to 1,000/s, paid in Stars by the bot owner).
    paid_broadcast: bool = False
    # Roll calls: minutes to answer, and how many teams the weekly random draw picks.
    rollcall_minutes: int = 30
    rollcall_draw_min: int = 3
    rollcall_draw_max: int = 5
    # How the bot talks HTTP to the Bot API: "aiohttp" (bot/http.py) or PTB's stock "httpx".
    http_backend: str = "aiohttp"

    @property
    def file_base_url(self) -> str:
        # ".../bot" -> ".../file/bot": the layout of both api.telegram.org and a local server.
        return self.api_base_url[: -len("bot")] + "file/bot"

    def require_token(self) -> str:
        if not self.token:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set: talk to @BotFather in Telegram, send /newbot, "
                "and put the token it gives you in .env (see .env.example), "
                "or try `outpost demo` which needs no token."
            )
        return self.token


def db_target(value: str) -> Path | str:
    """OUTPOST_DB: a PostgreSQL URL stays a string; anything else is a SQLite file path."""
    return value if is_postgres(value) else _db_path(value)


def _media_beside(db: Path | str) -> Path:
    # Media files live beside a SQLite file; a PostgreSQL deployment keeps them in ./media.
    return db.parent / "media" if isinstance(db, Path) else Path("media")


def load_settings(env: dict[str, str] | None = None, dotenv: bool = True) -> Settings:
    if env is None:
        if dotenv:
            load_dotenv(Path.cwd() / ".env", override=False)
        env = dict(os.environ)
    db_path = db_target(env.get("OUTPOST_DB") or "outpost.db")
    return Settings(
        token=env.get("TELEGRAM_BOT_TOKEN", "").strip(),
        api_base_url=_api_base(env.get("TELEGRAM_API_BASE_URL") or TELEGRAM_API_DEFAULT),
        db_path=db_path,
        media_dir=Path(env.get("OUTPOST_MEDIA_DIR") or _media_beside(db_path)),
        admins=_admins(env.get("OUTPOST_ADMINS", "")),
        timezone=_timezone(env.get("OUTPOST_TZ") or "Asia/Shanghai"),
        webhook_url=_webhook_url(env.get("OUTPOST_WEBHOOK_URL") or ""),
        webhook_listen=(env.get("OUTPOST_WEBHOOK_LISTEN") or "127.0.0.1").strip(),
        webhook_port=_whole(env, "OUTPOST_WEBHOOK_PORT", 8443, 1, 65535, "a TCP port"),
        webhook_path=_webhook_path(env.get("OUTPOST_WEBHOOK_PATH") or ""),
        log_level=_log_level(env.get("OUTPOST_LOG_LEVEL") or "INFO"),
        invite_days=_whole(env, "OUTPOST_INVITE_DAYS", 14, 1, 365, "whole days"),
        rate_limit_per_s=_rate(env, "OUTPOST_RATE_LIMIT", 30.0),
        confirm_window=_whole(env, "OUTPOST_CONFIRM_WINDOW", 30, 1, 100_000, "confirmations"),
        paid_broadcast=_flag("OUTPOST_PAID_BROADCAST", env.get("OUTPOST_PAID_BROADCAST")),
        rollcall_minutes=_whole(env, "OUTPOST_ROLLCALL_MINUTES", 30, 1, 1440, "whole minutes"),
        rollcall_draw_min=_draw_range(env.get("OUTPOST_ROLLCALL_TEAMS") or "3-5")[0],
        rollcall_draw_max=_draw_range(env.get("OUTPOST_ROLLCALL_TEAMS") or "3-5")[1],
        http_backend=_http_backend(env.get("OUTPOST_HTTP_BACKEND") or "aiohttp"),
    )


def _flag(key: str, raw: str | None) -> bool:
    value = (raw or "0").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{key} must be 1 or 0, got {raw!r}")


def _http_backend(name: str) -> str:
    name = name.strip().lower()
    if name not in ("aiohttp", "httpx"):
        raise _refuse("OUTPOST_HTTP_BACKEND", name, "aiohttp or httpx")
    return name
