"""Message text as Telegram sees it: UTF-16 offsets, bot_command entities, parse modes.

Telegram strips markup and answers 400 "can't parse entities" for markup it rejects; the
emulator does the same so that a bot that forgets to escape a user's name fails in tests
instead of in production.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

Entity = dict[str, Any]

_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")


class ParseError(ValueError):
    """Raised with Telegram's description after "Bad Request: "."""


def utf16_len(s: str) -> int:
    # Telegram counts entity offsets in UTF-16 code units: astral characters count twice.
    return len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF)


def command_entities(text: str) -> list[Entity]:
    out: list[Entity] = []
    for m in _COMMAND.finditer(text):
        out.append(
            {
                "type": "bot_command",
                "offset": utf16_len(text[: m.start()]),
                "length": utf16_len(m.group()),
            }
        )
    return out


def parse(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """Apply parse_mode like Telegram; returns plain text and entities."""
    mode = (parse_mode or "").lower()
    if not mode:
        return text, []
    if mode == "html":
        return _Html.run(text)
    if mode == "markdownv2":
        return _markdown(text, v2=True)
    if mode == "markdown":
        return _markdown(text, v2=False)
    raise ParseError(f"unsupported parse_mode {parse_mode!r}")


_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.pos = 0  # UTF-16 offset of the plain text produced so far
        self.stack: list[tuple[str, int, dict[str, str | None]]] = []
        self.entities: list[Entity] = []

    @classmethod
    def run(cls, text: str) -> tuple[str, list[Entity]]:
        p = cls()
        p.feed(text)
        p.close()
        if p.stack:
            raise ParseError(
                f"can't parse entities: Can't find end tag corresponding to start tag "
                f'"{p.stack[-1][0]}"'
            )
        p.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(p.parts), p.entities

    def _where(self) -> int:
        return self.getpos()[1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            raise ParseError(
                f'can\'t parse entities: Unsupported start tag "{tag}" at byte offset '
                f"{self._where()}"
            )
        self.stack.append((tag, self.pos, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1][0] != tag:
            want = f'"</{self.stack[-1][0]}>"' if self.stack else "no end tag"
            raise ParseError(
                f"can't parse entities: Unmatched end tag at byte offset {self._where()}, "
                f'expected {want}, found "</{tag}>"'
            )
        _, start, attrs = self.stack.pop()
        length = self.pos - start
        if length == 0:
            return
        kind = _HTML_TAGS[tag]
        entity: Entity = {"type": kind, "offset": start, "length": length}
        if kind == "text_link":
            entity["url"] = attrs.get("href") or ""
        elif kind == "pre" and self.entities and self.entities[-1]["type"] == "code":
            inner = self.entities[-1]
            if inner["offset"] == start and inner.get("language"):
                self.entities.pop()
                entity["language"] = inner["language"]
        elif kind == "code":
            lang = (attrs.get("class") or "").removeprefix("language-")
            if lang:
                entity["language"] = lang
        self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.pos += utf16_len(data)


_V2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_V2_MARKS = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough"}


def _markdown(text: str, *, v2: bool) -> tuple[str, list[Entity]]:
    out: list[str] = []
    pos = 0
    entities: list[Entity] = []
    open_: dict[str, int] = {}
    link_start: int | None = None
    i = 0
    n = len(text)

    def emit(s: str) -> None:
        nonlocal pos
        out.append(s)
        pos += utf16_len(s)

    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and (v2 or text[i + 1] in "_*`["):
            emit(text[i + 1])
            i += 2
            continue
        if ch == "`":
            fence = "```" if text.startswith("```", i) else "`"
            end = text.find(fence, i + len(fence))
            if end < 0:
                raise ParseError(
                    f"can't parse entities: Can't find end of "
                    f"{'Pre' if len(fence) == 3 else 'Code'} entity at byte offset {i}"
                )
            body = text[i + len(fence) : end]
            entity: Entity = {"type": "pre" if len(fence) == 3 else "code", "offset": pos}
            if len(fence) == 3 and "\n" in body:
                lang, body = body.split("\n", 1)
                if lang.strip():
                    entity["language"] = lang.strip()
            if v2:
                body = re.sub(r"\\(.)", r"\1", body)
            start = pos
            emit(body)
            entity["length"] = pos - start
            if entity["length"]:
                entities.append(entity)
            i = end + len(fence)
            continue
        mark = (
            "__" if v2 and text.startswith("__", i) else ("||" if text.startswith("||", i) else ch)
        )
        if (v2 and mark == "||") or (mark in _V2_MARKS and (v2 or mark in "*_")):
            kind = "spoiler" if mark == "||" else _V2_MARKS[mark]
            if kind in open_:
                start = open_.pop(kind)
                if pos > start:
                    entities.append({"type": kind, "offset": start, "length": pos - start})
            else:
                open_[kind] = pos
            i += len(mark)
            continue
        if ch == "[" and link_start is None:
            link_start = pos
            i += 1
            continue
        if ch == "]" and link_start is not None and text.startswith("(", i + 1):
            close = text.find(")", i + 2)
            if close < 0:
                raise ParseError(f"can't parse entities: Can't find end of a URL at byte {i}")
            url = text[i + 2 : close]
            if pos > link_start:
                entities.append(
                    {"type": "text_link", "offset": link_start, "length": pos - link_start,
                     "url": url}
                )  # fmt: skip
            link_start = None
            i = close + 1
            continue
        if v2 and ch in _V2_RESERVED and not (ch == ">" and (i == 0 or text[i - 1] == "\n")):
            raise ParseError(
                f"can't parse entities: Character '{ch}' is reserved and must be escaped "
                "with the preceding '\\'"
            )
        if v2 and ch == ">" and (i == 0 or text[i - 1] == "\n"):
            i += 1  # blockquote marker: dropped, the quote itself is not modelled
            continue
        emit(ch)
        i += 1
    if open_ or link_start is not None:
        kind = next(iter(open_), "text_link")
        raise ParseError(f"can't parse entities: Can't find end of {kind} entity")
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities
