"""Hypothesis strategies for Bot API objects, driven by the committed schema subset.

Field names, which fields are required and their types come from tests/data/bot_api_subset.json
(itself cut from Telegram's api.json): a field the API does not have is never invented, and a
required one is never left out. What goes into the fields is chosen to hurt: ids of real and
unknown people, coordinates at and past the poles and the antimeridian, NaN-like strings,
4096-character texts, commands with odd arguments, forged callback data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

SCHEMA = json.loads((Path(__file__).parent / "data" / "bot_api_subset.json").read_text())["types"]
SCALARS = {"Integer", "String", "Float", "Boolean", "True"}

# The Message fields a person can produce in a chat with the bot (others are service fields
# or need types outside the subset); each is drawn from its schema type.
MESSAGE_FIELDS = (
    "text",
    "entities",
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
    "sender_chat",
    "edit_date",
    "media_group_id",
    "new_chat_members",
    "left_chat_member",
    "new_chat_title",
)

NAN_LIKE = (
    "NaN",
    "nan",
    "-nan",
    "Infinity",
    "-Infinity",
    "inf",
    "1e309",
    "-0",
    "0x1p3",
    "null",
    "None",
    "undefined",
    "",
    " ",
    "\u0000",
    "\u202e",
    "%s%n",
    "'; DROP TABLE people;--",
)
COMMANDS = (
    "/start",
    "/help",
    "/cancel",
    "/language",
    "/checkin",
    "/newteam",
    "/teams",
    "/diary",
    "/leave",
    "/summary",
    "/rollcall",
    "/export",
    "/recall",
    "/nosuch",
    "/start@outpost_test_bot",
    "/help@other_bot",
)
CALLBACK_PREFIXES = (
    "lang:",
    "join:",
    "nt:",
    "req:approve:",
    "req:reject:",
    "",
    "x:",
    "lang:",
    "nt:confirm",
    "nt:default",
    "nt:cancel",
    "join:-",
)
EDGE_LAT = (90.0, -90.0, 90.000001, -90.000001, 91.0, 0.0, 30.1674, 89.999999, 1e308, -1e308)
EDGE_LON = (180.0, -180.0, 180.000001, -180.000001, 179.999999, 360.0, 0.0, 120.2589)


def texts() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NAN_LIKE),
        st.text(max_size=40),
        st.text(min_size=4000, max_size=4096, alphabet=st.characters(codec="utf-8")),
        st.builds(lambda c, a: f"{c} {a}", st.sampled_from(COMMANDS), st.text(max_size=80)),
        st.sampled_from(COMMANDS),
    )


def coordinate(edges: tuple[float, ...], bound: float) -> st.SearchStrategy[float]:
    return st.one_of(
        st.sampled_from(edges),
        st.floats(min_value=-bound * 1.01, max_value=bound * 1.01),
        st.floats(allow_nan=True, allow_infinity=True),
    )


def _flat(types: list[str]) -> bool:
    return all(t.removeprefix("Array of ") in SCALARS for t in types)


class Drawer:
    """Builds one object of a schema type; `people` and `chats` are the pools ids come from."""

    def __init__(self, people: list[dict[str, Any]], chats: list[dict[str, Any]]) -> None:
        self.people = people
        self.chats = chats

    def scalar(self, kind: str, field: str) -> st.SearchStrategy[Any]:
        if kind == "Integer":
            if field in ("date", "edit_date"):
                return st.integers(min_value=0, max_value=2**31 - 1)
            return st.integers(min_value=-(2**53), max_value=2**53)
        if kind == "Float":
            if field == "latitude":
                return coordinate(EDGE_LAT, 90)
            if field == "longitude":
                return coordinate(EDGE_LON, 180)
            return st.one_of(st.floats(allow_nan=True), st.just(-1.0), st.just(0.0))
        if kind == "String":
            return texts()
        return st.booleans()

    def field(self, type_names: list[str], field: str, depth: int) -> st.SearchStrategy[Any]:
        name = type_names[0]
        if name.startswith("Array of "):
            inner = name.removeprefix("Array of ")
            return st.lists(self.field([inner], field, depth + 1), max_size=3)
        if name in SCALARS:
            return self.scalar(name, field)
        if name == "User":
            return st.sampled_from(self.people)
        if name == "Chat":
            return st.sampled_from(self.chats)
        return self.obj(name, depth + 1)

    def obj(self, name: str, depth: int = 0, only: tuple[str, ...] | None = None) -> Any:
        spec = SCHEMA[name]
        if "subtypes" in spec:
            return st.one_of(*(self.obj(sub, depth) for sub in spec["subtypes"]))
        fields = spec["fields"]
        required: dict[str, Any] = {}
        optional: dict[str, Any] = {}
        for fname, f in fields.items():
            if not all(
                t.removeprefix("Array of ") in SCHEMA or t.removeprefix("Array of ") in SCALARS
                for t in f["types"]
            ):
                continue
            include = f["required"] or (
                # Nested objects carry their scalar fields only: deep enough to be hostile,
                # shallow enough that a strategy tree stays small.
                (only is None or fname in only) and (depth == 0 or _flat(f["types"]))
            )
            if not include:
                continue
            if "const" in f:
                strategy: st.SearchStrategy[Any] = st.just(f["const"])
            else:
                strategy = self.field(f["types"], fname, depth)
            (required if f["required"] else optional)[fname] = strategy
        return st.fixed_dictionaries(required, optional=optional)
