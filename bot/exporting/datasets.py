"""The registry of exportable data sets, in the order an export lists them.

Adding a data set is one entry: an SQL one from `storage/exports.py`, or a computed one
(`DataSet(name, columns, produce=async_generator_of_row_batches)`), e.g. monthly compliance.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from bot.exporting.compliance_dataset import COMPLIANCE
from storage import Storage
from storage.exports import (
    AUDIT,
    CHECKINS,
    DIARIES,
    LIVE_TRACKS,
    RECALLS,
    REQUESTS,
    ROLLCALLS,
    DataSet,
    ExportFilter,
    Rows,
)

DATASETS: dict[str, DataSet] = {
    ds.name: ds
    for ds in (
        CHECKINS,
        LIVE_TRACKS,
        DIARIES,
        REQUESTS,
        ROLLCALLS,
        RECALLS,
        AUDIT,
        COMPLIANCE,
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
