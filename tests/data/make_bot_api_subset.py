"""Regenerate tests/data/bot_api_subset.json from the full machine-readable Bot API spec.

The full spec (api.json from github.com/PaulSonOfLars/telegram-bot-api-spec, MIT) is too large
and not available on users' machines, so the tests carry only the methods the emulator
implements and the types it emits, with field names, types and required flags.

Usage: python tests/data/make_bot_api_subset.py [path/to/api.json] [out.json]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

DEFAULT_SPEC = Path("/work/shared/telegram-bot-api/api.json")
DEFAULT_OUT = Path(__file__).with_name("bot_api_subset.json")

SOURCE = {
    "repository": "https://github.com/PaulSonOfLars/telegram-bot-api-spec",
    "commit": "160fd99",
    "file": "api.json",
    "license": "MIT, Copyright (c) 2020 Paul Larsen",
    "note": "Subset: methods the Outpost emulator implements and the types it emits. "
    "Regenerate with tests/data/make_bot_api_subset.py.",
}

METHODS = [
    "getMe", "logOut", "close", "deleteWebhook", "setWebhook", "getWebhookInfo",
    "setMyCommands", "getMyCommands", "deleteMyCommands", "getUpdates", "sendMessage",
    "editMessageText", "editMessageReplyMarkup", "editMessageCaption", "deleteMessage",
    "answerCallbackQuery", "sendLocation", "sendVenue", "sendDocument", "sendPhoto",
    "sendChatAction", "getFile", "getChat", "copyMessage", "sendVoice", "sendMediaGroup",
]  # fmt: skip

TYPES = [
    "Update", "Message", "MessageId", "MaybeInaccessibleMessage", "InaccessibleMessage",
    "User", "Chat", "ChatFullInfo", "AcceptedGiftTypes", "CallbackQuery", "Location", "Venue",
    "MessageOrigin", "MessageOriginUser", "MessageOriginHiddenUser", "MessageOriginChat",
    "MessageOriginChannel", "PhotoSize", "Document", "Voice", "Sticker", "File",
    "InlineKeyboardMarkup", "InlineKeyboardButton", "ReplyKeyboardMarkup", "KeyboardButton",
    "ReplyKeyboardRemove", "ForceReply", "BotCommand", "BotCommandScope",
    "BotCommandScopeDefault", "BotCommandScopeAllPrivateChats", "BotCommandScopeAllGroupChats",
    "BotCommandScopeAllChatAdministrators", "BotCommandScopeChat",
    "BotCommandScopeChatAdministrators", "BotCommandScopeChatMember", "WebhookInfo",
    "MessageEntity", "ResponseParameters", "ReplyParameters", "LinkPreviewOptions",
    "WebAppInfo", "LoginUrl", "CallbackGame", "CopyTextButton", "SwitchInlineQueryChosenChat",
    "KeyboardButtonRequestUsers", "KeyboardButtonRequestChat", "KeyboardButtonPollType",
    "InputMediaPhoto",
]  # fmt: skip

# Subtypes of a union name their constant discriminator only in prose: 'always "user"',
# 'must be chat'; the validator needs it to tell the subtypes apart.
_CONST = re.compile(r"(?:always|must be) [\"“]?([a-z_]+)[\"”]?")


def _fields(raw: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in raw:
        entry: dict[str, Any] = {"types": f["types"], "required": f["required"]}
        m = _CONST.search(f.get("description", ""))
        if m and f["name"] == "type" and f["types"] == ["String"]:
            entry["const"] = m.group(1)
        out[f["name"]] = entry
    return out


def build(spec: dict[str, Any]) -> dict[str, Any]:
    methods = {}
    for name in METHODS:
        m = spec["methods"][name]
        methods[name] = {"params": _fields(m.get("fields", [])), "returns": m["returns"]}
    types: dict[str, Any] = {}
    for name in TYPES:
        t = spec["types"][name]
        if "subtypes" in t:
            types[name] = {"subtypes": t["subtypes"]}
        else:
            types[name] = {"fields": _fields(t.get("fields", []))}
    return {
        "_source": {**SOURCE, "version": spec["version"], "release_date": spec["release_date"]},
        "methods": methods,
        "types": types,
    }


def main(argv: list[str]) -> None:
    src = Path(argv[1]) if len(argv) > 1 else DEFAULT_SPEC
    out = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUT
    subset = build(json.loads(src.read_text(encoding="utf-8")))
    out.write_text(json.dumps(subset, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out} ({len(subset['methods'])} methods, {len(subset['types'])} types)")


if __name__ == "__main__":
    main(sys.argv)
