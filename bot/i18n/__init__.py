"""The message catalog: every user-facing string, in English and Simplified Chinese.

Strings live in `bot/i18n/catalog/<flow>.py` modules, each a `MESSAGES` dict of
key -> {"en": ..., "zh": ...}. A flow adds its own module, so flows never edit each other's.
"""

from __future__ import annotations

import importlib
import pkgutil
import string
from functools import cache

from bot.i18n import catalog as _catalog_pkg

LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"


class CatalogError(RuntimeError):
    pass


@cache
def catalog() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(_catalog_pkg.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{_catalog_pkg.__name__}.{info.name}")
        for key, texts in module.MESSAGES.items():
            if key in merged:
                raise CatalogError(f"message key {key!r} is defined twice ({info.name})")
            merged[key] = texts
    return merged


def language_of(code: str | None) -> str:
    """Telegram's IETF language_code ("zh-hans", "zh-CN", "en-US") -> a catalog language."""
    if code and code.lower().startswith("zh"):
        return "zh"
    return DEFAULT_LANGUAGE


class _Plurals(string.Formatter):
    """`{n:member|members}` writes the word for the count: English says "1 member" and
    "2 members" where Chinese needs no plural (its texts simply leave the spec out)."""

    def format_field(self, value: object, format_spec: str) -> str:
        if "|" in format_spec:
            one, many = format_spec.split("|", 1)
            return one if isinstance(value, int | float) and value == 1 else many
        return super().format_field(value, format_spec)


_PLURALS = _Plurals()


def t(lang: str | None, key: str, **params: object) -> str:
    texts = catalog()[key]
    text = texts.get(lang or DEFAULT_LANGUAGE) or texts[DEFAULT_LANGUAGE]
    if not params:
        return text
    # string.Formatter runs in Python, str.format in C: only texts with a plural take it
    # (every reminder of a morning's fan-out is rendered here).
    return _PLURALS.format(text, **params) if "|" in text else text.format(**params)


def all_labels(key: str) -> frozenset[str]:
    """A button label in every language: a reply-keyboard press arrives as its text."""
    return frozenset(catalog()[key][lang] for lang in LANGUAGES)
