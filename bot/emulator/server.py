"""The emulator: an aiohttp server speaking the Bot API over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import copy
import json
import random
import re
import struct
import time
from collections.abc import Callable
from typing import Any, Self

from aiohttp import web

from .actors import ChatActor, UserActor
from .faults import Fault, Faults, RateLimiter
from .methods import HANDLERS, ApiError, bad, missing_param
from .schema import Schema
from .state import Files, Recorded, StoredFile, UpdateQueue, Upload
from .webhook_push import push_updates

TOKEN_RE = re.compile(r"^\d+:[\w-]+$")
_CANONICAL = {name.lower(): name for name in HANDLERS}

# Params whose Bot API type is exactly String (or a file id/URL): PTB sends them raw in
# forms, so they must not be JSON-decoded ("123" stays a string).
STRING_PARAMS = frozenset(
    "action address business_connection_id callback_query_id caption file_id foursquare_id "
    "foursquare_type google_place_id google_place_type inline_message_id ip_address "
    "language_code message_effect_id parse_mode secret_token text title url document photo "
    "thumbnail certificate".split()
)
_LIMITED = ("send", "edit", "copy")


class BotApiEmulator:
    """A local Telegram Bot API server with scriptable users. See the package docstring."""

    def __init__(
        self,
        schema: Schema | None = None,
        clock: Callable[[], float] | None = None,
        *,
        seed: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "outpost_test_bot",
        bot_first_name: str = "Outpost",
        token: str | None = None,
        first_update_id: int = 1,
        control: bool = False,
        latency: float = 0.0,
        jitter: float = 0.0,
        webhook_forward: str | None = None,
    ) -> None:
        self.schema = schema
        # Telegram's round trip (seconds) added to every Bot API call, +- jitter: half on the
        # way in (before the call takes effect), half on the way out, as over a real network.
        self.set_latency(latency, jitter)
        # Mount the /_emu/ control routes (bot/emulator/control.py), for out-of-process use.
        self.control = control
        self.clock: Callable[[], float] = clock or time.time
        self.rng = random.Random(seed)
        self.host, self.port = host, port
        self.bot_username, self.bot_first_name = bot_username, bot_first_name
        self.bot_id = int(token.split(":", 1)[0]) if token else 0
        self.faults = Faults(self.rng)
        self.requests: list[Recorded] = []
        self.violations: list[str] = []
        self.uploads: list[Upload] = []
        self.files = Files()
        self.updates = UpdateQueue(first_update_id)
        self.webhook: dict[str, Any] | None = None
        # Where a set webhook's updates are posted (bot/emulator/webhook_push.py): the
        # plain-HTTP address a reverse proxy would forward the https URL to.
        self.webhook_forward = webhook_forward
        self._pusher: asyncio.Task[None] | None = None
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.users: dict[int, UserActor] = {}
        self.blocked: set[int] = set()
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.deleted: set[tuple[int, int]] = set()
        self.keyboards: dict[int, dict[str, Any]] = {}
        self.answers: dict[str, list[dict[str, Any]]] = {}
        self.open_queries: set[str] = set()
        self.rejected_by_limit = 0
        self.poll_generation = 0
        self.closing = False
        self._bot_msgs: dict[int, list[int]] = {}
        self._next_msg_id: dict[int, int] = {}
        self._limiter: RateLimiter | None = None
        self._tick = asyncio.Event()
        self._runner: web.AppRunner | None = None

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> Self:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        if self.control:
            from .control import add_control_routes

            add_control_routes(app, self)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=0.5
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self.closing = False
        self._pusher = asyncio.create_task(push_updates(self), name="emulator-webhook-push")
        return self

    async def stop(self) -> None:
        # Release pending long polls first, so shutdown does not wait for their timeouts.
        self.closing = True
        self.updates.wake()
        if self._pusher is not None:
            self._pusher.cancel()
            await asyncio.gather(self._pusher, return_exceptions=True)
            self._pusher = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    # -- configuration ----------------------------------------------------------------------

    def rate_limit(
        self,
        per_second: float | None = 300,
        *,
        per_chat_per_second: float | None = None,
        per_group_per_minute: int | None = None,
    ) -> None:
        """Answer 429 past this rate on send*/edit*/copy* methods; None switches it off."""
        self._limiter = (
            RateLimiter(per_second, per_chat_per_second, per_group_per_minute)
            if per_second
            else None
        )

    def set_latency(self, latency: float, jitter: float = 0.0) -> None:
        """Every later Bot API call takes `latency` seconds (uniformly +- `jitter`) to answer."""
        if latency < 0 or jitter < 0 or jitter > latency:
            raise ValueError("latency and jitter must be >= 0, and jitter <= latency")
        self.latency, self.jitter = float(latency), float(jitter)

    def _round_trip(self) -> float:
        if not self.latency:
            return 0.0
        return self.latency + self.rng.uniform(-self.jitter, self.jitter)

    def set_blocked(self, user_id: int, blocked: bool = True) -> None:
        (self.blocked.add if blocked else self.blocked.discard)(user_id)

    # -- actors -----------------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "User",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        *,
        is_premium: bool | None = None,
    ) -> UserActor:
        """A user and their private chat with the bot (chat id == user id)."""
        if user_id in self.users:
            return self.users[user_id]
        u = UserActor(self, user_id, first_name, last_name, username, language_code, is_premium)
        self.users[user_id] = u
        self.chats[user_id] = u.private_chat
        return u

    def group(
        self,
        chat_id: int,
        title: str = "Group",
        kind: str | None = None,
        username: str | None = None,
    ) -> ChatActor:
        """A group chat; kind defaults from the id like Telegram's (-100… is a supergroup)."""
        kind = kind or ("supergroup" if str(chat_id).startswith("-100") else "group")
        if kind not in ("group", "supergroup", "channel"):
            raise ValueError(f"unknown chat kind {kind!r}")
        chat: dict[str, Any] = {"id": chat_id, "type": kind, "title": title}
        if username:
            chat["username"] = username
        self.chats[chat_id] = chat
        return ChatActor(self, chat)

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue any raw payload (fuzzing); update_id is assigned when missing."""
        return self.updates.push(update)

    # -- reading what the bot did -----------------------------------------------------------

    def sent_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """Messages the bot sent to a chat, current state after edits, deleted ones left out."""
        return [
            self.messages[(chat_id, mid)]
            for mid in self._bot_msgs.get(chat_id, [])
            if (chat_id, mid) not in self.deleted
        ]

    def bot_message_ids(self, chat_id: int) -> list[int]:
        return self._bot_msgs.get(chat_id, [])

    def callback_answers(self, callback_query_id: str) -> list[dict[str, Any]]:
        return self.answers.get(str(callback_query_id), [])

    def reply_keyboard(self, chat_id: int) -> dict[str, Any] | None:
        """The reply keyboard a client would show in this chat now (None when removed)."""
        kb = self.keyboards.get(chat_id)
        return kb if kb and "keyboard" in kb else None

    @property
    def delivered_updates(self) -> list[dict[str, Any]]:
        return self.updates.delivered

    @property
    def confirmed_update_id(self) -> int:
        return self.updates.confirmed_update_id

    @property
    def pending_updates_count(self) -> int:
        return len(self.updates)

    def mark(self) -> int:
        """A position in `requests`, for `wait_for(..., since=emu.mark())`."""
        return len(self.requests)

    async def wait_for(
        self,
        predicate: Callable[[Recorded], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - the tests' vocabulary
        since: int | None = None,
    ) -> Recorded:
        """The first request matching `predicate` recorded at or after `since`.

        since=None means from now on; pass 0 to include everything already recorded.
        """
        pos = len(self.requests) if since is None else since
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            while pos < len(self.requests):
                rec = self.requests[pos]
                pos += 1
                if predicate(rec):
                    return rec
            if not await self.changed(deadline - loop.time()):
                recent = ", ".join(r.method for r in self.requests[-10:]) or "nothing"
                raise TimeoutError(
                    f"no matching request within {timeout}s; the last requests were: {recent}"
                )

    async def changed(self, within: float) -> bool:
        """Wait until anything is recorded or sent; False on timeout."""
        if within <= 0:
            return False
        ev = self._tick
        try:
            await asyncio.wait_for(ev.wait(), within)
        except TimeoutError:
            return False
        return True

    def touch(self) -> None:
        ev, self._tick = self._tick, asyncio.Event()
        ev.set()

    def assert_no_violations(self) -> None:
        if self.violations:
            listing = "\n  ".join(self.violations[:50])
            raise AssertionError(f"{len(self.violations)} Bot API violation(s):\n  {listing}")

    # -- helpers for methods and actors -----------------------------------------------------

    @property
    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def now(self) -> int:
        return int(self.clock())

    def next_message_id(self, chat_id: int) -> int:
        n = self._next_msg_id.get(chat_id, 0) + 1
        self._next_msg_id[chat_id] = n
        return n

    def chat_of(self, value: Any) -> dict[str, Any]:
        if isinstance(value, str) and value.startswith("@"):
            for chat in self.chats.values():
                if chat.get("username", "").lower() == value[1:].lower():
                    return chat
            raise bad("chat not found")
        try:
            chat_id = int(value)
        except (TypeError, ValueError):
            raise bad("chat not found") from None
        found = self.chats.get(chat_id)
        if found is None:
            raise bad("chat not found")
        return found

    def target_chat(self, p: dict[str, Any]) -> dict[str, Any]:
        if p.get("chat_id") in (None, ""):
            raise missing_param("chat_id")
        chat = self.chat_of(p["chat_id"])
        if chat["type"] == "private" and chat["id"] in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def bot_sends(
        self,
        chat: dict[str, Any],
        content: dict[str, Any],
        extra: dict[str, Any],
        p: dict[str, Any],
    ) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "message_id": self.next_message_id(chat["id"]),
            "from": self.bot_user,
            "chat": chat,
            "date": self.now(),
            **content,
            **extra,
        }
        self.messages[(chat["id"], msg["message_id"])] = msg
        self._bot_msgs.setdefault(chat["id"], []).append(msg["message_id"])
        markup = p.get("reply_markup")
        if isinstance(markup, dict) and ("keyboard" in markup or "remove_keyboard" in markup):
            self.keyboards[chat["id"]] = markup
        self.touch()
        return msg

    def store_upload(self, upload: Upload, field: str) -> StoredFile:
        folder, ext = {"photo": ("photos", "jpg"), "document": ("documents", "")}.get(
            field, ("documents", "")
        )
        if not ext:
            ext = upload.filename.rsplit(".", 1)[-1] if "." in upload.filename else "bin"
        stored = self.files.add(upload.data, folder, ext, upload.mime_type, upload.filename)
        upload.file_id = stored.file_id
        self.uploads.append(upload)
        return stored

    def document_meta(self, f: StoredFile) -> dict[str, Any]:
        doc: dict[str, Any] = {"file_id": f.file_id, "file_unique_id": f.file_unique_id}
        if f.file_name:
            doc["file_name"] = f.file_name
        if f.mime_type:
            doc["mime_type"] = f.mime_type
        doc["file_size"] = f.file_size
        f.meta["document"] = doc
        return doc

    def photo_meta(self, f: StoredFile) -> list[dict[str, Any]]:
        width, height = image_size(f.data)
        sizes: list[dict[str, Any]] = []
        # Telegram returns a ladder of sizes, largest last; all point at the same bytes here.
        for side in (90, 320, 800, 1280):
            scale = min(1.0, side / max(width, height))
            sizes.append(
                {
                    "file_id": f.file_id if scale == 1.0 else f"{f.file_id}_{side}",
                    "file_unique_id": f"{f.file_unique_id}{side}",
                    "file_size": f.file_size,
                    "width": max(1, round(width * scale)),
                    "height": max(1, round(height * scale)),
                }
            )
            if scale == 1.0:
                break
        for size in sizes:
            self.files.by_id.setdefault(str(size["file_id"]), f)
        f.meta["photo"] = sizes
        return sizes

    def queue(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Queue an update built by an actor, validated against the schema."""
        if not self.updates.wanted(kind):
            return None
        update: dict[str, Any] = self.updates.push({kind: copy.deepcopy(payload)})
        if self.schema is not None:
            self.violations += self.schema.check_object("Update", update, f"update {kind}")
        return update

    # -- HTTP -------------------------------------------------------------------------------

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        raw: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    raw.update(body)
            elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        raw[key] = Upload(
                            field=key,
                            filename=value.filename,
                            mime_type=value.content_type,
                            data=value.file.read(),
                        )
                    else:
                        raw[key] = value
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if isinstance(value, str) and key not in STRING_PARAMS:
                # Forms carry numbers, booleans and objects JSON-encoded.
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
            params[key] = value
        # "attach://name" points at another multipart part, as Telegram allows.
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                part = params.pop(value[len("attach://") :], None)
                if isinstance(part, Upload):
                    params[key] = part
        return params

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        trip = self._round_trip()
        if trip:
            await asyncio.sleep(trip / 2)
        try:
            response = await self._answer_call(request)
        except ConnectionResetError:
            # The bot hung up while its call was on the way (it stopped): nobody to answer.
            return web.Response(status=499)
        if trip:
            await asyncio.sleep(trip / 2)
        return response

    async def _answer_call(self, request: web.Request) -> web.StreamResponse:
        token, name = request.match_info["token"], request.match_info["method"]
        if not TOKEN_RE.match(token):
            return self._answer(name, {}, ApiError(401, "Unauthorized").body(), 401)
        if not self.bot_id:
            self.bot_id = int(token.split(":", 1)[0])
        try:
            params = await self._read_params(request)
        except ValueError:
            body = bad("can't parse request body").body()
            return self._answer(name, {}, body, 400)
        method = _CANONICAL.get(name.lower())
        if method is None and self.schema is not None:
            method = self.schema.canonical_method(name)
            if method is not None:
                self.violations.append(f"{method}: valid Bot API method the emulator lacks")
                return self._answer(method, params, bad("method not emulated").body(), 400)
        if method is None:
            self.violations.append(f"{name}: unknown method")
            body = {"ok": False, "error_code": 404, "description": "Not Found"}
            return self._answer(name, params, body, 404)

        for value in params.values():
            if isinstance(value, Upload):
                value.method = method
        fault = self.faults.pick(method, params.get("chat_id"))
        if fault is not None:
            early = await self._fault(request, fault, method, params)
            if early is not None:
                return early

        if self.schema is not None:
            violations, missing = self.schema.check_request(method, params)
            self.violations += violations
            if missing:
                body = missing_param(missing[0]).body()
                return self._answer(method, params, body, 400)

        if self._limiter is not None and method.lower().startswith(_LIMITED):
            chat_id = params.get("chat_id")
            wait = self._limiter.check(chat_id if isinstance(chat_id, int) else None)
            if wait is not None:
                self.rejected_by_limit += 1
                err = ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
                return self._answer(method, params, err.body(), 429)

        try:
            result = await HANDLERS[method](self, params)
        except ApiError as e:
            response = self._answer(method, params, e.body(), e.code)
        else:
            if self.schema is not None:
                self.violations += self.schema.check_result(method, result)
            response = self._answer(method, params, {"ok": True, "result": result}, 200)
        if fault is not None and fault.kind == "reset_after":
            self._abort(request, method, params)
        return response

    async def _fault(
        self, request: web.Request, fault: Fault, method: str, params: dict[str, Any]
    ) -> web.StreamResponse | None:
        if fault.kind == "stall":
            await asyncio.sleep(fault.seconds)
            return None
        if fault.kind == "429":
            wait = max(1, int(fault.retry_after))
            err = ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
            return self._answer(method, params, err.body(), 429)
        if fault.kind == "500":
            err = ApiError(500, "Internal Server Error")
            return self._answer(method, params, err.body(), 500)
        if fault.kind == "502":
            # Telegram's front end answers 502 with an HTML page, not JSON.
            self._record(method, params, {"fault": "502"}, 502)
            html = "<html><head><title>502 Bad Gateway</title></head></html>"
            return web.Response(status=502, text=html, content_type="text/html")
        if fault.kind == "reset":
            self._abort(request, method, params)
            return web.Response(status=500)
        return None  # reset_after: handled once the method has run

    def _abort(self, request: web.Request, method: str, params: dict[str, Any]) -> None:
        self._record(method, params, {"fault": "reset"}, 0)
        if request.transport is not None:
            request.transport.abort()

    def _answer(
        self, method: str, params: dict[str, Any], body: dict[str, Any], status: int
    ) -> web.Response:
        self._record(method, params, body, status)
        return web.Response(
            status=status,
            body=json.dumps(body, ensure_ascii=False).encode(),
            content_type="application/json",
        )

    def _record(
        self, method: str, params: dict[str, Any], body: dict[str, Any], status: int
    ) -> None:
        self.requests.append(Recorded(method, params, body, self.clock(), status))
        self.touch()

    async def _download(self, request: web.Request) -> web.StreamResponse:
        if not TOKEN_RE.match(request.match_info["token"]):
            raise web.HTTPUnauthorized()
        f = self.files.by_path.get(request.match_info["path"])
        if f is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(body=f.data, content_type=f.mime_type or "application/octet-stream")


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG or JPEG, else a plausible phone photo size."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        w, h = struct.unpack(">II", data[16:24])
        return int(w), int(h)
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                break
            marker, seg = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(w), int(h)
            i += 2 + seg
    return 1280, 960
