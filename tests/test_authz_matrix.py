"""The authorization matrix: every command and button, pressed by every role, in private and
in a group. Zero escalations: nobody changes what their role may not change, nobody hears
about people outside their teams, and groups hear nothing about anyone.

The matrix is data: ACTIONS lists each command and button with the roles that may change
privileged state through it. A branch that adds a command or a button adds a row here (for
example /diary, /leave, /summary, /rollcall, /export, /recall and the `req:` buttons' real
handlers); the checks below apply to every row unchanged.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.emulator import UserActor
from bot.services.teams import create_invite
from handlers.newteam import FLOW as NEWTEAM_FLOW
from tests.world import World

ROLES = ("stranger", "member", "supervisor", "other_supervisor", "admin")
EVERYONE = frozenset(ROLES)
ADMIN = frozenset({"admin"})
NOBODY: frozenset[str] = frozenset()
# Those who decide for Home: its supervisor, and any admin.
SUPERVISES = frozenset({"supervisor", "admin"})
# People whose details only their own team's supervisors and admins may see.
HOME_MEMBER, HOME_SUPERVISOR, OTHER_SUPERVISOR, OTHER_MEMBER = (
    "Zhao Homemember",
    "Qian Homesupervisor",
    "Sun Othersupervisor",
    "Li Othermember",
)


@dataclass(frozen=True)
class Action:
    """One row: what is sent, and which roles may change privileged state by sending it."""

    name: str
    command: str | None = None  # "/teams", with arguments if any
    button: str | None = None  # callback data; "{request}" is the id of Zhao's pending leave
    may_change: frozenset[str] = NOBODY
    # A flow the presser is put in first, as if a forged or stale state were in storage.
    flow: tuple[str, str, dict[str, Any]] | None = None
    notes: str = ""


FORGED_TEAM = {
    "name": "Forged",
    "lat": 30.0,
    "lon": 120.0,
    "datum": "wgs84",
    "radius": 300,
    "tz": "Asia/Shanghai",
    "time": "07:30",
}

ACTIONS: tuple[Action, ...] = (
    Action("start", command="/start"),
    Action("start-bad-code", command="/start NOPE-NOT-A-CODE"),
    Action("help", command="/help"),
    Action("cancel", command="/cancel"),
    Action("language", command="/language"),
    Action("checkin", command="/checkin"),
    Action("newteam", command="/newteam", may_change=ADMIN),
    Action("teams", command="/teams"),
    Action("unknown-command", command="/approve_all"),
    Action("lang-en", button="lang:en", notes="a person's own language: not privileged"),
    Action("lang-forged", button="lang:xx"),
    Action("join-stay", button="join:-"),
    Action("join-bad-code", button="join:NOPE"),
    Action("nt-default", button="nt:default", flow=(NEWTEAM_FLOW, "radius", FORGED_TEAM)),
    Action(
        "nt-confirm",
        button="nt:confirm",
        may_change=ADMIN,
        flow=(NEWTEAM_FLOW, "confirm", FORGED_TEAM),
    ),
    Action("nt-cancel", button="nt:cancel"),
    # The work diary and supervisors reading it.
    Action("diary", command="/diary"),
    Action("done", command="/done"),
    Action("diaries", command="/diaries"),
    Action("diary-yes", button="di:yes:2026-11-25"),
    Action("diaries-forged", button="dv:day:1:2026-11-25"),
    # Leave and make-ups: Zhao's pending leave is decided by Home's supervisor (or an admin).
    Action("leave", command="/leave"),
    Action("makeup", command="/makeup"),
    Action("cancelleave", command="/cancelleave"),
    Action("leave-type", button="lv:type:personal"),
    Action("makeup-button", button="mk:2026-11-24"),
    Action("req-approve", button="req:approve:{request}", may_change=SUPERVISES),
    Action("req-reject", button="req:reject:{request}", may_change=SUPERVISES),
    Action("req-cancel", button="req:cancel:{request}", may_change=frozenset({"member"})),
    # Oversight.
    Action("summary", command="/summary"),
    Action("summary-other-day", command="/summary 2026-11-24"),
    # Other's supervisor calls a roll call of their own team: theirs to call.
    Action("rollcall", command="/rollcall", may_change=SUPERVISES | {"other_supervisor"}),
    Action("unknown-button", button="rollcall:present:1"),
)


@dataclass
class Scene:
    world: World
    actors: dict[str, UserActor] = field(default_factory=dict)
    group: Any = None
    request_id: int = 0
    home_team_id: int = 0

    async def build(self) -> Scene:
        w = self.world
        home = await w.team("Home")
        other = await w.team("Other")
        self.home_team_id = home.id
        self.actors = {
            "stranger": w.person("Stranger"),
            "member": await w.enroll(home, name=HOME_MEMBER),
            "supervisor": await w.enroll(home, "supervisor", name=HOME_SUPERVISOR),
            "other_supervisor": await w.enroll(other, "supervisor", name=OTHER_SUPERVISOR),
            "admin": w.person("Admin", user_id=w.admin_id),
        }
        await w.enroll(other, name=OTHER_MEMBER)
        # Real invites exist: a leak of one would let a stranger join.
        await create_invite(w.ctx, home, "supervisor", actor_id=w.admin_id)
        self.request_id = await w.storage.db.execute(
            "INSERT INTO requests(kind, telegram_id, team_id, leave_type, first_day, last_day,"
            " days, reason, created_at) VALUES ('leave', ?, ?, 'personal', '2026-11-26',"
            " '2026-11-26', 1, 'family', 0)",
            (self.actors["member"].id, home.id),
        )
        self.group = w.emu.group(-100_555_000_111, "Village work group")
        return self

    async def privileged_state(self) -> dict[str, Any]:
        db = self.world.storage.db
        queries = {
            "teams": "SELECT id, name, timezone, archived FROM teams",
            "sites": "SELECT team_id, lat, lon, radius_m FROM sites",
            "schedules": "SELECT * FROM schedules",
            "memberships": "SELECT team_id, telegram_id, role, state FROM memberships",
            "invites": "SELECT code, team_id, role, revoked_at FROM invites",
            "admins": "SELECT telegram_id FROM people WHERE is_admin = 1",
            "requests": "SELECT id, state, decided_by FROM requests",
            "recalls": "SELECT * FROM recalls",
            "rollcalls": "SELECT * FROM rollcalls",
        }
        state = {}
        for key, sql in queries.items():
            state[key] = sorted(tuple(r) for r in await db.fetchall(sql))
        return state


async def _settle(world: World, within: float = 5.0) -> None:
    """Until the bot has handled (and so confirmed) everything queued so far."""
    last = world.emu.updates.next_id - 1
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while world.emu.confirmed_update_id < last:
        assert loop.time() < deadline, "the bot did not get through its updates"
        # The confirmation rides on the next long poll, which records nothing until it ends.
        await asyncio.sleep(0.01)


def _visible_names(role: str) -> set[str]:
    """Whose names each role may read in the bot's answers."""
    return {
        "stranger": set(),
        "member": {HOME_MEMBER},
        "supervisor": {HOME_MEMBER, HOME_SUPERVISOR},
        "other_supervisor": {OTHER_SUPERVISOR, OTHER_MEMBER},
        "admin": {HOME_MEMBER, HOME_SUPERVISOR, OTHER_SUPERVISOR, OTHER_MEMBER},
    }[role]


ALL_NAMES = {HOME_MEMBER, HOME_SUPERVISOR, OTHER_SUPERVISOR, OTHER_MEMBER}


def _perform(scene: Scene, actor: UserActor, action: Action, in_group: bool) -> None:
    chat = scene.group if in_group else None
    if action.command is not None:
        command, _, args = action.command.lstrip("/").partition(" ")
        actor.send_command(command, args or None, chat=chat)
        return
    assert action.button is not None
    data = action.button.format(request=scene.request_id)
    if in_group:
        emu = scene.world.emu
        mid = emu.next_message_id(scene.group.id)
        message = {
            "message_id": mid,
            "from": emu.bot_user,
            "chat": scene.group.chat,
            "date": emu.now(),
            "text": "a button in the group",
        }
        emu.messages[(scene.group.id, mid)] = message
        actor.press_raw(data, message=message)
    else:
        actor.press_raw(data)


@pytest.mark.parametrize("in_group", [False, True], ids=["private", "group"])
async def test_authorization_matrix(world: World, in_group: bool) -> None:
    scene = await Scene(world).build()
    emu = world.emu
    # Telegram allows 20 messages a minute in a group and the bot's limiter keeps to it; a
    # hundred group answers would take minutes, so this test lifts that ceiling.
    world.app.bot.rate_limiter.pacer.lift_group_limit(100_000)  # type: ignore[union-attr]
    escalations: list[str] = []
    for action in ACTIONS:
        for role in ROLES:
            actor = scene.actors[role]
            await world.storage.flows.clear(actor.id)
            if action.flow is not None:
                flow, step, data = action.flow
                await world.storage.flows.set(actor.id, flow, step, data, now=0)
            before = await scene.privileged_state()
            mark = emu.mark()
            _perform(scene, actor, action, in_group)
            await _settle(world)
            after = await scene.privileged_state()
            where = f"{action.name} by {role} in {'group' if in_group else 'private'}"
            allowed = role in action.may_change and not in_group
            if before != after and not allowed:
                changed = [k for k in before if before[k] != after[k]]
                escalations.append(f"{where}: changed {changed}")
            flow_now = await world.storage.flows.get(actor.id)
            # (A press in a group is refused before any flow sees it, so a planted draft
            # stays: harmless, as every wizard step checks the admin again.)
            if flow_now and flow_now.flow == NEWTEAM_FLOW and role != "admin" and not in_group:
                escalations.append(f"{where}: left a non-admin inside /newteam")
            for r in emu.requests[mark:]:
                if not r.method.startswith(("send", "edit", "answer")):
                    continue
                chat_id = r.params.get("chat_id")
                said = " ".join(str(r.params.get(k, "")) for k in ("text", "caption"))
                if r.method in ("sendLocation", "sendVenue") or any(n in said for n in ALL_NAMES):
                    if chat_id == scene.group.id or (in_group and chat_id is None):
                        escalations.append(f"{where}: the group was told {said[:80]!r}")
                    elif chat_id == actor.id:
                        leaked = {n for n in ALL_NAMES if n in said} - _visible_names(role)
                        if leaked:
                            escalations.append(f"{where}: told about {sorted(leaked)}")
                elif chat_id not in (None, actor.id, scene.group.id) and not allowed:
                    # Deciding or calling a roll call tells others; nobody else may.
                    escalations.append(f"{where}: messaged someone else ({chat_id})")
    assert escalations == [], "\n".join(escalations)
    # The admin's /newteam confirmation really created the forged team (the row can bite).
    if not in_group:
        names = [t.name for t in await world.storage.teams.all()]
        assert "Forged" in names
