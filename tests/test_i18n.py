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


def test_english_counts_take_the_word_for_their_number() -> None:
    """`{n:one|many}` in an English text: "1 member", "2 members"; Chinese has no plural."""
    assert t("en", "summary.title", team="T", day="2026-11-25", n=1).endswith("(1 member)")
    assert t("en", "summary.title", team="T", day="2026-11-25", n=2).endswith("(2 members)")
    assert t("en", "summary.title", team="T", day="2026-11-25", n=0).endswith("(0 members)")
    assert "1 approver." in t("en", "req.submitted", id=4, n=1)
    assert "（共 1 名队员）" in t("zh", "summary.title", team="T", day="2026-11-25", n=1)
    line = t("en", "teams.line", name="A", members=1, supervisors=2, tz="UTC")
    assert "1 member, 2 supervisors" in line


def test_no_english_text_says_s_in_brackets() -> None:
    """ "member(s)" reads as a form; the count picks the word instead."""
    import re

    assert not [k for k, v in catalog().items() if re.search(r"[a-z]\(s\)", v["en"])]
