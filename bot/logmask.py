"""The bot token never reaches a log line.

Libraries log the Bot API URL, which carries the token (`.../bot<token>/getMe`): PTB at
DEBUG, httpx at INFO, an aiohttp error in its message or traceback. Rather than trusting every
library and every handler, the record factory masks each record as it is made: its message
(with its arguments merged in) and its traceback text, whatever the logger or level.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable
from typing import Any

# A Telegram token after "bot" in a URL, any bot's: digits, a colon, 30+ url-safe characters.
_URL_TOKEN = re.compile(r"bot\d{3,}:[A-Za-z0-9_-]{20,}")
MASK = "<token>"

_secrets: set[str] = set()
_base_factory: Callable[..., logging.LogRecord] | None = None


def mask(text: str) -> str:
    text = _URL_TOKEN.sub("bot" + MASK, text)
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def _masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
    assert _base_factory is not None
    record = _base_factory(*args, **kwargs)
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: the logging module reports it later
        return record
    record.msg, record.args = mask(message), None
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = mask("".join(traceback.format_exception(*record.exc_info)).rstrip())
    return record


def install_token_mask(token: str) -> None:
    """Masks `token` (and any bot token in a URL) in every log record from now on; calling
    it again adds a token and keeps one factory."""
    global _base_factory
    if token:
        _secrets.add(token)
    if _base_factory is None:
        _base_factory = logging.getLogRecordFactory()
        logging.setLogRecordFactory(_masked_record)
