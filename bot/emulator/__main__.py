"""Run the emulator standalone, and talk to the bot through it as a person would.

    python -m bot.emulator --port 8081 --control      # the emulator, with its control routes
    TELEGRAM_API_BASE_URL=http://127.0.0.1:8081/bot outpost run    # the bot, in another shell

    python -m bot.emulator act --user 1001 command start CODE      # /start CODE
    python -m bot.emulator act --user 1001 send "Li Wei"           # type a text
    python -m bot.emulator act --user 1001 location 30.1674 120.2589 [--live 900]
    python -m bot.emulator act --user 1001 press "✅ Confirm"       # an inline button
    python -m bot.emulator act --user 1001 chat                    # what the bot said

`act` needs the emulator started with --control (it uses the /_emu/ routes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import urllib.request
from typing import Any

from .schema import Schema
from .server import BotApiEmulator


async def _serve(args: argparse.Namespace) -> None:
    schema = Schema.load(args.schema) if args.schema else None
    emu = BotApiEmulator(
        schema=schema,
        host=args.host,
        port=args.port,
        seed=args.seed,
        control=args.control,
        latency=args.latency_ms / 1000,
        jitter=args.jitter_ms / 1000,
        webhook_forward=args.webhook_forward,
    )
    await emu.start()
    for uid in args.users:
        emu.user(uid, first_name=f"User{uid}")
    print(f"Bot API emulator at {emu.base_url}  (files: {emu.base_file_url})", flush=True)
    print(f"Point the bot at it: TELEGRAM_API_BASE_URL={emu.base_url}", flush=True)
    if args.control:
        print("Act as a user: python -m bot.emulator act --user 1001 send hello", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await emu.stop()


def _call(url: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url.rstrip("/") + "/_emu/" + path, data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            result: dict[str, Any] = json.loads(answer.read())
            return result
    except urllib.error.HTTPError as exc:
        return {"ok": False, "error": exc.read().decode(errors="replace")}


def act_body(args: argparse.Namespace) -> dict[str, Any]:
    """What `act` posts to the emulator's /_emu/act for parsed arguments."""
    who = {"user_id": args.user, "first_name": args.name, "language_code": args.lang}
    body: dict[str, Any] = {
        "send": lambda: {"text": args.text},
        "command": lambda: {"command": args.command, "args": " ".join(args.args) or None},
        "location": lambda: {"latitude": args.lat, "longitude": args.lon, "live_period": args.live},
        "press": lambda: {"press": args.button},
    }[args.what]()
    return {**who, **body}


def act_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot.emulator act",
        description="Act as a Telegram user against a running emulator started with --control.",
    )
    parser.add_argument("--url", default="http://127.0.0.1:8081", help="the emulator's address")
    parser.add_argument("--user", type=int, required=True, help="the user's id (any number)")
    parser.add_argument("--name", default=None, help="the user's first name")
    parser.add_argument("--lang", default="en", help="the user's Telegram language code")
    sub = parser.add_subparsers(dest="what", required=True, help="what the user does")
    send = sub.add_parser("send", help="send a text")
    send.add_argument("text", help="what to type")
    command = sub.add_parser("command", help="send a /command")
    # Not `name`: that is --name, the user's first name, which it would overwrite.
    command.add_argument("command", metavar="name", help="the command, e.g. start")
    command.add_argument("args", nargs="*", help="its arguments")
    location = sub.add_parser("location", help="share a location")
    location.add_argument("lat", type=float, help="latitude (WGS-84)")
    location.add_argument("lon", type=float, help="longitude (WGS-84)")
    location.add_argument("--live", type=int, default=None, help="live for this many seconds")
    press = sub.add_parser("press", help="press an inline button of the bot's latest messages")
    press.add_argument("button", help="the button's text or callback data")
    sub.add_parser("chat", help="print the bot's last messages to this user")
    return parser


def _act(argv: list[str]) -> int:
    args = act_parser().parse_args(argv)
    if args.what == "chat":
        for msg in _call(args.url, f"chat?user_id={args.user}&last=10").get("messages", []):
            print(msg["text"])
            for row in msg["buttons"]:
                print("   " + "  ".join(f"[{b}]" for b in row))
            print("---")
        return 0
    result = _call(args.url, "act", act_body(args))
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result.get("ok") else 1


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["act"]:
        sys.exit(_act(argv[1:]))
    parser = argparse.ArgumentParser(
        prog="python -m bot.emulator",
        description="A local Telegram Bot API emulator. "
        "With --control, `python -m bot.emulator act --user ID send|command|location|press|chat`"
        " lets you talk to the bot as a user from another shell.",
        epilog=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8081, help="port to listen on")
    parser.add_argument("--seed", type=int, default=0, help="seed for ids and file names")
    parser.add_argument("--schema", help="path to a Bot API subset JSON to validate against")
    parser.add_argument(
        "--users", type=int, nargs="*", default=[], help="user ids whose chats should exist"
    )
    parser.add_argument(
        "--control",
        action="store_true",
        help="mount the /_emu/ control routes: `act` (a person acting as a user: send text,"
        " share a location, press a button, read the chat) and burst/stats/reset for bench/",
    )
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="round trip added to every call (ms)"
    )
    parser.add_argument("--jitter-ms", type=float, default=0.0, help="+- spread of it (ms)")
    parser.add_argument(
        "--webhook-forward",
        default=None,
        metavar="URL",
        help="once the bot calls setWebhook, post updates here (the bot's plain-HTTP webhook"
        " address, e.g. http://127.0.0.1:8443/hook, as a reverse proxy would) until answered 2xx",
    )
    args = parser.parse_args(argv)
    try:
        asyncio.run(_serve(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
