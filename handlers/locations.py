"""A shared location read once, for every flow that judges one (check-in, roll call: its
part of the evidence is bot/rules/rollcall.RollcallAnswer.of)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from telegram import Message

from bot.rules.checkin import LocationEvidence
from bot.rules.plausible import finite_or_nan, optional_finite


def _seconds(value: int | timedelta | None) -> int | None:
    # PTB may hand durations as timedelta depending on its settings; storage wants seconds.
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    return value


def location_evidence(message: Message, received_at: datetime) -> LocationEvidence:
    """Everything about a location message that judges it (SPEC 3.2)."""
    loc = message.location
    assert loc is not None
    # JSON may carry 1e400: kept as NaN, judged invalid, stored as NULL (bot/rules/plausible).
    return LocationEvidence(
        lat=finite_or_nan(loc.latitude),
        lon=finite_or_nan(loc.longitude),
        accuracy_m=optional_finite(loc.horizontal_accuracy),
        live_period=_seconds(loc.live_period),
        is_forwarded=message.forward_origin is not None,
        is_venue=message.venue is not None,
        is_from_offline=bool(message.is_from_offline),
        message_date=message.date.astimezone(UTC),
        received_at=received_at,
    )
