"""What an ingested row may hold (import files and the HTTP API alike): every text bounded,
no time of an event in the future, no date that could be read two ways.

A status dated 2099 would freeze a dossier for good (later events are older, so history), a
4.5 MB note would be a thousand chat bubbles, and ``12/1/2026`` is 12 January to a Vietnamese
clerk and 1 December to a spreadsheet set to English: each is refused with a reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from handlers.dossiers.ingest_errors import RowError

# Characters per field (a note says what to bring; an apology reason why it is late).
TEXT_LIMITS: dict[str, int] = {
    "receipt_code": 64,
    "procedure_code": 32,
    "procedure_name": 2000,  # the longest national procedure name has 1,094 characters
    "applicant_name": 200,
    "applicant_phone": 32,
    "received_at": 40,
    "due_at": 40,
    "status": 40,
    "status_at": 40,
    "submitted_via": 32,
    "agency": 300,
    "note": 1000,
    "apology_reason": 500,
    "new_due_at": 40,
    "at": 40,
}
# Clocks of two systems differ a little; a time further ahead is a mistake (often a time
# zone: a time without an offset is read as Vietnam's).
FUTURE_SKEW = timedelta(minutes=5)


class DateOrder(StrEnum):
    """``--date-format``: how to read ``dd/mm/yyyy``-like dates that fit both orders."""

    DAY_FIRST = "dd/mm/yyyy"
    MONTH_FIRST = "mm/dd/yyyy"


def check_lengths(raw: Mapping[str, Any], fields: Iterable[str] = TEXT_LIMITS) -> None:
    """RowError ``too_long`` naming the first field longer than its limit."""
    for name in fields:
        value = raw.get(name)
        limit = TEXT_LIMITS.get(name)
        if value is None or limit is None:
            continue
        if len(value if isinstance(value, str) else str(value)) > limit:
            raise RowError("too_long", name, limit)


def not_future(
    moment: datetime | None, name: str, now: datetime, raw: object, reason: str = "in_future"
) -> None:
    if moment is not None and moment > now + FUTURE_SKEW:
        raise RowError(reason, name, raw)


def day_month(
    first: int, second: int, order: DateOrder | None, name: str, text: str
) -> tuple[int, int]:
    """(day, month) of a slashed date. Without an order, day first (the Vietnamese way) when
    only that reading exists or both give the same date; otherwise ``ambiguous_date``."""
    if order is DateOrder.MONTH_FIRST:
        return second, first
    if order is None and first <= 12 and second <= 12 and first != second:
        raise RowError("ambiguous_date", name, text)
    return first, second
