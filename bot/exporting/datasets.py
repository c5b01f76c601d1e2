"""The registry of exportable data sets, in the order an export lists them.

Adding a data set is one entry: an SQL one from `storage/exports.py`, or a computed one
(`DataSet(name, columns, produce=async_generator_of_row_batches)`), e.g. monthly compliance.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from bot.exporting.compliance_dataset import COMPLIANCE
from storage import Storage
from storage.export_evidence import ROLLCALL_ROW, SPOOF_SIGNALS, with_row_hash
from storage.exports import (
    AUDIT,
    DIARIES,
    LIVE_TRACKS,
    RECALLS,
    REQUESTS,
    ROLLCALLS,
    DataSet,
    ExportFilter,
    Rows,
)
from storage.stored_cells import STORED_CHECKINS

DATASETS: dict[str, DataSet] = {
    ds.name: ds
    for ds in (
        # Evidence rows carry their hash-chain hash (storage/export_evidence.py).
        # PostgreSQL exports take settled check-ins' cells as stored (storage/stored_cells.py).
        STORED_CHECKINS,
        LIVE_TRACKS,
        DIARIES,
        with_row_hash(REQUESTS, "requests"),
        with_row_hash(ROLLCALLS, "rollcall_targets", ROLLCALL_ROW),
        with_row_hash(RECALLS, "recalls"),
        with_row_hash(AUDIT, "audit"),
        COMPLIANCE,
        with_row_hash(SPOOF_SIGNALS, "spoof_signals"),
    )
}


async def batches(
    storage: Storage,
    dataset: DataSet,
    flt: ExportFilter,
    batch: int = 5000,
) -> AsyncIterator[Rows]:
    """Row batches of a data set, as storage holds them."""
    if dataset.produce is not None:
        async for rows in dataset.produce(storage, flt, batch):
            yield rows
    else:
        async for rows in storage.exports.stream(dataset, flt, batch):
            yield rows
