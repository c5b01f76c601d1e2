"""Print the shape of `handlers/`: function lengths and direct storage calls.

Issue 11's bars: median handler function <= 10 lines, none over 40, no `ctx.storage`.
A function's length counts its lines from `def` to its last statement (decorators and
docstring included), the same way for every function, nested ones counted on their own.
"""

from __future__ import annotations

import ast
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "handlers"


def function_lengths(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            end = node.end_lineno or node.lineno
            found.append((f"{path.name}:{node.lineno} {node.name}", end - node.lineno + 1))
    return found


def main() -> int:
    lengths: list[tuple[str, int]] = []
    storage_calls = 0
    for path in sorted(ROOT.glob("*.py")):
        lengths += function_lengths(path)
        storage_calls += path.read_text(encoding="utf-8").count("ctx.storage")
    sizes = [n for _, n in lengths]
    long = sorted((item for item in lengths if item[1] > 40), key=lambda item: -item[1])
    print(f"handler functions: {len(sizes)}")
    print(f"median lines: {statistics.median(sizes) if sizes else 0}")
    print(f"over 40 lines: {len(long)}")
    for name, n in long:
        print(f"  {n:4d} {name}")
    print(f"ctx.storage in handlers/: {storage_calls}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
