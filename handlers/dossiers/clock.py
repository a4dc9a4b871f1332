"""The dossier clock: when the processing time runs, read from the status history.

- It starts when the desk accepts the dossier (``registered``, code 1, has no clock yet); a
  moment outside office periods counts from the start of the next one (``WorkCalendar.receive``).
- The due date of an uninterrupted clock is the one the import gave (the receipt's), else the
  procedure's processing time counted from that start.
- It stops while the dossier waits for the citizen (``supplement_required``,
  ``financial_obligation``) or is ``paused``. On resuming, the office time that was left when it
  stopped is counted from the resumption ("pause": the time already spent counts); with
  ``supplement_clock = "restart"`` a supplement restarts the whole processing time from the
  completed dossier. A due date given as a day (at closing time) stays a day.
- A stop that begins after the due time has passed moves nothing: waiting afterwards does not
  make a late dossier punctual.

``read_clock`` is pure; ``ClockKeeper.sync`` recomputes and stores the reading of dossiers whose
history changed (the import and the ingest API call it on every status change), so the overdue
scan stays an index range over (status, due_at), and their facts in the one-stop tally.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from handlers.dossiers.calendar import WorkCalendar
from handlers.dossiers.due import compute_due
from handlers.dossiers.statuses import CLOCK_STOPPED, RESOLVED, DossierStatus
from knowledge.processing_time import ProcessingTime
from storage import dossiers_repo, one_stop_tally

_STOPS = frozenset(str(s) for s in CLOCK_STOPPED)
_RESOLVED = frozenset(str(s) for s in RESOLVED)
# Steps that show the desk accepted a registered dossier (a supplement asked for before
# acceptance, or a refusal to accept, does not start the clock).
_ACCEPTING = frozenset({"received", "processing", "result_ready", "returned"})
_REGISTERED = str(DossierStatus.REGISTERED)
_SUPPLEMENT = str(DossierStatus.SUPPLEMENT_REQUIRED)
_WITHDRAWN = str(DossierStatus.WITHDRAWN)

# The processing time of a procedure by its code (None when unknown).
ProcessingTimes = Callable[[str], ProcessingTime | None]


class SupplementClock(StrEnum):
    PAUSE = "pause"
    RESTART = "restart"


@dataclass(frozen=True, slots=True)
class Step:
    """A status the dossier reached, and when."""

    status: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ClockReading:
    accepted_at: datetime | None  # when the clock started (None: not accepted)
    due_at: datetime | None  # the clock's due time (None: not accepted, or no allowance known)
    stopped_at: datetime | None  # the current stop began (None: running or finished)
    resolved_at: datetime | None  # result ready, returned or rejected (and still so)


NOT_STARTED = ClockReading(None, None, None, None)


def _acceptance(steps: Sequence[Step], received_at: datetime) -> tuple[datetime, int] | None:
    """(moment accepted, index of the first step the clock sees), or None if never accepted."""
    if not steps or steps[0].status != _REGISTERED:
        return received_at, 0
    for index, step in enumerate(steps):
        if step.status in _ACCEPTING:
            return max(step.at, received_at), index
        if step.status in {"rejected", _WITHDRAWN}:
            return None  # refused at the desk (code 3) or withdrawn before acceptance
    return None


def read_clock(
    history: Sequence[Step],
    *,
    received_at: datetime,
    base_due: datetime | None,
    processing: ProcessingTime | None,
    calendar: WorkCalendar,
    supplement: SupplementClock = SupplementClock.PAUSE,
) -> ClockReading:
    """The clock after ``history`` (the dossier's steps, oldest first)."""
    accepted = _acceptance(history, received_at)
    if accepted is None:
        return NOT_STARTED
    accepted_at, first = accepted
    start = calendar.receive(accepted_at)
    base = base_due if base_due is not None else compute_due(start, processing, calendar)
    due = base
    day_based = base is not None and calendar.at_closing(base)

    def resume(
        due: datetime | None, stopped: datetime, resumed: datetime, restart: bool
    ) -> datetime | None:
        if due is None or base is None or stopped >= due:
            return due
        if restart:
            again = calendar.receive(resumed)
            if processing is not None:
                return compute_due(again, processing, calendar) or due
            if day_based:
                days = calendar.working_days_between(
                    calendar.local(start).date(), calendar.local(base).date()
                )
                day = calendar.add_working_days(calendar.local(again).date(), max(days, 0))
                return calendar.end_of_day(day)
            return calendar.add_office_time(again, calendar.office_time(start, base))
        left = calendar.office_time(stopped, due)
        if not left:
            return due
        moved = calendar.add_office_time(resumed, left)
        if day_based:
            moved = calendar.end_of_day(calendar.local(moved).date())
        return max(moved, due)

    stopped_at: datetime | None = None
    supplemented = False
    resolved_at: datetime | None = None
    for step in history[first:]:
        status = step.status
        if status in _RESOLVED:
            resolved_at = resolved_at or step.at
        elif status not in {_REGISTERED, _WITHDRAWN}:
            resolved_at = None  # reopened
        if status in _STOPS:
            if stopped_at is None:
                stopped_at, supplemented = step.at, False
            supplemented = supplemented or status == _SUPPLEMENT
        elif status != _REGISTERED and stopped_at is not None:
            restart = supplemented and supplement is SupplementClock.RESTART
            due = resume(due, stopped_at, step.at, restart)
            stopped_at = None
    return ClockReading(calendar.local(start), due, stopped_at, resolved_at)


class ClockKeeper:
    """Recomputes and stores the clock of dossiers whose history changed (in the caller's
    transaction: a repository write, never a commit)."""

    def __init__(
        self,
        calendar: WorkCalendar,
        supplement: SupplementClock | str = SupplementClock.PAUSE,
        processing_times: ProcessingTimes | None = None,
    ) -> None:
        self.calendar = calendar
        self.supplement = SupplementClock(supplement)
        self._processing = processing_times or (lambda _code: None)

    def reading(self, inputs: dossiers_repo.ClockInputs, steps: Sequence[Step]) -> ClockReading:
        history = steps or [Step(inputs.status, inputs.status_at)]
        processing = self._processing(inputs.procedure_code) if inputs.procedure_code else None
        return read_clock(
            history,
            received_at=inputs.received_at,
            base_due=inputs.base_due_at,
            processing=processing,
            calendar=self.calendar,
            supplement=self.supplement,
        )

    async def sync(self, session: Any, dossier_ids: Collection[int]) -> int:
        """Reads the dossiers' histories, stores each changed reading; returns how many."""
        ids = sorted(set(dossier_ids))
        if not ids:
            return 0
        inputs = await dossiers_repo.clock_inputs(session, ids)
        histories = await dossiers_repo.status_steps(session, ids)
        changed: list[dict[str, Any]] = []
        for row in inputs:
            steps = [Step(status, at) for status, at in histories.get(row.id, ())]
            reading = self.reading(row, steps)
            values = {
                "accepted_at": reading.accepted_at,
                "due_at": reading.due_at,
                "clock_stopped_at": reading.stopped_at,
                "resolved_at": reading.resolved_at,
            }
            if any(_differs(getattr(row, k), v) for k, v in values.items()):
                changed.append({"id": row.id, **values})
        await dossiers_repo.set_clocks(session, changed)
        # The one-stop tally moves in the same transaction as the history it counts.
        await one_stop_tally.refresh(session, ids, histories)
        return len(changed)


def _differs(a: datetime | None, b: datetime | None) -> bool:
    return (a is None) != (b is None) or (a is not None and b is not None and a != b)
