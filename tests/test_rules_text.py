"""Replies split under Telegram's 4096-character limit, on line boundaries."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.rules.text import TELEGRAM_LIMIT, split_message


def test_short_text_is_one_chunk() -> None:
    assert split_message("hello\nworld") == ["hello\nworld"]
    assert split_message("") == []


def test_splits_on_lines() -> None:
    lines = [f"{i:04d} " + "x" * 95 for i in range(100)]  # 100 lines of 100 chars + newline
    text = "\n".join(lines)
    chunks = split_message(text)
    assert len(chunks) == 3
    assert all(len(c) <= TELEGRAM_LIMIT for c in chunks)
    assert "".join(chunks) == text
    # No line is cut in half: every chunk but the last ends at a line end.
    assert all(c.endswith("\n") for c in chunks[:-1])


def test_long_line_cut_at_a_space_or_hard() -> None:
    words = "word " * 2000
    chunks = split_message(words, limit=100)
    assert all(len(c) <= 100 and c.endswith(" ") for c in chunks[:-1])
    assert "".join(chunks) == words
    url = "h" * 250
    assert split_message(url, limit=100) == ["h" * 100, "h" * 100, "h" * 50]


@given(st.text(alphabet=st.sampled_from("ab 中\n"), max_size=3000), st.integers(1, 500))
def test_chunks_rejoin_and_fit(text: str, limit: int) -> None:
    chunks = split_message(text, limit)
    assert "".join(chunks) == text
    assert all(0 < len(c) <= limit for c in chunks)


@given(st.lists(st.text(alphabet="abc ", min_size=1, max_size=50), min_size=1, max_size=200))
def test_lines_shorter_than_limit_are_never_cut(lines: list[str]) -> None:
    text = "\n".join(lines)
    chunks = split_message(text, limit=60)
    pieces = [line for c in chunks for line in c.splitlines()]
    assert pieces == text.splitlines()


def test_big_team_view_stays_one_message() -> None:
    from handlers.diary_reading import fit

    lines = [f"✗ Member number {i:04d}: none" for i in range(400)]
    text = fit("en", lines)
    assert len(text) <= TELEGRAM_LIMIT and text.endswith("more")
    assert fit("en", lines[:3]) == "\n".join(lines[:3])


# Team names (issue 13 item 2): what is stored is never blank and never over the limit.
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from bot.rules.names import TEAM_NAME_MAX, clean_team_name  # noqa: E402


@given(st.text(max_size=100))
def test_a_cleaned_team_name_is_visible_and_short(value: str) -> None:
    try:
        name = clean_team_name(value)
    except ValueError:
        return
    assert name.strip() == name and 0 < len(name) <= TEAM_NAME_MAX
    assert all(ch.isprintable() or ch == " " for ch in name)
