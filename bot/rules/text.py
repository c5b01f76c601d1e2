"""Splitting long replies to fit Telegram's 4096-character message limit."""

from __future__ import annotations

TELEGRAM_LIMIT = 4096


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Chunks of at most ``limit`` characters, joined back they give ``text``.

    Cuts on line boundaries; a single line longer than ``limit`` is cut at the last space
    inside the limit, or hard at the limit when it has none (a long URL). Every chunk is
    non-empty; an empty text gives no chunks.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    chunks: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit) + 1 or limit
            piece, line = line[:cut], line[cut:]
            if current:
                chunks.append(current)
                current = ""
            chunks.append(piece)
        if len(current) + len(line) > limit:
            chunks.append(current)
            current = ""
        current += line
    if current:
        chunks.append(current)
    return chunks
