"""Settings from the environment or a `.env` file; every key is documented in `.env.example`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import load_dotenv

from storage.dialects import is_postgres

TELEGRAM_API_DEFAULT = "https://api.telegram.org/bot"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message is shown to the operator as one line."""


def _admins(raw: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise ConfigError(
                f"OUTPOST_ADMINS must be comma-separated Telegram user ids, got {part!r}"
            )
        ids.add(int(part))
    return frozenset(ids)


def _timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"OUTPOST_TZ {name!r} is not an IANA timezone such as Asia/Shanghai"
        ) from exc
    return name


def _draw_range(raw: str) -> tuple[int, int]:
    low, _, high = raw.partition("-")
    try:
        lo, hi = int(low), int(high or low)
    except ValueError as exc:
        raise ConfigError(f"OUTPOST_ROLLCALL_TEAMS must look like 3-5, got {raw!r}") from exc
    if not 0 <= lo <= hi:
        raise ConfigError(f"OUTPOST_ROLLCALL_TEAMS must look like 3-5, got {raw!r}")
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
    return value if is_postgres(value) else Path(value)


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
        webhook_url=env.get("OUTPOST_WEBHOOK_URL") or None,
        log_level=(env.get("OUTPOST_LOG_LEVEL") or "INFO").upper(),
        invite_days=int(env.get("OUTPOST_INVITE_DAYS") or 14),
        rate_limit_per_s=float(env.get("OUTPOST_RATE_LIMIT") or 30),
        confirm_window=_positive_int(
            "OUTPOST_CONFIRM_WINDOW", env.get("OUTPOST_CONFIRM_WINDOW"), 30
        ),
        paid_broadcast=_flag("OUTPOST_PAID_BROADCAST", env.get("OUTPOST_PAID_BROADCAST")),
        rollcall_minutes=int(env.get("OUTPOST_ROLLCALL_MINUTES") or 30),
        rollcall_draw_min=_draw_range(env.get("OUTPOST_ROLLCALL_TEAMS") or "3-5")[0],
        rollcall_draw_max=_draw_range(env.get("OUTPOST_ROLLCALL_TEAMS") or "3-5")[1],
        http_backend=_http_backend(env.get("OUTPOST_HTTP_BACKEND") or "aiohttp"),
    )


def _positive_int(key: str, raw: str | None, default: int) -> int:
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigError(f"{key} must be a whole number of at least 1, got {raw!r}")
    return value


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
        raise ConfigError(f"OUTPOST_HTTP_BACKEND must be aiohttp or httpx, got {name!r}")
    return name
