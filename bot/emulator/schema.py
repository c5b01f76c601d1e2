"""Bot API schema subset: validates requests the bot makes and objects the emulator emits.

The subset file (see tests/data/bot_api_subset.json) maps method names to parameters and
return types and type names to fields, each with its Bot API type list and required flag.
Types outside the subset are accepted as they are: the checks are only as deep as the subset.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_PRIMITIVES = {"Integer", "Float", "String", "Boolean", "True", "InputFile"}


@dataclass(frozen=True)
class FieldSpec:
    types: tuple[str, ...]
    required: bool
    const: str | None = None


@dataclass(frozen=True)
class MethodSpec:
    name: str
    params: dict[str, FieldSpec]
    returns: tuple[str, ...]


@dataclass(frozen=True)
class TypeSpec:
    name: str
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    subtypes: tuple[str, ...] = ()


def _field(raw: dict[str, Any]) -> FieldSpec:
    return FieldSpec(tuple(raw["types"]), bool(raw["required"]), raw.get("const"))


class Schema:
    """A loaded subset. `check_*` methods return violation strings; empty means fine."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.source: dict[str, Any] = data.get("_source", {})
        self.methods: dict[str, MethodSpec] = {
            name: MethodSpec(
                name,
                {p: _field(f) for p, f in m.get("params", {}).items()},
                tuple(m.get("returns", ())),
            )
            for name, m in data.get("methods", {}).items()
        }
        self.types: dict[str, TypeSpec] = {
            name: TypeSpec(
                name,
                {f: _field(spec) for f, spec in t.get("fields", {}).items()},
                tuple(t.get("subtypes", ())),
            )
            for name, t in data.get("types", {}).items()
        }
        self._by_lower = {name.lower(): name for name in self.methods}

    @classmethod
    def load(cls, path: str | Path) -> Schema:
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def canonical_method(self, name: str) -> str | None:
        """Telegram matches method names case-insensitively."""
        return self._by_lower.get(name.lower())

    # -- requests -------------------------------------------------------------------------

    def check_request(self, method: str, params: dict[str, Any]) -> tuple[list[str], list[str]]:
        """Return (violations, missing required parameter names) for one call."""
        spec = self.methods.get(method)
        if spec is None:
            return [f"{method}: unknown method"], []
        violations: list[str] = []
        for name, value in params.items():
            p = spec.params.get(name)
            if p is None:
                violations.append(f"{method}: unknown parameter '{name}'")
            elif isinstance(value, dict | list):
                # Primitives arrive as form strings, so only structured values are checked.
                violations += self._check(p.types, value, f"{method}.{name}", primitives=False)
        missing = [n for n, p in spec.params.items() if p.required and n not in params]
        violations += [f"{method}: missing required parameter '{n}'" for n in missing]
        return violations, missing

    # -- objects --------------------------------------------------------------------------

    def check_result(self, method: str, result: Any) -> list[str]:
        spec = self.methods.get(method)
        if spec is None or not spec.returns:
            return []
        return self._check(spec.returns, result, f"{method} result")

    def check_object(self, type_name: str, value: Any, where: str | None = None) -> list[str]:
        return self._check((type_name,), value, where or type_name)

    def _check(
        self, types: tuple[str, ...], value: Any, where: str, *, primitives: bool = True
    ) -> list[str]:
        arrays = tuple(t[len("Array of ") :] for t in types if t.startswith("Array of "))
        if isinstance(value, list):
            if not arrays:
                return [f"{where}: got an array, expected {' or '.join(types)}"]
            out: list[str] = []
            for i, item in enumerate(value):
                out += self._check(arrays, item, f"{where}[{i}]", primitives=primitives)
            return out
        scalar = tuple(t for t in types if not t.startswith("Array of "))
        if not scalar:
            return [f"{where}: expected {' or '.join(types)}, got {type(value).__name__}"]
        objects = self._expand(t for t in scalar if t not in _PRIMITIVES)
        if isinstance(value, dict):
            known = [t for t in objects if t in self.types]
            if not known:
                if objects:
                    return []  # a type outside the subset: nothing to compare with
                return [f"{where}: got an object, expected {' or '.join(types)}"]
            # A union: the value is fine if it fits any member; else report the closest one.
            best: list[str] | None = None
            for t in known:
                v = self._check_fields(self.types[t], value, where)
                if not v:
                    return []
                if best is None or len(v) < len(best):
                    best = v
            return best or []
        if not primitives or _primitive_ok(scalar, value):
            return []
        return [f"{where}: expected {' or '.join(types)}, got {value!r}"]

    def _expand(self, names: Any) -> list[str]:
        out: list[str] = []
        for n in names:
            t = self.types.get(n)
            if t is not None and t.subtypes:
                out += self._expand(t.subtypes)
            else:
                out.append(n)
        return out

    def _check_fields(self, spec: TypeSpec, value: dict[str, Any], where: str) -> list[str]:
        out: list[str] = []
        for name, item in value.items():
            f = spec.fields.get(name)
            if f is None:
                out.append(f"{where}: {spec.name} has no field '{name}'")
            elif f.const is not None and item != f.const:
                out.append(f"{where}.{name}: {spec.name} needs {f.const!r}, got {item!r}")
            else:
                out += self._check(f.types, item, f"{where}.{name}")
        for name, f in spec.fields.items():
            if f.required and name not in value:
                out.append(f"{where}: {spec.name} misses required field '{name}'")
        return out


def _primitive_ok(types: tuple[str, ...], value: Any) -> bool:
    for t in types:
        if t == "Integer" and isinstance(value, int) and not isinstance(value, bool):
            return True
        if t == "Float" and isinstance(value, int | float) and not isinstance(value, bool):
            return True
        if t == "String" and isinstance(value, str):
            return True
        if t == "Boolean" and isinstance(value, bool):
            return True
        if t == "True" and value is True:
            return True
        if t == "InputFile":
            return True
    return False
