"""A running bot plus the people who use it: helpers that act as users would."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application

from bot.clock import FixedClock
from bot.context import AppContext
from bot.emulator import BotApiEmulator, UserActor
from bot.rules.geo import Datum
from bot.services.teams import TeamDraft, create_invite, create_team
from storage.models import Team

# The site of the test team: a village square (WGS-84).
SITE_LAT, SITE_LON = 30.1674, 120.2589


def offset(
    lat: float, lon: float, north_m: float = 0.0, east_m: float = 0.0
) -> tuple[float, float]:
    """A point that many metres north/east of another (good to well under 1 % at 10 km)."""
    import math

    return lat + north_m / 111_320.0, lon + east_m / (111_320.0 * math.cos(math.radians(lat)))


@dataclass
class World:
    emu: BotApiEmulator
    app: Application  # type: ignore[type-arg]
    ctx: AppContext
    clock: FixedClock
    admin_id: int
    _next_user: int = field(default=1000)

    @property
    def storage(self) -> Any:
        return self.ctx.storage

    async def team(
        self, name: str = "Xiaoshan", radius: int = 300, tz: str = "Asia/Shanghai"
    ) -> Team:
        draft = TeamDraft(name, SITE_LAT, SITE_LON, Datum.WGS84, radius, tz)
        return await create_team(self.ctx, draft, actor_id=self.admin_id)

    def person(
        self, name: str = "Li", language_code: str = "en", user_id: int | None = None
    ) -> UserActor:
        if user_id is None:
            self._next_user += 1
            user_id = self._next_user
        return self.emu.user(user_id, first_name=name, language_code=language_code)

    async def join(
        self,
        team: Team,
        role: str = "member",
        name: str = "Li Wei",
        unit: str = "County Bureau",
        language_code: str = "en",
        user: UserActor | None = None,
    ) -> UserActor:
        """Joins through the real chat flow: /start <code>, name, unit."""
        invite = await create_invite(self.ctx, team, role, actor_id=self.admin_id)
        user = user or self.person(name, language_code)
        user.send_command("start", invite.code)
        await user.next_message()
        user.send_text(name)
        await user.next_message()
        user.send_text(unit)
        done = await user.next_message()
        assert "✅" in done["text"], done
        return user

    async def enroll(
        self,
        team: Team,
        role: str = "member",
        name: str = "Li Wei",
        language_code: str = "en",
        user_id: int | None = None,
    ) -> UserActor:
        """A member or supervisor written straight into storage: for tests that need many
        people quickly (joining itself is tested through the chat in test_e2e_join)."""
        user = self.person(name, language_code, user_id)
        now = self.clock.now().timestamp()
        await self.storage.people.ensure(user.id, now=now)
        await self.storage.people.set_profile(user.id, name=name, unit="Unit")
        await self.storage.people.join(user.id, team.id, role, unit="Unit", code="-", now=now)
        return user

    async def reply_to(self, user: UserActor, action: Any = None) -> dict[str, Any]:
        return await user.next_message()
