"""Every string exists in English and Simplified Chinese with the same placeholders."""

from __future__ import annotations

import string

import pytest

from bot.i18n import LANGUAGES, catalog, language_of, t


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(catalog()))
def test_every_key_in_both_languages(key: str) -> None:
    texts = catalog()[key]
    assert set(texts) == set(LANGUAGES), f"{key} lacks {set(LANGUAGES) - set(texts)}"
    assert all(texts[lang].strip() for lang in LANGUAGES)
    assert _fields(texts["en"]) == _fields(texts["zh"]), key


def test_chinese_texts_are_chinese() -> None:
    untranslated = [
        k for k, v in catalog().items() if v["en"] == v["zh"] and any(c.isalpha() for c in v["en"])
    ]
    # Language names and pure symbols may match; prose may not.
    assert untranslated == []


@pytest.mark.parametrize(
    ("code", "lang"),
    [("zh-hans", "zh"), ("zh-CN", "zh"), ("zh", "zh"), ("en-US", "en"), (None, "en"), ("ru", "en")],
)
def test_language_from_telegram_code(code: str | None, lang: str) -> None:
    assert language_of(code) == lang


def test_unknown_language_falls_back_to_english() -> None:
    assert t("fr", "cancelled") == "Cancelled."
