"""A small HTTP control channel for running the emulator in its own process (benchmarks).

In-process tests drive users directly (`emu.user(..).send_location(..)`); a benchmark that
puts the emulator on another core cannot, so these routes let it do the same over HTTP.
They live under /_emu/, outside the Bot API's /bot<token>/ paths, are only mounted when the
emulator is started with `control=True`, and never touch what the bot sees except through
the ordinary user actions (queued updates).

    POST /_emu/burst  {"user_ids": [...], "latitude": .., "longitude": .., "accuracy": ..,
                       "date": epoch or null, "first_name": "Member"}
        every user sends one location at once; answers {"mark": n, "queued": {chat: at}}
    GET  /_emu/stats?since=MARK[&summary=1][&texts=1]
        sendMessage answers recorded since MARK: {"replies": {chat: [at, ...]},
        "violations": n, "requests": n, "pending_updates": n}; with summary=1 only
        {"replied_chats": n, "replies": n, "pending_updates": n}; with texts=1 also
        "texts": {chat: [[at, first 40 characters], ...]} (to tell replies from notices)
    POST /_emu/users  {"user_ids": [...]}
        these users exist (their private chats with the bot), without doing anything
    POST /_emu/reset
        forgets recorded requests (memory stays flat across benchmark phases)
    POST /_emu/act  {"user_id": .., "text": ".."} | {"user_id": .., "command": "start",
                     "args": "CODE"} | {"user_id": .., "latitude": .., "longitude": ..,
                     "live_period": s} | {"user_id": .., "press": "button text or data"}
        one person acts as a user would (`python -m bot.emulator act ...` wraps it)
    GET  /_emu/chat?user_id=..&last=N
        the bot's last N messages to that person, with their buttons
    POST /_emu/latency  {"latency": seconds, "jitter": seconds}
        every later Bot API call answers after that round trip
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from .server import BotApiEmulator

PREFIX = "/_emu"


def add_control_routes(app: web.Application, emu: BotApiEmulator) -> None:
    async def burst(request: web.Request) -> web.Response:
        body: dict[str, Any] = await request.json()
        mark = emu.mark()
        queued: dict[int, float] = {}
        for uid in body["user_ids"]:
            user = emu.user(
                int(uid),
                first_name=str(body.get("first_name") or f"Member{uid}"),
                language_code=body.get("language_code", "en"),
            )
            user.send_location(
                float(body["latitude"]),
                float(body["longitude"]),
                accuracy=body.get("accuracy"),
                date=body.get("date"),
            )
            # Wall time, as the replies are stamped: latency is measured in one process.
            queued[user.id] = time.time()
        return web.json_response({"mark": mark, "queued": queued})

    async def stats(request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        replies: dict[int, list[float]] = {}
        texts: dict[int, list[tuple[float, str]]] = {}
        for rec in emu.requests[since:]:
            if rec.method == "sendMessage" and rec.status == 200:
                chat_id = int(rec.params["chat_id"])
                replies.setdefault(chat_id, []).append(rec.at)
                texts.setdefault(chat_id, []).append((rec.at, str(rec.params.get("text"))[:40]))
        if request.query.get("summary"):
            # Cheap to poll while a burst drains: counts only.
            return web.json_response(
                {
                    "replied_chats": len(replies),
                    "replies": sum(len(v) for v in replies.values()),
                    "pending_updates": emu.pending_updates_count,
                }
            )
        detail: dict[str, Any] = {"texts": texts} if request.query.get("texts") else {}
        return web.json_response(
            {
                **detail,
                "replies": replies,
                "violations": len(emu.violations),
                "violation_samples": emu.violations[:5],
                "requests": len(emu.requests),
                "pending_updates": emu.pending_updates_count,
            }
        )

    async def users(request: web.Request) -> web.Response:
        body: dict[str, Any] = await request.json()
        for uid in body["user_ids"]:
            emu.user(int(uid), first_name=f"Member{uid}")
        return web.json_response({"ok": True, "users": len(emu.users)})

    async def reset(request: web.Request) -> web.Response:
        emu.requests.clear()
        return web.json_response({"ok": True})

    async def act(request: web.Request) -> web.Response:
        body: dict[str, Any] = await request.json()
        user = emu.user(
            int(body["user_id"]),
            first_name=str(body.get("first_name") or f"User{body['user_id']}"),
            language_code=body.get("language_code", "en"),
        )
        if "press" in body:
            wanted = str(body["press"])
            for msg in reversed(emu.sent_messages(user.id)):
                buttons = [
                    b
                    for row in (msg.get("reply_markup") or {}).get("inline_keyboard", [])
                    for b in row
                ]
                for b in buttons:
                    if wanted in (b.get("text"), b.get("callback_data")):
                        user.press(msg, data=b.get("callback_data"))
                        return web.json_response({"ok": True, "pressed": b.get("text")})
            return web.json_response({"ok": False, "error": f"no button {wanted!r}"}, status=404)
        if "command" in body:
            user.send_command(str(body["command"]).lstrip("/"), body.get("args"))
        elif "latitude" in body:
            user.send_location(
                float(body["latitude"]),
                float(body["longitude"]),
                accuracy=body.get("accuracy"),
                live_period=body.get("live_period"),
            )
        else:
            user.send_text(str(body["text"]))
        return web.json_response({"ok": True})

    async def chat(request: web.Request) -> web.Response:
        user_id = int(request.query["user_id"])
        last = int(request.query.get("last", "5"))
        out = []
        for msg in emu.sent_messages(user_id)[-last:]:
            rows = (msg.get("reply_markup") or {}).get("inline_keyboard", [])
            text = msg.get("text") or msg.get("caption") or ""
            if not text and "location" in msg:
                where = msg["location"]
                text = f"[map pin {where['latitude']}, {where['longitude']}]"
            elif not text and "document" in msg:
                text = f"[document {msg['document'].get('file_name', '')}]"
            elif not text:
                text = next((f"[{kind}]" for kind in ("photo", "voice") if kind in msg), "")
            out.append({"text": text, "buttons": [[b.get("text") for b in row] for row in rows]})
        return web.json_response({"messages": out})

    app.router.add_post(f"{PREFIX}/act", act)
    app.router.add_get(f"{PREFIX}/chat", chat)

    async def latency(request: web.Request) -> web.Response:
        body: dict[str, Any] = await request.json()
        try:
            emu.set_latency(float(body.get("latency", 0)), float(body.get("jitter", 0)))
        except (TypeError, ValueError) as exc:
            return web.json_response({"ok": False, "description": str(exc)}, status=400)
        return web.json_response({"ok": True})

    app.router.add_post(f"{PREFIX}/latency", latency)
    app.router.add_post(f"{PREFIX}/burst", burst)
    app.router.add_get(f"{PREFIX}/stats", stats)
    app.router.add_post(f"{PREFIX}/reset", reset)
    app.router.add_post(f"{PREFIX}/users", users)
