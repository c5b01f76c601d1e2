"""Run the emulator standalone: python -m bot.emulator --port 8081"""

from __future__ import annotations

import argparse
import asyncio

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
    )
    await emu.start()
    for uid in args.users:
        emu.user(uid, first_name=f"User{uid}")
    print(f"Bot API emulator at {emu.base_url}  (files: {emu.base_file_url})", flush=True)
    print(f"Point the bot at it: TELEGRAM_API_BASE_URL={emu.base_url}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await emu.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--schema", help="path to a Bot API subset JSON to validate against")
    parser.add_argument(
        "--users", type=int, nargs="*", default=[], help="user ids whose chats should exist"
    )
    parser.add_argument(
        "--control",
        action="store_true",
        help="mount the /_emu/ control routes (burst, stats, reset) used by bench/",
    )
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="round trip added to every call (ms)"
    )
    parser.add_argument("--jitter-ms", type=float, default=0.0, help="+- spread of it (ms)")
    args = parser.parse_args(argv)
    try:
        asyncio.run(_serve(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
