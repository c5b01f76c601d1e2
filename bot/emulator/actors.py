"""Scriptable Telegram users and chats: what they do becomes updates for the bot."""

from __future__ import annotations

import asyncio
import copy
import itertools
from typing import TYPE_CHECKING, Any

from . import text as tx

if TYPE_CHECKING:
    from .server import BotApiEmulator

Message = dict[str, Any]
LIVE_FOREVER = 0x7FFFFFFF  # Telegram's live_period for "until I stop"
_query_ids = itertools.count(4_321_000_000_000_000_001)


class ChatActor:
    """A group, supergroup or channel. Users post into it with `chat=`."""

    def __init__(self, emu: BotApiEmulator, chat: dict[str, Any]) -> None:
        self.emu = emu
        self.chat = chat
        self.id: int = chat["id"]

    def sent_messages(self) -> list[Message]:
        return self.emu.sent_messages(self.id)

    def __repr__(self) -> str:
        return f"<ChatActor {self.id} {self.chat.get('title')!r}>"


class UserActor:
    """A human user with a private chat with the bot (chat id == user id)."""

    def __init__(
        self,
        emu: BotApiEmulator,
        user_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
        is_premium: bool | None = None,
    ) -> None:
        self.emu = emu
        self.id = user_id
        self.user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        for key, value in (
            ("last_name", last_name),
            ("username", username),
            ("language_code", language_code),
            ("is_premium", is_premium),
        ):
            if value is not None:
                self.user[key] = value
        self.private_chat: dict[str, Any] = {"id": user_id, "type": "private"}
        for key in ("first_name", "last_name", "username"):
            if key in self.user:
                self.private_chat[key] = self.user[key]
        self._cursor = 0

    def __repr__(self) -> str:
        return f"<UserActor {self.id} {self.user['first_name']!r}>"

    # -- sending messages -------------------------------------------------------------------

    def _chat(self, chat: ChatActor | dict[str, Any] | int | None) -> dict[str, Any]:
        if chat is None:
            return self.private_chat
        if isinstance(chat, ChatActor):
            return chat.chat
        if isinstance(chat, dict):
            return chat
        return self.emu.chats[int(chat)]

    def send(
        self,
        chat: ChatActor | dict[str, Any] | int | None = None,
        date: float | None = None,
        **content: Any,
    ) -> Message:
        """Send a message with arbitrary content fields; the base of every other action."""
        c = self._chat(chat)
        msg: Message = {
            "message_id": self.emu.next_message_id(c["id"]),
            "from": self.user,
            "chat": c,
            "date": int(date) if date is not None else self.emu.now(),
            **content,
        }
        # The stored copy follows later edits; the queued update keeps this moment's state.
        self.emu.messages[(c["id"], msg["message_id"])] = copy.deepcopy(msg)
        self.emu.queue("message", msg)
        return msg

    def send_text(
        self,
        text: str,
        chat: ChatActor | dict[str, Any] | int | None = None,
        date: float | None = None,
    ) -> Message:
        content: dict[str, Any] = {"text": text}
        entities = tx.command_entities(text)
        if entities:
            content["entities"] = entities
        return self.send(chat, date, **content)

    def send_command(
        self,
        command: str,
        args: str | None = None,
        chat: ChatActor | dict[str, Any] | int | None = None,
        date: float | None = None,
    ) -> Message:
        text = f"/{command.lstrip('/')}" + (f" {args}" if args else "")
        return self.send_text(text, chat=chat, date=date)

    def send_location(
        self,
        lat: float,
        lon: float,
        accuracy: float | None = None,
        live_period: int | None = None,
        heading: int | None = None,
        date: float | None = None,
        is_from_offline: bool = False,
        chat: ChatActor | dict[str, Any] | int | None = None,
    ) -> Message:
        location = _location(lat, lon, accuracy, live_period, heading)
        extra: dict[str, Any] = {"is_from_offline": True} if is_from_offline else {}
        return self.send(chat, date, location=location, **extra)

    def send_live_location(
        self, lat: float, lon: float, accuracy: float | None = None, live_period: int = 900,
        **kw: Any,
    ) -> Message:  # fmt: skip
        return self.send_location(lat, lon, accuracy, live_period=live_period, **kw)

    def edit_live_location(
        self,
        msg: Message,
        lat: float,
        lon: float,
        accuracy: float | None = None,
        edit_date: float | None = None,
        heading: int | None = None,
    ) -> Message:
        """A new position of a live location: an edited_message with the same message_id."""
        stored = self._stored(msg)
        loc = stored.get("location") or {}
        period = loc.get("live_period")
        if not period:
            raise ValueError("not a live location (or it was stopped)")
        when = int(edit_date) if edit_date is not None else self.emu.now()
        if period != LIVE_FOREVER and when > stored["date"] + period:
            raise ValueError("live period is over: Telegram would not send this edit")
        stored["location"] = _location(lat, lon, accuracy, period, heading)
        return self._edited(stored, when)

    def stop_live_location(self, msg: Message, edit_date: float | None = None) -> Message:
        """Stopping sends a last edit whose location no longer has live_period."""
        stored = self._stored(msg)
        loc = {k: v for k, v in stored["location"].items() if k not in ("live_period", "heading")}
        stored["location"] = loc
        return self._edited(stored, int(edit_date) if edit_date is not None else self.emu.now())

    def send_venue(
        self,
        lat: float,
        lon: float,
        title: str,
        address: str,
        foursquare_id: str | None = None,
        chat: ChatActor | dict[str, Any] | int | None = None,
        date: float | None = None,
    ) -> Message:
        # Telegram puts both fields on venue messages.
        location = {"latitude": lat, "longitude": lon}
        venue: dict[str, Any] = {"location": location, "title": title, "address": address}
        if foursquare_id:
            venue["foursquare_id"] = foursquare_id
        return self.send(chat, date, venue=venue, location=dict(location))

    def _origin(
        self, origin_user: UserActor | dict[str, Any] | None, origin_date: float | None,
        hidden_name: str | None,
    ) -> dict[str, Any]:  # fmt: skip
        date = int(origin_date) if origin_date is not None else self.emu.now() - 3600
        if hidden_name is not None:
            return {"type": "hidden_user", "sender_user_name": hidden_name, "date": date}
        sender = origin_user.user if isinstance(origin_user, UserActor) else origin_user
        return {"type": "user", "sender_user": sender or self.user, "date": date}

    def forward_location(
        self,
        lat: float,
        lon: float,
        origin_user: UserActor | dict[str, Any] | None = None,
        origin_date: float | None = None,
        *,
        hidden_name: str | None = None,
        chat: ChatActor | dict[str, Any] | int | None = None,
        date: float | None = None,
    ) -> Message:
        origin = self._origin(origin_user, origin_date, hidden_name)
        return self.send(
            chat, date, forward_origin=origin, location={"latitude": lat, "longitude": lon}
        )

    def forward_text(
        self,
        text: str,
        origin_user: UserActor | dict[str, Any] | None = None,
        origin_date: float | None = None,
        *,
        hidden_name: str | None = None,
        chat: ChatActor | dict[str, Any] | int | None = None,
        date: float | None = None,
    ) -> Message:
        origin = self._origin(origin_user, origin_date, hidden_name)
        return self.send(chat, date, forward_origin=origin, text=text)

    def edit_text(self, msg: Message, new_text: str, edit_date: float | None = None) -> Message:
        stored = self._stored(msg)
        if "text" not in stored:
            raise ValueError("not a text message")
        stored["text"] = new_text
        stored.pop("entities", None)
        entities = tx.command_entities(new_text)
        if entities:
            stored["entities"] = entities
        return self._edited(stored, int(edit_date) if edit_date is not None else self.emu.now())

    # -- media ------------------------------------------------------------------------------

    def send_photo(
        self,
        data: bytes,
        caption: str | None = None,
        chat: ChatActor | dict[str, Any] | int | None = None,
        date: float | None = None,
    ) -> Message:
        f = self.emu.files.add(data, "photos", "jpg", "image/jpeg", None)
        content: dict[str, Any] = {"photo": self.emu.photo_meta(f)}
        if caption:
            content["caption"] = caption
        return self.send(chat, date, **content)

    def send_voice(
        self,
        data: bytes,
        duration: int = 3,
        caption: str | None = None,
        chat: ChatActor | dict[str, Any] | int | None = None,
        date: float | None = None,
    ) -> Message:
        f = self.emu.files.add(data, "voice", "oga", "audio/ogg", None)
        voice = {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": f.file_size,
        }
        f.meta["voice"] = voice
        content: dict[str, Any] = {"voice": voice}
        if caption:
            content["caption"] = caption
        return self.send(chat, date, **content)

    def send_document(
        self,
        data: bytes,
        file_name: str = "file.bin",
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
        chat: ChatActor | dict[str, Any] | int | None = None,
        date: float | None = None,
    ) -> Message:
        ext = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        f = self.emu.files.add(data, "documents", ext, mime_type, file_name)
        content: dict[str, Any] = {"document": self.emu.document_meta(f)}
        if caption:
            content["caption"] = caption
        return self.send(chat, date, **content)

    def send_sticker(
        self, emoji: str = "👍", chat: ChatActor | dict[str, Any] | int | None = None
    ) -> Message:
        f = self.emu.files.add(b"RIFF....WEBP", "stickers", "webp", "image/webp", None)
        sticker = {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": f.file_size,
        }
        return self.send(chat, None, sticker=sticker)

    # -- buttons ----------------------------------------------------------------------------

    def press(self, bot_message: Message, text: str | None = None, data: str | None = None) -> str:
        """Press an inline button of a bot message (by its text or callback_data).

        Looks at the message as it is now (after the bot's edits), as a client would.
        Returns the callback query id.
        """
        stored = self._stored(bot_message)
        buttons = [
            b for row in stored.get("reply_markup", {}).get("inline_keyboard", []) for b in row
        ]
        for b in buttons:
            if (text is None or b["text"] == text) and (
                data is None or b.get("callback_data") == data
            ):
                if "callback_data" not in b:
                    raise ValueError(f"button {b['text']!r} sends no callback query")
                return self._callback(stored, b["callback_data"])
        listing = [(b["text"], b.get("callback_data")) for b in buttons]
        raise LookupError(f"no button text={text!r} data={data!r} on message; buttons: {listing}")

    def press_raw(self, data: str, message: Message | None = None) -> str:
        """Forge a callback query with any data (for tampering tests)."""
        if message is not None:
            return self._callback(self._stored(message), data)
        ids = self.emu.bot_message_ids(self.id)
        if ids:
            return self._callback(self.emu.messages[(self.id, ids[-1])], data)
        inaccessible = {"chat": self.private_chat, "message_id": 1, "date": 0}
        return self._callback(inaccessible, data)

    def _callback(self, message: Message, data: str) -> str:
        qid = str(next(_query_ids))
        self.emu.open_queries.add(qid)
        self.emu.queue(
            "callback_query",
            {
                "id": qid,
                "from": self.user,
                "message": message,
                "chat_instance": str(-abs(hash((self.id, message["chat"]["id"]))) % 10**18),
                "data": data,
            },
        )
        return qid

    @property
    def reply_keyboard(self) -> dict[str, Any] | None:
        return self.emu.reply_keyboard(self.id)

    # -- reading ----------------------------------------------------------------------------

    def sent_messages(self) -> list[Message]:
        return self.emu.sent_messages(self.id)

    async def next_message(self, timeout: float = 5.0) -> Message:  # noqa: ASYNC109
        """The next message the bot sent to this user's chat that this method has not returned."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            ids = self.emu.bot_message_ids(self.id)
            if self._cursor < len(ids):
                mid = ids[self._cursor]
                self._cursor += 1
                return self.emu.messages[(self.id, mid)]
            if not await self.emu.changed(deadline - loop.time()):
                sent = [_summary(m) for m in self.emu.sent_messages(self.id)[-5:]]
                errors = [
                    f"{r.method} -> {r.response.get('description')}"
                    for r in self.emu.requests[-50:]
                    if not r.response.get("ok")
                ][-5:]
                raise TimeoutError(
                    f"user {self.id}: no new bot message within {timeout}s "
                    f"(already returned {self._cursor}); last sent: {sent}; "
                    f"recent failed requests: {errors}"
                )

    def skip_messages(self) -> None:
        """Mark everything sent so far as read by next_message."""
        self._cursor = len(self.emu.bot_message_ids(self.id))

    # -- internals --------------------------------------------------------------------------

    def _stored(self, msg: Message) -> Message:
        key = (msg["chat"]["id"], msg["message_id"])
        stored = self.emu.messages.get(key)
        if stored is None or key in self.emu.deleted:
            raise LookupError(f"message {key} does not exist (deleted?)")
        return stored

    def _edited(self, stored: Message, when: int) -> Message:
        stored["edit_date"] = when
        update = self.emu.queue("edited_message", stored)
        return update["edited_message"] if update else copy.deepcopy(stored)


def _location(
    lat: float, lon: float, accuracy: float | None, live_period: int | None, heading: int | None
) -> dict[str, Any]:
    loc: dict[str, Any] = {"latitude": lat, "longitude": lon}
    if accuracy is not None:
        loc["horizontal_accuracy"] = accuracy
    if live_period is not None:
        loc["live_period"] = live_period
    if heading is not None:
        loc["heading"] = heading
    return loc


def _summary(m: Message) -> str:
    body = (
        m.get("text")
        or m.get("caption")
        or next((k for k in ("location", "venue", "document", "photo") if k in m), "?")
    )
    return f"#{m['message_id']}: {str(body)[:60]!r}"
