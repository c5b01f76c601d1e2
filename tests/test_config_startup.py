"""Configuration and start-up mistakes are one line and a non-zero exit (issue 12, item 9):
every setting is validated at start naming the key, the value and what is allowed; "running"
is said only once Telegram answered; a refused token or no network is one line."""

from __future__ import annotations

import http.server
import io
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from storage.pg import with_database
from tests.backends import PgServer


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"OUTPOST_DB": str(tmp_path / "o.db"), "OUTPOST_TZ": "Asia/Shanghai", **extra}


def _one_line(capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("OUTPOST_INVITE_DAYS", "abc", "1 to 365"),
        ("OUTPOST_INVITE_DAYS", "-3", "1 to 365"),
        ("OUTPOST_INVITE_DAYS", "0", "1 to 365"),
        ("OUTPOST_RATE_LIMIT", "fast", "messages a second"),
        ("OUTPOST_RATE_LIMIT", "-1", "messages a second"),
        ("OUTPOST_RATE_LIMIT", "nan", "messages a second"),
        ("OUTPOST_LOG_LEVEL", "bogus", "DEBUG, INFO, WARNING, ERROR"),
        ("OUTPOST_ROLLCALL_MINUTES", "half", "1 to 1440"),
        ("OUTPOST_ROLLCALL_MINUTES", "0", "1 to 1440"),
        ("OUTPOST_ROLLCALL_TEAMS", "5-3", "3-5"),
        ("OUTPOST_ADMINS", "alice", "user ids"),
        ("OUTPOST_WEBHOOK_PORT", "http", "1 to 65535"),
    ],
)
def test_a_bad_setting_is_one_line_naming_key_value_and_what_is_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str, value: str, allowed: str
) -> None:
    assert main(["team", "list"], env=_env(tmp_path, **{key: value})) == 2
    _one_line(capsys, key, repr(value), allowed)


def test_a_database_in_a_missing_folder_is_refused_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no" / "such" / "o.db"
    assert main(["team", "list"], env={"OUTPOST_DB": str(missing)}) == 2
    _one_line(capsys, "OUTPOST_DB", "does not exist")
    assert not (tmp_path / "no").exists()


def test_demo_into_an_existing_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("keep me")
    assert main(["demo", "--out", str(readme), "--quiet"], env=_env(tmp_path)) == 2
    _one_line(capsys, "--out", "not a folder")
    assert readme.read_text() == "keep me"


def test_demo_db_wants_a_postgresql_url_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--db", "week.db"], env=_env(tmp_path)) == 2
    _one_line(capsys, "--db", "postgresql://")
    assert not out.exists()


def test_output_into_a_closed_pipe_ends_quietly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr("sys.stdout", ClosedPipe())
    code = main(["team", "list"], env=_env(tmp_path))
    assert code == 141  # as if killed by SIGPIPE, which is what `| head` expects
    assert capsys.readouterr().err == ""


class _Refusing(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = b'{"ok":false,"error_code":401,"description":"Unauthorized"}'
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def refusing_api() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/bot"
    server.shutdown()


def test_a_refused_token_is_one_line_and_never_running(
    tmp_path: Path,
    refusing_api: str,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    env = _env(tmp_path, TELEGRAM_BOT_TOKEN="1:refused", TELEGRAM_API_BASE_URL=refusing_api)
    assert main(["run"], env=env) == 2
    _one_line(capsys, "refused", "@BotFather")
    assert not any("running" in r.getMessage() for r in caplog.records)


def test_no_network_is_one_line_and_never_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    env = _env(
        tmp_path, TELEGRAM_BOT_TOKEN="1:token", TELEGRAM_API_BASE_URL="http://127.0.0.1:9/bot"
    )
    assert main(["run"], env=env) == 2
    _one_line(capsys, "cannot reach Telegram", "127.0.0.1:9")
    assert not any("running" in r.getMessage() for r in caplog.records)


def test_a_file_that_is_no_database_is_one_line_and_the_process_ends(tmp_path: Path) -> None:
    notes = tmp_path / "README.md"
    notes.write_text("# not a database\n" * 200)
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "team", "list"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OUTPOST_DB": str(notes)},
        timeout=60,  # it used to hang: the half-opened connection's thread kept it alive
    )
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.startswith("outpost:")]
    assert errors == [f"outpost: database {notes}: file is not a database"]
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["invite", "Alpha", "--uses", "0"],
        ["team", "add", "Alpha", "--lat", "north", "--lon", "120"],
        ["member", "reinstate", "7"],
        ["nonsense"],
    ],
)
def test_a_mistyped_command_line_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    with pytest.raises(SystemExit) as ended:
        main(argv, env=_env(tmp_path))
    assert ended.value.code == 2
    line = _one_line(capsys, "outpost")
    assert "-h" in line  # where to read what is allowed


def test_a_postgresql_database_that_cannot_be_used_is_one_line_without_its_password(
    tmp_path: Path,
    pg_server: PgServer,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    if not pg_server.url:
        pytest.skip(f"PostgreSQL half skipped: {pg_server.skipped_because}")
    caplog.set_level(logging.INFO)
    url = with_database(pg_server.url, "no_such_database") + "&password=hunter2"
    env = {**_env(tmp_path, TELEGRAM_BOT_TOKEN="1:token"), "OUTPOST_DB": url}
    # Before Telegram is asked anything: the database is the first thing that can fail.
    assert main(["run"], env=env) == 2
    said = _one_line(capsys, "PostgreSQL", "no_such_database")
    assert "hunter2" not in said
    assert not any("running" in r.getMessage() for r in caplog.records)
    assert main(["team", "list"], env=env) == 1
    said = _one_line(capsys, "PostgreSQL", "no_such_database")
    assert "hunter2" not in said and "Traceback" not in said
