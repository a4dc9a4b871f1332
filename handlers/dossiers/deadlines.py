"""What one-stop staff must act on: dossiers due within one working day (so the apology letter
can go out before the date, as the rules ask) and overdue ones whose reason or new date the
agency has not recorded. Only running clocks count: a dossier waiting for the citizen or paused is
in neither list. Used by ``motcua dossiers due``, ``motcua notify status`` and the staff console.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from handlers.dossiers.calendar import WorkCalendar
from handlers.dossiers.ports import DossierRecord
from handlers.dossiers.statuses import CLOCK_RUNNING
from storage import dossiers_repo
from storage.engine import SessionFactory

RUNNING = tuple(sorted(str(s) for s in CLOCK_RUNNING))


@dataclass(frozen=True, slots=True)
class StaffDeadlines:
    until: datetime  # the end of the next working day: "due within one working day"
    due_soon: Sequence[DossierRecord]
    letters_owed: Sequence[DossierRecord]


def due_soon_until(now: datetime, calendar: WorkCalendar) -> datetime:
    """Closing time of the next working day after today."""
    today = calendar.local(now).date()
    return calendar.end_of_day(calendar.next_working_day(today))


async def staff_deadlines(
    sessions: SessionFactory,
    calendar: WorkCalendar,
    now: datetime,
    *,
    agency: str | None = None,
    limit: int = 200,
) -> StaffDeadlines:
    until = due_soon_until(now, calendar)
    async with sessions() as session:
        soon = await dossiers_repo.due_within(
            session, RUNNING, now, until, agency=agency, limit=limit
        )
        owed = await dossiers_repo.overdue_without_apology_details(
            session, RUNNING, now, agency=agency, limit=limit
        )
    return StaffDeadlines(until, soon, owed)
