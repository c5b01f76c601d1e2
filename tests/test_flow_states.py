"""A flow's stored state is typed and checked when loaded (bot/flows/states.py): a shape its
flow does not accept ends the flow with a clear message, never a traceback."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import routes
from bot.flows.states import STATES, LeaveState, NewTeamState, load
from bot.i18n import t
from tests.world import World


def test_the_shapes_each_step_accepts() -> None:
    assert load("leave", "last", {"kind": "leave", "type": "sick", "first": "2026-12-20"}) == (
        LeaveState(kind="leave", type="sick", first="2026-12-20")
    )
    site = {"name": "Hilltop", "lat": 30, "lon": 120.25, "datum": "wgs84"}
    state = load("newteam", "radius", site)
    assert isinstance(state, NewTeamState) and state.lat == 30


@pytest.mark.parametrize(
    ("flow", "step", "data"),
    [
        ("leave", "last", {"kind": "leave", "type": "sick"}),  # the first day is missing
        ("leave", "reason", {"kind": "leave", "first": "2026-12-20", "last": "Friday"}),
        ("leave", "type", {"kind": "holiday"}),  # no such kind
        ("leave", "lunch", {"kind": "leave"}),  # no such step
        ("join", "unit", {"code": "abc"}),  # the name is missing
        ("join", "name", {"code": "abc", "role": "member"}),  # a key it does not know
        ("req_reject", "reason", {"request_id": "12"}),  # a string for a number
        ("req_reject", "reason", {"request_id": True}),
        ("recall", "confirm", {"team": 1, "member": 2}),
        ("export", "format", {"first": "2026-11-01"}),
        ("diary_ask", "confirm", {"drafts": "text"}),
        ("survey", "q1", {}),  # a flow this version does not have
    ],
)
def test_stale_shapes_are_refused(flow: str, step: str, data: dict[str, Any]) -> None:
    assert load(flow, step, data) is None


def test_every_routed_flow_has_a_typed_state() -> None:
    table = routes()
    assert set(table.text_steps) | set(table.location_steps) <= set(STATES)


async def test_a_stale_leave_ends_with_a_clear_message(world: World) -> None:
    team = await world.team()
    li = await world.join(team, name="Li Wei")
    # What an older version might have left: the last-day step without a first day.
    await world.storage.flows.set(li.id, "leave", "last", {"kind": "leave"}, now=0)
    li.send_text("2026-12-23")
    assert (await li.next_message())["text"] == t("en", "flow.stale")
    assert await world.storage.flows.get(li.id) is None
    li.send_command("leave")  # and the flow can be started again
    assert "kind of leave" in (await li.next_message())["text"]
