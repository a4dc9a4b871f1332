"""Due dates from a procedure's processing time ("15 ngày làm việc", "02 Giờ", "Trong ngày").

Rules (Decree 61/2018 and 118/2025 practice at one-stop shops):
- N working days: the day received does not count; due at closing time of the N-th working day
  after it (a dossier received on a day off starts counting from the next working day).
- N calendar days: N days after the day received; if that is a day off, the next working day;
  due at closing time.
- N hours: N office hours (``[calendar]`` office periods) from the time received, e.g. with
  07:30–11:30 and 13:30–17:00, 4 hours from 15:00 Monday end 09:30 Tuesday.
- "Trong ngày" (same day): closing time of the day received, or of the next working day when
  received on a day off or after closing. 0 working days means the same.
- Fractions of a working day count as office hours (0.5 day = half a standard day's periods).

The time received is the calendar's: an online filing outside office periods counts from the
start of the next one (``WorkCalendar.receive``); callers pass that moment.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from handlers.dossiers.calendar import WorkCalendar
from knowledge.processing_time import ProcessingTime, parse_processing_time


def _same_day(received_at: datetime, calendar: WorkCalendar) -> datetime:
    local = calendar.local(received_at)
    day = local.date()
    if not calendar.is_working_day(day) or local.time() >= calendar.closing(day):
        day = calendar.next_working_day(day)
    return calendar.end_of_day(day)


def compute_due(
    received_at: datetime, processing: ProcessingTime | str | None, calendar: WorkCalendar
) -> datetime | None:
    """The due time for a dossier received at ``received_at``; None when unknown."""
    time = parse_processing_time(processing) if isinstance(processing, str) else processing
    if time is None or time.amount < 0:
        return None
    amount = time.amount
    if time.unit == "same_day" or (time.unit == "working_days" and amount == 0):
        return _same_day(received_at, calendar)
    if time.unit == "hours":
        return calendar.add_working_hours(received_at, amount)
    if time.unit == "working_days":
        if amount != math.floor(amount):
            return calendar.add_working_hours(received_at, amount * calendar.hours_per_day)
        day = calendar.add_working_days(calendar.local(received_at).date(), int(amount))
        return calendar.end_of_day(day)
    # calendar days
    day = calendar.local(received_at).date() + timedelta(days=math.ceil(amount))
    return calendar.end_of_day(calendar.next_working_day(day, include=True))
