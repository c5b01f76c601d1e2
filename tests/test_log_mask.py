"""The bot token never reaches a log line (issue 12, item 6), whatever the level, the
library, or whether it is in the message, its arguments or a traceback."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.cli import main
from bot.logmask import install_token_mask
from tests.test_config_startup import refusing_api  # noqa: F401 (fixture)

TOKEN = "7264913580:AAH-real-looking_token-0123456789abcdef"


@pytest.fixture
def masked() -> None:
    install_token_mask(TOKEN)


def test_every_record_is_masked(masked: None, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    url = f"https://api.telegram.org/bot{TOKEN}/getUpdates"
    logging.getLogger("httpx").debug("HTTP Request: POST %s", url)
    logging.getLogger("telegram.ext").info(f"calling {url}")
    logging.getLogger("other").warning("token is %s", TOKEN)
    other = "123456789:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"  # another bot's, in a URL
    logging.getLogger("aiohttp").error("GET https://api.telegram.org/bot%s/x", other)
    try:
        raise RuntimeError(f"connect to {url} failed")
    except RuntimeError:
        logging.getLogger("outpost").exception("failed")
    assert TOKEN not in caplog.text and other not in caplog.text
    assert "bot<token>/getUpdates" in caplog.text
    assert "connect to" in caplog.text  # the traceback is kept, masked


def test_a_debug_run_logs_no_token(
    tmp_path: Path,
    refusing_api: str,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    for library in ("telegram", "httpcore"):  # whatever level an earlier test left them at
        caplog.set_level(logging.DEBUG, logger=library)
    env = {
        "OUTPOST_DB": str(tmp_path / "o.db"),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": refusing_api,
        "OUTPOST_LOG_LEVEL": "DEBUG",
    }
    assert main(["run"], env=env) == 2
    assert any("getMe" in r.getMessage() for r in caplog.records)  # PTB did log the call
    assert TOKEN not in caplog.text
    assert TOKEN not in capsys.readouterr().err
