"""The poller's bookkeeping of unhandled updates (bot/updates.py): whatever order updates
finish in, the offset it confirms never passes one still being handled."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.updates import Unhandled


@given(st.permutations(list(range(1, 30))), st.integers(min_value=0, max_value=29))
def test_the_offset_never_confirms_an_unhandled_update(order: list[int], finished: int) -> None:
    unhandled = Unhandled()
    for update_id in range(1, 30):
        unhandled.add(update_id)
    done = set(order[:finished])
    for update_id in order[:finished]:
        unhandled.handled(update_id)
        offset = unhandled.safe_offset()
        # Everything below the offset is handled; the offset itself is not (or is new).
        assert all(i in done for i in range(1, offset))
    still = set(range(1, 30)) - done
    assert unhandled.safe_offset() == (min(still) if still else 30)
    assert len(unhandled) == len(still)


def test_only_updates_newer_than_any_seen_are_new() -> None:
    unhandled = Unhandled()
    assert unhandled.safe_offset() == 0  # nothing seen: ask from the start
    for update_id in (5, 6, 7):
        unhandled.add(update_id)
    unhandled.handled(6)
    # Asked again from 5, Telegram repeats 5..7: none is handed out twice.
    assert [i for i in (5, 6, 7, 8) if unhandled.is_new(i)] == [8]
    assert unhandled.safe_offset() == 5
    unhandled.handled(5)
    unhandled.handled(7)
    assert unhandled.safe_offset() == 8
    unhandled.skip_up_to(12)  # unreadable updates, recorded as handled
    assert unhandled.safe_offset() == 13
