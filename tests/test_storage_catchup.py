"""What the catch-up asks storage: which team-wide notices anyone got, when teams began."""

from __future__ import annotations

from storage import Storage


async def test_sent_refs_names_the_notices_anyone_was_sent(storage: Storage) -> None:
    await storage.notifications.claim_many(
        [("summary", 1, "7:2026-11-30"), ("summary", 2, "7:2026-11-30"), ("digest", 1, "7:x")],
        now=0,
    )
    asked = [
        ("summary", "7:2026-11-30"),
        ("summary", "8:2026-11-30"),
        ("digest", "7:x"),
        ("monthly_compliance", "2026-11:7"),
    ]
    assert await storage.notifications.sent_refs(asked) == {
        ("summary", "7:2026-11-30"),
        ("digest", "7:x"),
    }
    refs = [("summary", f"7:{i}") for i in range(1200)]
    await storage.notifications.claim_many([("summary", 3, "7:1100")], now=0)
    assert await storage.notifications.sent_refs(refs) == {("summary", "7:1100")}
    assert await storage.notifications.sent_refs([]) == set()
