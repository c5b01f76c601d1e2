"""Exports carry each evidence row's chain hash, and spoof signals are a data set of their own."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.exporting import ExportRequest, write_export
from storage import Storage
from storage.exports import ExportFilter
from tests.export_data import DAY, populate

CHAINED = {
    "checkins": "checkins",
    "leave": "requests",
    "recalls": "recalls",
    "audit": "audit",
    "spoof_signals": "spoof_signals",
}


def _records(fmt: str, data: bytes) -> list[dict[str, Any]]:
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    return [json.loads(line) for line in data.decode().splitlines()]


def _filter() -> ExportFilter:
    return ExportFilter(DAY - timedelta(days=10), DAY + timedelta(days=10), "Asia/Shanghai")


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
async def test_every_evidence_row_carries_its_chain_hash(
    storage: Storage, tmp_path: Path, fmt: str
) -> None:
    await populate(storage)
    names = (*CHAINED, "rollcalls")
    result = await write_export(storage, ExportRequest(names, fmt, _filter()), tmp_path)
    with zipfile.ZipFile(result.path) as zf:
        files = {Path(n).stem: _records(fmt, zf.read(n)) for n in zf.namelist()}
    for name, source in CHAINED.items():
        rows = files[name]
        assert rows, name
        ids = [int(r["id"]) for r in rows]
        expected = await storage.chain.row_hashes(source, ids)
        assert [r["row_hash"] for r in rows] == [expected[i] for i in ids], name
        assert all(len(r["row_hash"]) == 64 for r in rows)
    rollcalls = files["rollcalls"]
    assert len({r["row_hash"] for r in rollcalls}) == len(rollcalls) == 2


async def test_spoof_signals_export_with_their_inputs_and_clearing(
    storage: Storage, tmp_path: Path
) -> None:
    await populate(storage)
    result = await write_export(
        storage, ExportRequest(("spoof_signals",), "csv", _filter()), tmp_path / "s.csv"
    )
    rows = list(csv.DictReader(io.StringIO(result.path.read_text("utf-8-sig"))))
    assert [r["signal"] for r in rows] == ["frozen_fix", "no_accuracy"]
    cleared = rows[1]
    assert cleared["clear_reason"].endswith('"=1+1"') and cleared["cleared_by"] == "12"
    assert cleared["cleared_at"].endswith("+08:00") and "地图" in cleared["inputs"]
    assert rows[0]["cleared_at"] == "" and rows[0]["member_name"] == "王芳"
