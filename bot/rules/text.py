"""Fitting text into Telegram messages."""

from __future__ import annotations

TELEGRAM_TEXT_LIMIT = 4096


def split_message(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Splits text into messages of at most ``limit`` characters.

    Breaks at blank lines (between sections) where possible, else at line ends, and only
    cuts inside a line that alone exceeds the limit. Joining the parts with the separators
    they were cut at gives back the text; no part is empty.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = window.rfind("\n\n", 0, limit + 1)
        sep = 2
        if cut <= 0:
            cut = window.rfind("\n", 0, limit + 1)
            sep = 1
        if cut <= 0:
            cut, sep = limit, 0
        parts.append(rest[:cut])
        rest = rest[cut + sep :]
    if rest or not parts:
        parts.append(rest)
    return [p for p in parts if p] or [""]
