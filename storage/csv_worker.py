"""A CSV export worker process: `python -m storage.csv_worker`, started by bot/exporting/sql_csv.py.

It speaks JSON lines: the first line on stdin is the plan (`CsvPlan`), every further line a
day range to render, {"params": {...}, "path": "...", "batch": 5000}; for each it renders the
rows into `path` and answers one line, {"rows": N} or {"error": "..."}. It ends when stdin
closes. A plain process rather than multiprocessing: nothing of the parent's main module is
imported again, and it loads only the renderer.
"""

from __future__ import annotations

import json
import sys
from typing import IO

from storage.csv_chunks import ChunkRenderer, CsvPlan


def serve(requests: IO[str], replies: IO[str]) -> None:
    plan = CsvPlan.from_json(requests.readline())
    renderer = ChunkRenderer(plan.db_path)
    try:
        for line in requests:
            task = json.loads(line)
            try:
                with open(task["path"], "wb") as out:
                    reply: dict[str, object] = {
                        "rows": renderer.render(plan, task["params"], out, task["batch"])
                    }
            except Exception as exc:  # the parent reports it and stops the export
                reply = {"error": f"{type(exc).__name__}: {exc}", "os": isinstance(exc, OSError)}
            replies.write(json.dumps(reply) + "\n")
            replies.flush()
    finally:
        renderer.close()


if __name__ == "__main__":
    serve(sys.stdin, sys.stdout)
