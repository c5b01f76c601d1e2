"""A throw-away PostgreSQL cluster from the machine's own binaries, for tests and CI.

`python -m tests.pg_cluster start DIR` prints a URL and leaves the server running;
`python -m tests.pg_cluster stop DIR` stops it. The test fixtures call `start` themselves when
no `OUTPOST_TEST_PG` URL is given. The server listens on a Unix socket inside DIR only (no
TCP port to clash with anything), trusts local connections, and skips fsync: it holds
nothing worth keeping. PostgreSQL refuses to run as root, so as root it runs as `postgres`.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

PORT = 5432  # only names the socket file; nothing listens on TCP


def find_bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian keeps them versioned)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def url_for(root: Path) -> str:
    return f"postgresql:///postgres?host={root / 'socket'}&port={PORT}&user=postgres"


def _as_server_user(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(_quote(a) for a in args)]


def _quote(arg: str) -> str:
    return "'" + arg.replace("'", "'\\''") + "'"


def start(root: Path) -> str:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb) on this machine")
    root.mkdir(parents=True, exist_ok=True)
    data, socket = root / "data", root / "socket"
    socket.mkdir(exist_ok=True)
    (root / "log").mkdir(exist_ok=True)
    if os.geteuid() == 0:
        # The server user must own its folders and be able to reach them.
        os.chmod(root, 0o755)
        shutil.chown(socket, "postgres", "postgres")
        for folder in (data, root / "log"):
            folder.mkdir(exist_ok=True)
            shutil.chown(folder, "postgres", "postgres")
    _run(
        _as_server_user(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-instructions",
            ]
        )
    )
    options = (
        f"-c listen_addresses='' -c unix_socket_directories={socket} -p {PORT}"
        " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        " -c max_connections=300 -c shared_buffers=64MB"
    )
    _run(
        _as_server_user(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(root / "log" / "server.log"),
                "-o",
                options,
                "-w",
                "start",
            ]
        )
    )
    return url_for(root)


def stop(root: Path) -> None:
    bin_dir = find_bin_dir()
    data = root / "data"
    if bin_dir is None or not (data / "postmaster.pid").exists():
        return
    _run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]))


def _run(args: list[str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {done.stdout}{done.stderr}")


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print("usage: python -m tests.pg_cluster start|stop DIR", file=sys.stderr)
        return 2
    root = Path(argv[1]).resolve()
    if argv[0] == "start":
        print(start(root))
    else:
        stop(root)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
