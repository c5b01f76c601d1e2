"""Hostile input through the real Application: updates built from the Bot API's own types.

Every update goes through `Application.process_update` of the running bot, whose Bot talks to
the emulator. The bot must never let an exception out of a handler, must answer a person who
wrote to it (text, command or location) and every button press, must say nothing about its
members in groups or channels, and must leave storage consistent.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot.app import routes
from bot.emulator.text import utf16_len
from bot.updates import parse_update
from tests.botapi_strategies import CALLBACK_PREFIXES, Drawer, texts
from tests.world import World

_ids = itertools.count(2_000_000_000)
KINDS = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "callback_query",
    "unknown",
)


class Cast:
    """The people and chats the fuzzer draws from, made in the running world."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.humans: list[dict[str, Any]] = []
        self.bots: list[dict[str, Any]] = []
        self.groups: list[dict[str, Any]] = []
        self.names: list[str] = []

    async def build(self) -> Cast:
        w = self.world
        home = await w.team("Home")
        other = await w.team("Other")
        people = [
            w.person("Stranger"),
            await w.enroll(home, name="Zhao Member"),
            await w.enroll(home, "supervisor", name="Qian Supervisor"),
            await w.enroll(other, "supervisor", name="Sun Elsewhere"),
            w.person("Admin", user_id=w.admin_id),
        ]
        self.humans = [p.user for p in people]
        self.names = ["Zhao Member", "Qian Supervisor", "Sun Elsewhere"]
        robot = w.emu.user(777_000_001, "Robot", username="some_bot")
        robot.user["is_bot"] = True
        self.bots = [robot.user]
        self.groups = [
            w.emu.group(-100_123_456_789, "Field team").chat,
            w.emu.group(-4_242, "Old group").chat,
            w.emu.group(-100_999_000_111, "News", kind="channel").chat,
        ]
        return self


def _with_command_entity(msg: dict[str, Any]) -> None:
    text = msg.get("text")
    if isinstance(text, str) and text.startswith("/"):
        word = text.split()[0] if text.split() else text
        msg["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(word)}]


@st.composite
def updates(draw: st.DrawFn, cast: Cast) -> dict[str, Any]:
    d = Drawer(cast.humans + cast.bots, [*cast.groups])
    kind = draw(st.sampled_from(KINDS))
    update: dict[str, Any] = {"update_id": next(_ids)}
    if kind == "unknown":
        # Kinds this PTB does not know yet (a newer Bot API): the bot must shrug them off.
        update[draw(st.sampled_from(("future_kind", "gift_exchange", "x")))] = {
            "anything": draw(texts())
        }
        return update
    if kind == "callback_query":
        person = draw(st.sampled_from(cast.humans))
        query = draw(d.obj("CallbackQuery", only=("message", "data")))
        data = draw(st.sampled_from(CALLBACK_PREFIXES)) + draw(st.text(max_size=40))
        # Telegram's query ids are opaque unique strings, never empty.
        query["id"] = f"q{next(_ids)}"
        query.update({"from": person, "data": data.encode()[:64].decode(errors="ignore")})
        if draw(st.booleans()):
            # A live press; otherwise a stale one, answered too late (after a restart).
            cast.world.emu.open_queries.add(str(query["id"]))
        if "message" in query:
            query["message"]["chat"] = draw(
                st.sampled_from([{"id": person["id"], "type": "private"}, *cast.groups])
            )
        update["callback_query"] = query
        return update
    msg = draw(d.obj("Message", only=MESSAGE_FIELDS))
    if kind.startswith("channel") or kind.startswith("edited_channel"):
        msg["chat"] = cast.groups[2]
        msg.pop("from", None)
        msg["sender_chat"] = cast.groups[2]
    elif draw(st.booleans()):
        person = draw(st.sampled_from(cast.humans))
        msg["from"] = person
        msg["chat"] = {"id": person["id"], "type": "private", "first_name": person["first_name"]}
    else:
        msg["from"] = draw(st.sampled_from(cast.humans + cast.bots))
        msg["chat"] = draw(st.sampled_from(cast.groups[:2]))
    if kind.startswith("edited"):
        msg.setdefault("edit_date", msg["date"])
    else:
        # Telegram numbers a chat's messages uniquely; a repeated id is a re-delivery,
        # which the bot rightly answers only once.
        msg["message_id"] = next(_ids)
    _with_command_entity(msg)
    update[kind] = msg
    return update


MESSAGE_FIELDS = (
    "text",
    "location",
    "venue",
    "forward_origin",
    "is_from_offline",
    "photo",
    "caption",
    "voice",
    "document",
    "sticker",
    "reply_to_message",
    "via_bot",
    "edit_date",
    "new_chat_members",
    "left_chat_member",
)


def _absurd(value: Any) -> bool:
    """Numbers no Telegram object carries (durations of millennia, and the like)."""
    if isinstance(value, dict):
        return any(_absurd(v) for v in value.values())
    if isinstance(value, list):
        return any(_absurd(v) for v in value)
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**31


def _answer_due(update: dict[str, Any]) -> str | None:
    """What the bot owes: 'reply' to a person's message, 'answer' to a press, else None."""
    if "callback_query" in update:
        return "answer"
    msg = update.get("message")
    if msg is None or msg["chat"]["type"] != "private":
        return None
    if isinstance(msg.get("text"), str) or "location" in msg:
        return "reply"
    return None


@pytest.fixture
async def cast(world: World) -> Cast:
    return await Cast(world).build()


async def test_hostile_updates(world: World, cast: Cast) -> None:
    app = world.app
    emu = world.emu
    errors: list[tuple[object, BaseException]] = []

    async def collect(update: object, context: Any) -> None:
        errors.append((update, context.error))

    app.add_error_handler(collect)

    async def run_batch(batch: list[dict[str, Any]]) -> None:
        for raw in batch:
            await run_one(raw)

    # Hypothesis drives examples from a worker thread; each runs on the bot's own loop.
    loop = asyncio.get_running_loop()

    @settings(
        max_examples=120,
        # No shrinking: a failure prints its update as drawn, and the test stays bounded.
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )
    @given(batch=st.lists(updates(cast), min_size=1, max_size=3))
    def check(batch: list[dict[str, Any]]) -> None:
        asyncio.run_coroutine_threadsafe(run_batch(batch), loop).result(timeout=60)

    async def run_one(raw: dict[str, Any]) -> None:
        if True:
            errors.clear()
            mark = emu.mark()
            update = parse_update(raw, app.bot)
            if update is None:
                # Beyond what PTB can read (the poller logs and skips such an update); the
                # content must be absurd, not something a person can send.
                assert _absurd(raw), raw
                return
            await app.process_update(update)
            assert not errors, f"{raw!r} raised {errors[-1][1]!r}"
            sent = emu.requests[mark:]
            due = _answer_due(raw)
            if due == "answer":
                qid = str(raw["callback_query"]["id"])
                assert any(
                    r.method == "answerCallbackQuery" and str(r.params["callback_query_id"]) == qid
                    for r in sent
                ), f"button left spinning: {raw!r}"
            elif due == "reply":
                chat = raw["message"]["chat"]["id"]
                assert any(
                    r.method == "sendMessage" and r.params.get("chat_id") == chat for r in sent
                ), f"no answer to {raw!r}"
            for r in sent:
                chat_id = r.params.get("chat_id")
                if isinstance(chat_id, int) and chat_id < 0:
                    said = str(r.params.get("text", ""))
                    assert not any(name in said for name in cast.names), said
                    assert r.method not in ("sendLocation", "sendVenue"), r

    await asyncio.to_thread(check)

    db = world.storage.db
    assert await db.integrity_check() == "ok"
    table = routes()
    for row in await db.fetchall("SELECT flow FROM flow_state"):
        assert row["flow"] in table.text_steps or row["flow"] in table.location_steps, row["flow"]
