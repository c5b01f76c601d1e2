"""Each conversation's state, typed, and checked whenever it is loaded.

A flow's state is stored between messages (storage/flows.py) as JSON. What was stored by an
older version, or by a step that no longer exists, must not reach a handler as a dict with a
key missing (a KeyError deep in a reply): `load` returns None for any shape its flow's class
does not accept at that step, and the router ends such a flow with a clear message
(handlers/flows.py).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any, ClassVar

# JSON gives numbers back as int or float: both are a number here.
_NUMBER = (int, float)


def _is_day(value: object) -> bool:
    try:
        date.fromisoformat(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


@dataclass(frozen=True)
class JoinState:
    code: str
    name: str | None = None
    STEPS: ClassVar[dict[str, tuple[str, ...]]] = {"name": (), "unit": ("name",)}


@dataclass(frozen=True)
class LeaveState:
    """Leave (type, first, last, reason, confirm) and make-up (reason, confirm) alike."""

    kind: str
    type: str | None = None
    first: str | None = None
    last: str | None = None
    reason: str | None = None
    STEPS: ClassVar[dict[str, tuple[str, ...]]] = {
        "type": (),
        "first": (),
        "last": ("first",),
        "reason": ("first", "last"),
        "confirm": ("first", "last", "reason"),
    }
    DAYS: ClassVar[tuple[str, ...]] = ("first", "last")

    def __post_init__(self) -> None:
        if self.kind not in ("leave", "makeup"):
            raise ValueError(self.kind)


@dataclass(frozen=True)
class RejectReasonState:
    request_id: int
    STEPS: ClassVar[dict[str, tuple[str, ...]]] = {"reason": ("request_id",)}


@dataclass(frozen=True)
class OutOfAreaReasonState:
    checkin_id: int
    STEPS: ClassVar[dict[str, tuple[str, ...]]] = {"reason": ("checkin_id",)}


@dataclass(frozen=True)
class CheckinWaitState:
    STEPS: ClassVar[dict[str, tuple[str, ...]]] = {"location": ()}


@dataclass(frozen=True)
class DiaryState:
    day: str
    STEPS: ClassVar[dict[str, tuple[str, ...]]] = {"collect": ("day",)}
    DAYS: ClassVar[tuple[str, ...]] = ("day",)


@dataclass(frozen=True)
class DiaryQuestionState:
    """Messages kept while the member is asked whether they are diary entries."""

    drafts: list[Any]
    STEPS: ClassVar[dict[str, tuple[str, ...]]] = {"confirm": ("drafts",)}


@dataclass(frozen=True)
class NewTeamState:
    name: str | None = None
    lat: float | None = None
    lon: float | None = None
    datum: str | None = None
    radius: float | None = None
    tz: str | None = None
    time: str | None = None
    cutoff: str | None = None
    _SITE: ClassVar[tuple[str, ...]] = ("name", "lat", "lon", "datum")
    STEPS: ClassVar[dict[str, tuple[str, ...]]] = {
        "name": (),
        "site": ("name",),
        "radius": _SITE,
        "tz": (*_SITE, "radius"),
        "time": (*_SITE, "radius", "tz"),
        "cutoff": (*_SITE, "radius", "tz", "time"),
        # Drafts begun before the cutoff step existed confirm without one (12:00 then).
        "confirm": (*_SITE, "radius", "tz", "time"),
    }


@dataclass(frozen=True)
class ExportState:
    first: str | None = None
    last: str | None = None
    team: int | None = None
    STEPS: ClassVar[dict[str, tuple[str, ...]]] = {
        "range": (),
        "typed": (),
        "team": ("first", "last"),
        "format": ("first", "last"),
    }
    DAYS: ClassVar[tuple[str, ...]] = ("first", "last")


@dataclass(frozen=True)
class RecallState:
    team: int | None = None
    member: int | None = None
    reason: str | None = None
    STEPS: ClassVar[dict[str, tuple[str, ...]]] = {
        "team": (),
        "member": ("team",),
        "reason": ("team", "member"),
        "confirm": ("team", "member", "reason"),
    }


# Flow name (the `flow` column) -> its state. The names are those handlers/ store.
STATES: dict[str, type] = {
    "join": JoinState,
    "leave": LeaveState,
    "req_reject": RejectReasonState,
    "oor_reason": OutOfAreaReasonState,
    "checkin_wait": CheckinWaitState,
    "diary": DiaryState,
    "diary_ask": DiaryQuestionState,
    "newteam": NewTeamState,
    "export": ExportState,
    "recall": RecallState,
}

_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": _NUMBER,
    "list[Any]": (list,),
}


def load(flow: str, step: str, data: dict[str, Any]) -> object | None:
    """The typed state of `flow` at `step`, or None when this shape is not one it accepts:
    an unknown flow or step, a key it does not know, a value of the wrong type, a day that
    is no date, or a value the step needs that is missing."""
    cls = STATES.get(flow)
    steps: dict[str, tuple[str, ...]] = getattr(cls, "STEPS", {})
    if cls is None or step not in steps or not isinstance(data, dict):
        return None
    try:
        state = cls(**data)
    except (TypeError, ValueError):
        return None
    for f in fields(state):
        value = getattr(state, f.name)
        if value is None:
            continue
        allowed = _TYPES.get(str(f.type).replace(" | None", ""), (object,))
        if isinstance(value, bool) or not isinstance(value, allowed):
            return None
        if f.name in getattr(cls, "DAYS", ()) and not _is_day(value):
            return None
    if any(getattr(state, name) is None for name in steps[step]):
        return None
    return state
