"""The work diary through the real bot: text, photo and voice entries, edits with history,
free text that is asked about, late entries after midnight, supervisors reading by day."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tests.conftest import SHANGHAI
from tests.world import World

PHOTO = b"\xff\xd8\xff\xe0" + b"JPEGDATA" * 50
VOICE = b"OggS" + b"VOICEDATA" * 40


async def answer_of(world: World, qid: str) -> dict[str, Any]:
    rec = await world.emu.wait_for(
        lambda r: (
            r.method == "answerCallbackQuery" and str(r.params.get("callback_query_id")) == qid
        ),
        since=0,
    )
    return rec.params


async def test_text_photo_voice_entries_edit_and_done(world: World) -> None:
    team = await world.team()
    li = await world.join(team, name="Li Wei")
    li.send_command("diary")
    opened = await li.next_message()
    assert "Diary for 2026-11-25 is open" in opened["text"]
    note = li.send_text("Visited 3 households about the water pipes")
    assert "Saved. Entries for 2026-11-25: 1" in (await li.next_message())["text"]
    li.send_photo(PHOTO, caption="The broken pipe")
    assert "Photo saved" in (await li.next_message())["text"]
    li.send_voice(VOICE, duration=75)
    assert "Voice note saved. Entries for 2026-11-25: 3" in (await li.next_message())["text"]
    li.edit_text(note, "Visited 4 households about the water pipes")
    assert "updated" in (await li.next_message())["text"]
    li.send_command("done")
    assert "Entries: 3" in (await li.next_message())["text"]
    # /done twice (a double tap): the diary is saved, not "not open".
    li.send_command("done")
    assert (
        "Your diary for 2026-11-25 is already saved: 3 entries" in (await li.next_message())["text"]
    )

    entries = await world.storage.diary.of_person_day(li.id, date(2026, 11, 25))
    assert [e.kind for e in entries] == ["text", "photo", "voice"]
    text, photo, voice = entries
    assert text.text == "Visited 4 households about the water pipes"
    assert await world.storage.diary.history(text.id) == [
        "Visited 3 households about the water pipes"
    ]
    # The media bytes are archived beside the database, with their hash and size.
    for entry, data in ((photo, PHOTO), (voice, VOICE)):
        assert entry.file_id and entry.media_path
        stored = Path(entry.media_path)
        assert await asyncio.to_thread(stored.read_bytes) == data
        assert stored.parent == world.ctx.settings.media_dir / "2026-11"
        assert entry.file_sha256 == hashlib.sha256(data).hexdigest()
        assert entry.file_size == len(data)
    assert photo.text == "The broken pipe" and voice.duration_s == 75
    # Reading it back.
    li.send_command("diary", "2026-11-25")
    shown = await li.next_message()
    assert "(entries: 3)" in shown["text"] and "Visited 4 households" in shown["text"]
    assert "(1:15)" in shown["text"] and "(edited)" in shown["text"]


async def test_edit_after_the_day_is_refused(world: World) -> None:
    team = await world.team()
    li = await world.join(team, name="Li Wei")
    li.send_command("diary")
    await li.next_message()
    note = li.send_text("Meeting with the village head")
    await li.next_message()
    world.clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI))
    li.edit_text(note, "Rewritten history")
    assert "stays as it was" in (await li.next_message())["text"]
    [entry] = await world.storage.diary.of_person_day(li.id, date(2026, 11, 25))
    assert entry.text == "Meeting with the village head"


async def test_text_outside_a_flow_is_asked_about_and_kept(world: World) -> None:
    team = await world.team()
    li = await world.join(team, name="Li Wei")
    li.send_text("Cleaned the square")
    ask = await li.next_message()
    assert "Is this a diary entry?" in ask["text"]
    second = li.send_text("Fixed a street lamp")
    again = await li.next_message()
    assert "2 messages kept" in again["text"]
    li.edit_text(second, "Fixed two street lamps")
    await asyncio.sleep(0.3)
    li.press(again, data="di:yes:2026-11-25")
    assert "Entries for 2026-11-25: 2" in (await li.next_message())["text"]
    texts = [e.text for e in await world.storage.diary.of_person_day(li.id, date(2026, 11, 25))]
    assert texts == ["Cleaned the square", "Fixed two street lamps"]
    # "No" stores nothing; the old question's buttons are then stale.
    li.send_text("hello?")
    ask = await li.next_message()
    li.press(ask, data="di:no")
    assert "not saved" in (await li.next_message())["text"]
    q = li.press_raw("di:yes:2026-11-25", message=ask)
    assert (await answer_of(world, q))["text"] == "This button is no longer valid."
    assert len(await world.storage.diary.of_person_day(li.id, date(2026, 11, 25))) == 2


async def test_after_midnight_a_late_entry_goes_to_yesterday(world: World) -> None:
    team = await world.team()
    li = await world.join(team, name="Li Wei")
    world.clock.set(datetime(2026, 11, 26, 0, 40, tzinfo=SHANGHAI))
    li.send_command("diary")
    which = await li.next_message()
    assert "after midnight" in which["text"]
    li.press(which, data="di:open:2026-11-25")
    assert "2026-11-25 is open" in (await li.next_message())["text"]
    li.send_text("Late: wrote up the survey")
    assert "for 2026-11-25" in (await li.next_message())["text"]
    # Text outside the diary at night offers both days.
    li.send_command("done")
    await li.next_message()
    li.send_text("One more thing")
    ask = await li.next_message()
    data = [b["callback_data"] for row in ask["reply_markup"]["inline_keyboard"] for b in row]
    assert data == ["di:yes:2026-11-25", "di:yes:2026-11-26", "di:no"]


async def test_long_diary_is_split_under_the_limit(world: World) -> None:
    team = await world.team()
    li = await world.join(team, name="Li Wei")
    li.send_command("diary")
    await li.next_message()
    for i in range(6):
        li.send_text(f"Entry {i}: " + "word " * 300)
        await li.next_message()
    li.send_command("done")
    await li.next_message()
    li.send_command("diary", "today")
    parts = [await li.next_message() for _ in range(3)]
    assert all(len(p["text"]) <= 4096 for p in parts)
    joined = "".join(p["text"] for p in parts)
    assert all(f"Entry {i}:" in joined for i in range(6))


async def test_supervisor_reads_own_teams_by_day_never_others(world: World) -> None:
    team = await world.team()
    other = await world.team(name="Other")
    boss = await world.join(team, role="supervisor", name="Zhang")
    li = await world.join(team, name="Li Wei")
    await world.join(team, name="Wang Fang")
    outsider = await world.join(other, name="Outsider")
    for user, text in ((li, "Surveyed the fields"), (outsider, "Secret of another team")):
        user.send_command("diary")
        await user.next_message()
        user.send_text(text)
        await user.next_message()
    boss.send_command("diaries")
    view = await boss.next_message()
    assert "Xiaoshan, 2026-11-25" in view["text"]
    assert "Li Wei: 1\n" in view["text"] and "Wang Fang: none" in view["text"]
    boss.press(view, data=f"dv:m:{team.id}:20261125:{li.id}")
    member = await boss.next_message()
    assert "Surveyed the fields" in member["text"]
    # Previous day, in place.
    mark = world.emu.mark()
    boss.press(view, data=f"dv:t:{team.id}:20261124")
    await world.emu.wait_for(lambda r: r.method == "editMessageText", since=mark)
    [current] = [
        m for m in world.emu.sent_messages(boss.id) if m["message_id"] == view["message_id"]
    ]
    assert "2026-11-24" in current["text"] and "Li Wei: none" in current["text"]
    # Another team: by command, by forged button, and a member of another team.
    boss.send_command("diaries", "Other")
    assert "No team" in (await boss.next_message())["text"]
    for data in (f"dv:t:{other.id}:20261125", f"dv:m:{team.id}:20261125:{outsider.id}"):
        q = boss.press_raw(data)
        assert "Only supervisors" in (await answer_of(world, q))["text"]
    assert len(await world.storage.audit.recent(action="diary.forged")) == 2
    texts = " ".join(m["text"] for m in world.emu.sent_messages(boss.id))
    assert "Secret of another team" not in texts
    # Members cannot read team diaries at all; admins read every team.
    li.send_command("diaries")
    assert "Only supervisors" in (await li.next_message())["text"]
    admin = world.person("Admin", user_id=world.admin_id)
    admin.send_command("diaries", "Other 2026-11-25")
    assert "Outsider: 1" in (await admin.next_message())["text"]


async def test_a_nul_character_never_reaches_storage(world: World) -> None:
    # SQLite's text functions stop at NUL (the CSV export's printf among them).
    team = await world.team()
    li = await world.join(team, name="Li Wei")
    li.send_command("diary")
    await li.next_message()
    li.send_text("pipes\x00 fixed")
    assert "Saved" in (await li.next_message())["text"]
    (entry,) = await world.storage.diary.of_person_day(li.id, date(2026, 11, 25))
    assert entry.text == "pipes fixed"
