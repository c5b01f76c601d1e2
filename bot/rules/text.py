"""Fitting text into Telegram messages."""

from __future__ import annotations

TELEGRAM_TEXT_LIMIT = 4096
TELEGRAM_LIMIT = TELEGRAM_TEXT_LIMIT

# Where to break, best first: (separator, only if the part is then at least half full).
# A section or line break that leaves a near-empty message is worse than ending a long
# list after a comma; a break inside a line is the last resort before cutting a word.
_BREAKS = (("\n\n", True), ("\n", True), (", ", True), ("\n", False), (" ", False))


def _cut(rest: str, limit: int) -> int:
    """Where this part ends: the best break that keeps the part within the limit."""
    for sep, must_fill_half in _BREAKS:
        at = rest.rfind(sep, 0, limit - len(sep) + 1)
        end = at + len(sep)
        if at > 0 and (not must_fill_half or end >= limit // 2):
            return end
    return limit  # one word longer than a message: cut it


def split_message(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Splits text into non-empty parts of at most ``limit`` characters.

    Lossless: the parts joined give the text back (separators stay at the end of a part,
    where Telegram trims them from view). An empty text gives no parts.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        end = _cut(rest, limit)
        parts.append(rest[:end])
        rest = rest[end:]
    if rest:
        parts.append(rest)
    return parts
