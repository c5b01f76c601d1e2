"""Fitting text into Telegram messages."""

from __future__ import annotations

TELEGRAM_TEXT_LIMIT = 4096

# Where to break, best first: between sections, between lines, between list items, words.
# (separator, characters of it kept at the end of the part)
_BREAKS = (("\n\n", 0), ("\n", 0), (", ", 1), (" ", 0))


def _cut(rest: str, limit: int) -> tuple[int, int]:
    """(end of this part, start of the rest) for the best break within the limit."""
    for sep, keep in _BREAKS:
        at = rest.rfind(sep, 0, limit + 1 - keep)
        # A break in the first half would waste a message; try a finer separator instead.
        if at > 0 and at + keep >= limit // 2:
            return at + keep, at + len(sep)
    return limit, limit


def split_message(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Splits text into messages of at most ``limit`` characters.

    Breaks between sections (blank lines) where that fills at least half a message, else
    between lines, then after a list comma, then between words, and cuts inside a word only
    when one alone exceeds the limit. Only whitespace is dropped at the breaks; no part is
    empty (an empty text gives one empty part).
    """
    if limit < 2:
        raise ValueError("limit must be at least 2")
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        end, start = _cut(rest, limit)
        parts.append(rest[:end])
        rest = rest[start:]
    parts.append(rest)
    return [p for p in parts if p] or [""]
