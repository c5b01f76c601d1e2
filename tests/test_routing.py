"""Routing is declared once, in bot/app.py: the order in which modules are imported changes
neither which flow step gets free text nor what a menu button does."""

from __future__ import annotations

import json
import subprocess
import sys

from bot.app import routes
from bot.i18n import all_labels

HANDLER_MODULES = [
    "handlers.start",
    "handlers.checkin",
    "handlers.diary_writing",
    "handlers.diary_reading",
    "handlers.leave",
    "handlers.newteam",
    "handlers.export",
    "handlers.recall",
    "handlers.rollcall",
    "handlers.messages",
    "handlers.menus",
    "handlers.flows",
]

DESCRIBE = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
from bot.app import routes
def name(fn):
    return None if fn is None else f"{fn.__module__}.{fn.__qualname__}"
r = routes()
print(json.dumps({
    "text": {k: name(v) for k, v in r.text_steps.items()},
    "location": {k: name(v) for k, v in r.location_steps.items()},
    "labels": {k: name(v) for k, v in sorted(r.by_label.items())},
    "fallback": name(r.fallback_text),
    "reprompt": sorted(r.reprompt_flows),
}, sort_keys=True))
"""


def _routes_after_importing(order: list[str]) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", DESCRIBE, *order], capture_output=True, text=True, check=True
    )
    described: dict[str, object] = json.loads(out.stdout)
    return described


def test_import_order_changes_no_route() -> None:
    forwards = _routes_after_importing(HANDLER_MODULES)
    backwards = _routes_after_importing(list(reversed(HANDLER_MODULES)))
    flows_first = _routes_after_importing(["handlers.flows", "handlers.messages"])
    assert forwards == backwards == flows_first
    assert forwards["fallback"] == "handlers.diary_writing.ask_if_diary"


def test_every_menu_label_in_both_languages_has_one_route() -> None:
    table = routes()
    for key, handler in table.menu_buttons.items():
        labels = all_labels(key)
        assert len(labels) >= 2, key  # English and Chinese
        assert all(table.menu_button(label) is handler for label in labels), key
    assert table.menu_button("no such button") is None


def test_handler_modules_keep_no_route_registry() -> None:
    """Nothing is filled in at import: the old registries are gone from the handler modules."""
    import handlers.flows as flows

    for name in ("TEXT_STEPS", "LOCATION_STEPS", "MENU_BUTTONS", "FALLBACK_TEXT"):
        assert not hasattr(flows, name), name
