"""What every flow's steps share: the refusal that keeps a step, and the typed state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from bot.flows.states import load
from storage.models import FlowState

S = TypeVar("S")


@dataclass(frozen=True)
class Problem:
    """The answer is refused and the step stays: catalog key and its values."""

    key: str
    values: Mapping[str, object] = field(default_factory=dict)


# A press that fits no step of the flow (an old message's button).
STALE = Problem("button.stale")


class StaleState(ValueError):
    """A state that does not load. The router ends such flows before a step runs
    (bot/flows/progress.verdict), so a step meeting one is a bug, not bad input."""


def typed_state(cls: type[S], flow: FlowState) -> S:
    """The flow's state as its dataclass, checked as bot/flows/states.load checks it."""
    loaded = load(flow.flow, flow.step, flow.data)
    if not isinstance(loaded, cls):
        raise StaleState(f"{flow.flow}/{flow.step}")
    return loaded


def stored(state: Any, *, keep: tuple[str, ...] = ()) -> dict[str, Any]:
    """A state as stored: unset fields left out (but for `keep`: a None that is an answer)."""
    return {k: v for k, v in asdict(state).items() if v is not None or k in keep}
