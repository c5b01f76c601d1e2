"""Bot API methods with Telegram's behaviour and error texts.

Each handler takes the emulator and decoded params and returns the `result`, or raises
ApiError with the status and description Telegram would send.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from . import text as tx
from .state import StoredFile, Upload

if TYPE_CHECKING:
    from .server import BotApiEmulator

Params = dict[str, Any]
Handler = Callable[["BotApiEmulator", Params], Awaitable[Any]]


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            out["parameters"] = self.parameters
        return out


def bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
CHAT_ACTIONS = frozenset(
    "typing upload_photo record_video upload_video record_voice upload_voice upload_document "
    "choose_sticker find_location record_video_note upload_video_note".split()
)
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_BUTTON_ACTIONS = (
    "url callback_data web_app login_url switch_inline_query switch_inline_query_current_chat "
    "switch_inline_query_chosen_chat copy_text callback_game pay".split()
)
# Telegram names the missing parameter in its own words for the common ones.
_MISSING = {"chat_id": "chat_id is empty", "text": "message text is empty"}

HANDLERS: dict[str, Handler] = {}


def method(*names: str) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        for n in names:
            HANDLERS[n] = fn
        return fn

    return deco


def missing_param(name: str) -> ApiError:
    return bad(_MISSING.get(name, f'parameter "{name}" is required'))


def need(p: Params, name: str) -> Any:
    if p.get(name) in (None, ""):
        raise missing_param(name)
    return p[name]


def as_int(p: Params, name: str, default: int | None = None) -> int:
    v = p.get(name, default)
    if v is None:
        raise missing_param(name)
    try:
        return int(v)
    except (TypeError, ValueError):
        raise bad(f"invalid {name} specified") from None


def as_float(p: Params, name: str) -> float:
    try:
        return float(need(p, name))
    except (TypeError, ValueError):
        raise bad(f"invalid {name} specified") from None


# -- bot, webhook, commands --------------------------------------------------------------


@method("getMe")
async def get_me(emu: BotApiEmulator, p: Params) -> Any:
    return {
        **emu.bot_user,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@method("logOut", "close")
async def log_out(emu: BotApiEmulator, p: Params) -> Any:
    return True


@method("setWebhook")
async def set_webhook(emu: BotApiEmulator, p: Params) -> Any:
    url = str(need(p, "url"))
    if not url.startswith("https://"):
        raise bad("bad webhook: An HTTPS URL must be provided for webhook")
    emu.webhook = {
        "url": url,
        "max_connections": as_int(p, "max_connections", 40),
        "secret_token": str(p.get("secret_token") or ""),
    }
    emu.updates.set_allowed(p.get("allowed_updates"))
    if p.get("drop_pending_updates"):
        emu.updates.clear()
    emu.updates.wake()  # the pusher starts on what waited
    return True


@method("deleteWebhook")
async def delete_webhook(emu: BotApiEmulator, p: Params) -> Any:
    emu.webhook = None
    if p.get("drop_pending_updates"):
        emu.updates.clear()
    return True


@method("getWebhookInfo")
async def get_webhook_info(emu: BotApiEmulator, p: Params) -> Any:
    info: dict[str, Any] = {
        "url": emu.webhook["url"] if emu.webhook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(emu.updates),
    }
    if emu.webhook:
        info["max_connections"] = emu.webhook["max_connections"]
        info["ip_address"] = "127.0.0.1"
    return info


def _commands_key(p: Params) -> tuple[str, str]:
    scope = p.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(p.get("language_code") or "")


@method("setMyCommands")
async def set_my_commands(emu: BotApiEmulator, p: Params) -> Any:
    commands = need(p, "commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad("BOT_COMMANDS_TOO_MUCH")
    for c in commands:
        if not isinstance(c, dict) or not _COMMAND_NAME.match(str(c.get("command", ""))):
            raise bad("BOT_COMMAND_INVALID")
        if not 1 <= len(str(c.get("description", ""))) <= 256:
            raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
    emu.commands[_commands_key(p)] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    return True


@method("getMyCommands")
async def get_my_commands(emu: BotApiEmulator, p: Params) -> Any:
    return emu.commands.get(_commands_key(p), [])


@method("deleteMyCommands")
async def delete_my_commands(emu: BotApiEmulator, p: Params) -> Any:
    emu.commands.pop(_commands_key(p), None)
    return True


# -- updates -----------------------------------------------------------------------------


@method("getUpdates")
async def get_updates(emu: BotApiEmulator, p: Params) -> Any:
    if emu.webhook:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook "
            "to delete the webhook first",
        )
    offset = as_int(p, "offset", 0)
    limit = min(max(as_int(p, "limit", 100), 1), 100)
    timeout = max(as_int(p, "timeout", 0), 0)
    q = emu.updates
    q.set_allowed(p.get("allowed_updates"))
    if offset:
        q.confirm(offset)
    # Telegram lets only one long poll live: a newer one ends the older with 409.
    emu.poll_generation += 1
    mine = emu.poll_generation
    q.wake()  # an older poll still waiting learns it was superseded
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        got = q.take(offset, limit)
        if got or emu.closing:
            return got
        left = deadline - loop.time()
        if left <= 0:
            return []
        await q.wait(left)
        if emu.poll_generation != mine:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one "
                "bot instance is running",
            )


# -- sending -----------------------------------------------------------------------------


def check_inline_markup(markup: Any) -> dict[str, Any] | None:
    """Validate like Telegram; return the markup to echo in the Message (inline only)."""
    if markup is None:
        return None
    if isinstance(markup, str):
        try:
            markup = json.loads(markup)
        except ValueError:
            raise bad("can't parse reply keyboard markup JSON object") from None
    if not isinstance(markup, dict):
        raise bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return None  # reply keyboards are not part of the returned Message
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
    for row in rows:
        for b in row:
            if not isinstance(b, dict) or not b.get("text"):
                raise bad("text buttons are unallowed in the inline keyboard")
            actions = [a for a in _BUTTON_ACTIONS if a in b]
            if len(actions) != 1:
                raise bad("text buttons are unallowed in the inline keyboard")
            data = b.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise bad("BUTTON_DATA_INVALID")
    return {"inline_keyboard": rows}


def _formatted(p: Params, key: str, entities_key: str, limit: int) -> tuple[str, list[Any]]:
    raw = p.get(key)
    if raw is None:
        return "", []
    try:
        plain, ents = tx.parse(str(raw), p.get("parse_mode"))
    except tx.ParseError as e:
        raise bad(str(e)) from None
    if p.get(entities_key) is not None and not p.get("parse_mode"):
        ents = list(p[entities_key])
    if len(plain) > limit:
        raise bad("message is too long" if key == "text" else "message caption is too long")
    return plain, ents


def _caption(p: Params) -> dict[str, Any]:
    caption, ents = _formatted(p, "caption", "caption_entities", 1024)
    out: dict[str, Any] = {}
    if caption:
        out["caption"] = caption
        if ents:
            out["caption_entities"] = ents
    return out


def _common(emu: BotApiEmulator, p: Params, chat: dict[str, Any]) -> dict[str, Any]:
    """Fields every sent message may carry: inline markup and the replied-to message."""
    out: dict[str, Any] = {}
    markup = check_inline_markup(p.get("reply_markup"))
    if markup:
        out["reply_markup"] = markup
    reply = p.get("reply_parameters")
    reply_id = reply.get("message_id") if isinstance(reply, dict) else p.get("reply_to_message_id")
    if reply_id is not None:
        target = emu.messages.get((chat["id"], int(reply_id)))
        if target is not None:
            out["reply_to_message"] = {k: v for k, v in target.items() if k != "reply_to_message"}
        elif not (isinstance(reply, dict) and reply.get("allow_sending_without_reply")):
            raise bad("message to be replied not found")
    return out


@method("sendMessage")
async def send_message(emu: BotApiEmulator, p: Params) -> Any:
    chat = emu.target_chat(p)
    if not str(p.get("text") or "").strip():
        raise missing_param("text")
    plain, ents = _formatted(p, "text", "entities", 4096)
    if not plain.strip():
        raise bad("message text is empty")
    content: dict[str, Any] = {"text": plain}
    if ents:
        content["entities"] = ents
    return emu.bot_sends(chat, content, _common(emu, p, chat), p)


def _location(p: Params) -> dict[str, Any]:
    lat, lon = as_float(p, "latitude"), as_float(p, "longitude")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise bad("wrong coordinates specified")
    loc: dict[str, Any] = {"latitude": lat, "longitude": lon}
    for key in ("horizontal_accuracy", "live_period", "heading", "proximity_alert_radius"):
        if p.get(key) is not None:
            loc[key] = p[key]
    return loc


@method("sendLocation")
async def send_location(emu: BotApiEmulator, p: Params) -> Any:
    chat = emu.target_chat(p)
    return emu.bot_sends(chat, {"location": _location(p)}, _common(emu, p, chat), p)


@method("sendVenue")
async def send_venue(emu: BotApiEmulator, p: Params) -> Any:
    chat = emu.target_chat(p)
    loc = _location(p)
    venue: dict[str, Any] = {
        "location": {"latitude": loc["latitude"], "longitude": loc["longitude"]},
        "title": str(need(p, "title")),
        "address": str(need(p, "address")),
    }
    for key in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
        if p.get(key):
            venue[key] = p[key]
    content = {"venue": venue, "location": venue["location"]}
    return emu.bot_sends(chat, content, _common(emu, p, chat), p)


def _file_param(emu: BotApiEmulator, p: Params, name: str) -> tuple[StoredFile, Upload | None]:
    value = need(p, name)
    if isinstance(value, Upload):
        return emu.store_upload(value, name), value
    if isinstance(value, str) and value in emu.files.by_id:
        return emu.files.by_id[value], None
    raise bad("wrong file identifier/HTTP URL specified")


def _send_file(
    emu: BotApiEmulator, p: Params, field: str, meta: Callable[[StoredFile], Any]
) -> Any:
    """A message carrying one file (new upload or a known file_id) with its caption."""
    chat = emu.target_chat(p)
    stored, upload = _file_param(emu, p, field)
    content = {field: stored.meta.get(field) or meta(stored), **_caption(p)}
    msg = emu.bot_sends(chat, content, _common(emu, p, chat), p)
    if upload is not None:
        upload.chat_id = chat["id"]
    return msg


@method("sendDocument")
async def send_document(emu: BotApiEmulator, p: Params) -> Any:
    return _send_file(emu, p, "document", emu.document_meta)


@method("sendPhoto")
async def send_photo(emu: BotApiEmulator, p: Params) -> Any:
    return _send_file(emu, p, "photo", emu.photo_meta)


@method("sendVoice")
async def send_voice(emu: BotApiEmulator, p: Params) -> Any:
    def meta(stored: StoredFile) -> dict[str, Any]:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": int(p.get("duration") or 0),
        }

    return _send_file(emu, p, "voice", meta)


@method("sendMediaGroup")
async def send_media_group(emu: BotApiEmulator, p: Params) -> Any:
    """Photos as one album (2-10 items, photos only here), each item a message of its own
    sharing a media_group_id, as Telegram answers."""
    chat = emu.target_chat(p)
    media = need(p, "media")
    if not isinstance(media, list) or not 2 <= len(media) <= 10:
        raise bad("wrong number of messages to send")
    group_id = f"{chat['id']}-{len(emu.messages)}"
    sent = []
    for item in media:
        if not isinstance(item, dict) or item.get("type") != "photo":
            raise bad("unsupported media type in the emulator: only photos")
        value = item.get("media")
        if isinstance(value, str) and value.startswith("attach://"):
            value = p.get(value[len("attach://") :])
        stored, _upload = _file_param(emu, {"photo": value}, "photo")
        sizes = stored.meta.get("photo") or emu.photo_meta(stored)
        content = {"photo": sizes, "media_group_id": group_id, **_caption(item)}
        sent.append(emu.bot_sends(chat, content, {}, p))
    return sent


@method("sendChatAction")
async def send_chat_action(emu: BotApiEmulator, p: Params) -> Any:
    emu.target_chat(p)
    if need(p, "action") not in CHAT_ACTIONS:
        raise bad("wrong parameter action in request")
    return True


@method("copyMessage")
async def copy_message(emu: BotApiEmulator, p: Params) -> Any:
    chat = emu.target_chat(p)
    src_chat = emu.chat_of(need(p, "from_chat_id"))
    src = emu.messages.get((src_chat["id"], as_int(p, "message_id")))
    if src is None or (src_chat["id"], src["message_id"]) in emu.deleted:
        raise bad("message to copy not found")
    keep = ("text", "entities", "location", "venue", "document", "photo", "voice", "sticker")
    content = {k: src[k] for k in keep if k in src}
    content.update(_caption(p) if p.get("caption") is not None else {})
    for k in ("caption", "caption_entities"):
        if k in src and p.get("caption") is None:
            content[k] = src[k]
    msg = emu.bot_sends(chat, content, _common(emu, p, chat), p)
    return {"message_id": msg["message_id"]}


# -- editing -----------------------------------------------------------------------------


def _editable(emu: BotApiEmulator, p: Params, verb: str = "edit") -> dict[str, Any]:
    if p.get("inline_message_id"):
        raise bad("MESSAGE_ID_INVALID")  # inline messages are not modelled
    chat = emu.chat_of(need(p, "chat_id"))
    key = (chat["id"], as_int(p, "message_id"))
    msg = emu.messages.get(key)
    if msg is None or key in emu.deleted:
        raise bad(f"message to {verb} not found")
    if verb == "edit" and msg.get("from", {}).get("id") != emu.bot_user["id"]:
        raise bad("message can't be edited")
    return msg


def _apply_edit(emu: BotApiEmulator, msg: dict[str, Any], new: dict[str, Any]) -> Any:
    same = all((msg.get(k) == v) if v is not None else (k not in msg) for k, v in new.items())
    if same:
        raise bad(NOT_MODIFIED)
    for k, v in new.items():
        if v is None:
            msg.pop(k, None)
        else:
            msg[k] = v
    msg["edit_date"] = emu.now()
    emu.touch()
    return msg


@method("editMessageText")
async def edit_message_text(emu: BotApiEmulator, p: Params) -> Any:
    msg = _editable(emu, p)
    if "text" not in msg:
        raise bad("there is no text in the message to edit")
    if not str(p.get("text") or "").strip():
        raise missing_param("text")
    plain, ents = _formatted(p, "text", "entities", 4096)
    # Omitting reply_markup removes the keyboard, as on Telegram.
    markup = check_inline_markup(p.get("reply_markup"))
    return _apply_edit(
        emu, msg, {"text": plain, "entities": ents or None, "reply_markup": markup or None}
    )


@method("editMessageCaption")
async def edit_message_caption(emu: BotApiEmulator, p: Params) -> Any:
    msg = _editable(emu, p)
    if not any(k in msg for k in ("photo", "document", "voice", "video", "audio")):
        raise bad("there is no caption in the message to edit")
    cap = _caption(p)
    markup = check_inline_markup(p.get("reply_markup"))
    return _apply_edit(
        emu,
        msg,
        {
            "caption": cap.get("caption"),
            "caption_entities": cap.get("caption_entities"),
            "reply_markup": markup or None,
        },
    )


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(emu: BotApiEmulator, p: Params) -> Any:
    msg = _editable(emu, p)
    markup = check_inline_markup(p.get("reply_markup"))
    return _apply_edit(emu, msg, {"reply_markup": markup or None})


@method("deleteMessage")
async def delete_message(emu: BotApiEmulator, p: Params) -> Any:
    msg = _editable(emu, p, verb="delete")
    emu.deleted.add((msg["chat"]["id"], msg["message_id"]))
    emu.touch()
    return True


@method("answerCallbackQuery")
async def answer_callback_query(emu: BotApiEmulator, p: Params) -> Any:
    qid = str(need(p, "callback_query_id"))
    emu.answers.setdefault(qid, []).append(dict(p))
    if qid not in emu.open_queries:
        raise bad("query is too old and response timeout expired or query ID is invalid")
    emu.open_queries.discard(qid)
    return True


# -- files and chats ---------------------------------------------------------------------


@method("getFile")
async def get_file(emu: BotApiEmulator, p: Params) -> Any:
    f = emu.files.by_id.get(str(need(p, "file_id")))
    if f is None:
        raise bad("invalid file_id")
    return {
        "file_id": f.file_id,
        "file_unique_id": f.file_unique_id,
        "file_size": f.file_size,
        "file_path": f.file_path,
    }


@method("getChat")
async def get_chat(emu: BotApiEmulator, p: Params) -> Any:
    chat = emu.chat_of(need(p, "chat_id"))
    return {
        **chat,
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }
