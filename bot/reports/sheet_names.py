"""Worksheet names Excel accepts, made from names people chose (team names).

Excel refuses a workbook (or "repairs" it, dropping sheets) whose sheet names break its
rules, which are stricter than openpyxl's: at most 31 characters (counted in UTF-16 units,
so an emoji takes two), none of ``[ ] : * ? / \\``, no apostrophe at either end, not the
reserved "History", and unique ignoring case. Chinese names are fine as they are.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

MAX_UNITS = 31
FORBIDDEN = frozenset("[]:*?/\\")
RESERVED = frozenset({"history"})


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fit(text: str, units: int) -> str:
    """The longest prefix of ``text`` within ``units`` UTF-16 units."""
    while _units(text) > units:
        text = text[:-1]
    return text


def clean_sheet_name(name: str, fallback: str) -> str:
    """One name made acceptable, not yet made unique."""
    kept = "".join(
        " " if c in FORBIDDEN or not c.isprintable() else c for c in name.replace("\n", " ")
    )
    kept = " ".join(kept.split()).strip("'").strip()
    kept = _fit(kept, MAX_UNITS).rstrip("'").rstrip()
    return kept or fallback


def sheet_names(
    names: Sequence[str], *, taken: Collection[str] = (), fallback: str = "Sheet"
) -> list[str]:
    """A usable, unique sheet name for each of ``names``, in order. ``taken``: names already
    in the workbook (the overview sheet). A clash gets " (2)", " (3)"..., shortening the
    name to keep within 31 units."""
    used = {t.casefold() for t in taken} | set(RESERVED)
    out = []
    for name in names:
        base = clean_sheet_name(name, fallback)
        candidate, n = base, 1
        while candidate.casefold() in used:
            n += 1
            suffix = f" ({n})"
            candidate = _fit(base, MAX_UNITS - len(suffix)).rstrip().rstrip("'") + suffix
        used.add(candidate.casefold())
        out.append(candidate)
    return out
