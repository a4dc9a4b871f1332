"""The desk's dossiers: those due within one working day and those overdue, filtered by agency
and procedure, and the apology an officer records (a status event through the ingest use case,
so the notification rules send the letter once).

Which dossiers are due, and when, comes through the ``DueSource`` port: today the stored due
fields (``is_overdue``); the dossier clock replaces it without touching the pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from handlers.dossiers.calendar import WorkCalendar
from handlers.dossiers.codes import canonical_code
from handlers.dossiers.ingest import Ingestor
from handlers.dossiers.statuses import OPEN, is_overdue
from handlers.staff import audit
from handlers.staff.audit import Actor, Forbidden, NotFound, Refused
from storage import desk_repo, dossiers_repo, staff_repo
from storage.desk_repo import DueRow, SentRow
from storage.engine import SessionFactory
from storage.models import Dossier, StatusEvent
from storage.staff_models import AuditEntry

MAX_REASON = 1000
LIST_LIMIT = 300
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class DueSource(Protocol):
    """Open dossiers whose date falls before a moment, and the filter values among them."""

    async def due_before(
        self, horizon: datetime, *, agency: str | None, procedure: str | None, limit: int
    ) -> list[DueRow]: ...

    async def facets(
        self, horizon: datetime, *, agency: str | None
    ) -> tuple[list[tuple[str, int]], list[tuple[str, str | None, int]]]: ...


class StoredDueFields:
    """``DueSource`` over the dossiers' stored ``due_at`` / ``new_due_at``."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions
        self._open = tuple(sorted(str(s) for s in OPEN))

    async def due_before(
        self, horizon: datetime, *, agency: str | None, procedure: str | None, limit: int
    ) -> list[DueRow]:
        async with self._sessions() as session:
            return await desk_repo.due_before(
                session, self._open, horizon, agency=agency, procedure=procedure, limit=limit
            )

    async def facets(
        self, horizon: datetime, *, agency: str | None
    ) -> tuple[list[tuple[str, int]], list[tuple[str, str | None, int]]]:
        async with self._sessions() as session:
            return await desk_repo.due_facets(session, self._open, horizon, agency=agency)


@dataclass(frozen=True, slots=True)
class DeskItem:
    row: DueRow
    due: datetime | None  # the date that counts now
    overdue: bool
    late_days: int  # working days past the date (0 when not overdue)
    needs_details: bool  # overdue and no reason or no future date recorded yet
    rescheduled: bool  # missed its first date and was given a new one (still "trễ hẹn")
    followers: int
    sent: list[SentRow] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DueView:
    overdue: list[DeskItem]
    due_soon: list[DeskItem]
    horizon: datetime
    agencies: list[tuple[str, int]]
    procedures: list[tuple[str, str | None, int]]
    truncated: bool  # more dossiers match than are listed


@dataclass(frozen=True, slots=True)
class DossierDetail:
    dossier: Dossier
    item: DeskItem
    events: list[StatusEvent]
    history: list[AuditEntry]


class Desk:
    def __init__(
        self,
        sessions: SessionFactory,
        calendar: WorkCalendar,
        ingestor: Ingestor,
        *,
        source: DueSource | None = None,
        clock: Clock = _utcnow,
    ) -> None:
        self._sessions = sessions
        self._calendar = calendar
        self._ingestor = ingestor
        self._source: DueSource = source or StoredDueFields(sessions)
        self._clock = clock

    def horizon(self, now: datetime) -> datetime:
        """Closing time of the next working day: what falls due before it is 'due soon'."""
        today = self._calendar.local(now).date()
        return self._calendar.end_of_day(self._calendar.next_working_day(today))

    def earliest_new_date(self, row: DueRow) -> date:
        """The first day a new due date may be: tomorrow, and not before the first date."""
        tomorrow = self._calendar.local(self._clock()).date() + timedelta(days=1)
        if row.due_at is None:
            return tomorrow
        return max(tomorrow, self._calendar.local(row.due_at).date())

    @staticmethod
    def _scope(actor: Actor, agency: str | None) -> str | None:
        """An officer bound to an agency sees only that agency, whatever the filter says."""
        return actor.agency if actor.agency else agency

    async def due_list(
        self, actor: Actor, *, agency: str | None = None, procedure: str | None = None
    ) -> DueView:
        if not actor.can("officer"):
            raise Forbidden("due list")
        now = self._clock()
        horizon = self.horizon(now)
        scope = self._scope(actor, agency)
        rows = await self._source.due_before(
            horizon, agency=scope, procedure=procedure, limit=LIST_LIMIT + 1
        )
        truncated = len(rows) > LIST_LIMIT
        rows = rows[:LIST_LIMIT]
        agencies, procedures = await self._source.facets(horizon, agency=actor.agency)
        items = await self._items(rows, now)
        return DueView(
            overdue=[i for i in items if i.overdue],
            due_soon=[i for i in items if not i.overdue],
            horizon=horizon,
            agencies=agencies,
            procedures=procedures,
            truncated=truncated,
        )

    async def _items(self, rows: list[DueRow], now: datetime) -> list[DeskItem]:
        ids = [r.id for r in rows]
        async with self._sessions() as session:
            sent = await desk_repo.sent_about(session, ids)
            followers = await desk_repo.followers(session, ids)
        by_dossier: dict[int, list[SentRow]] = {}
        for s in sent:
            by_dossier.setdefault(s.dossier_id, []).append(s)
        return [self._item(r, now, followers.get(r.id, 0), by_dossier.get(r.id, [])) for r in rows]

    def _item(self, row: DueRow, now: datetime, followers: int, sent: list[SentRow]) -> DeskItem:
        # The clock's date (handlers.dossiers.clock); a new date given with an apology does
        # not make the dossier punctual, so the desk shows it beside the missed one.
        due = row.due_at
        overdue = is_overdue(row.status, row.due_at, now)
        late = 0
        if overdue and due is not None:
            late = self._calendar.working_days_between(
                self._calendar.local(due).date(), self._calendar.local(now).date()
            )
        has_reason = bool((row.apology_reason or "").strip())
        has_new_date = row.new_due_at is not None and row.new_due_at > now
        return DeskItem(
            row=row,
            due=due,
            overdue=overdue,
            late_days=max(late, 0),
            needs_details=overdue and not (has_reason and has_new_date),
            rescheduled=has_new_date and row.due_at is not None and row.due_at < now,
            followers=followers,
            sent=sent,
        )

    async def dossier(self, actor: Actor, receipt_code: str) -> DossierDetail:
        if not actor.can("officer"):
            raise Forbidden("dossier")
        receipt_code = canonical_code(receipt_code) or receipt_code  # a code as a person types it
        now = self._clock()
        async with self._sessions() as session:
            dossier = await dossiers_repo.get_by_code(session, receipt_code)
            if dossier is None or dossier.id is None:
                raise NotFound(receipt_code)
            if actor.agency and dossier.agency != actor.agency:
                raise Forbidden("another agency's dossier")
            events = await dossiers_repo.list_events(session, dossier.id)
            sent = await desk_repo.sent_about(session, [dossier.id])
            followers = await desk_repo.followers(session, [dossier.id])
            history = await staff_repo.list_audit(
                session, target_kind="dossier", targets=[receipt_code], limit=50
            )
        row = DueRow(
            id=dossier.id,
            receipt_code=dossier.receipt_code,
            procedure_code=dossier.procedure_code,
            procedure_name=dossier.procedure_name,
            agency=dossier.agency,
            received_at=dossier.received_at,
            due_at=dossier.due_at,
            new_due_at=dossier.new_due_at,
            status=dossier.status,
            status_at=dossier.status_at,
            apology_reason=dossier.apology_reason,
        )
        item = self._item(row, now, followers.get(dossier.id, 0), sent)
        return DossierDetail(dossier, item, events, history)

    async def record_apology(
        self, actor: Actor, receipt_code: str, reason: str, new_due: date
    ) -> None:
        """The reason for the delay and the new date, as a status event of the dossier's
        current status; the rules then send them to the citizen once."""
        if not actor.can("officer"):
            raise Forbidden("apology")
        receipt_code = canonical_code(receipt_code) or receipt_code
        async with self._sessions() as session:
            dossier = await dossiers_repo.get_by_code(session, receipt_code)
        if dossier is None:
            raise NotFound(receipt_code)
        if actor.agency and dossier.agency != actor.agency:
            raise Forbidden("another agency's dossier")
        reason = " ".join(_CONTROL.sub(" ", reason).split())
        if not reason:
            raise Refused("reason_missing")
        if len(reason) > MAX_REASON:
            raise Refused("reason_too_long")
        now = self._clock()
        if new_due <= self._calendar.local(now).date():
            raise Refused("new_date_not_future")
        if dossier.due_at is not None and new_due < self._calendar.local(dossier.due_at).date():
            raise Refused("new_date_before_due")
        before = {
            "apology_reason": dossier.apology_reason,
            "new_due_at": dossier.new_due_at.isoformat() if dossier.new_due_at else None,
        }
        added, rejection = await self._ingestor.ingest_event(
            receipt_code,
            {
                "status": dossier.status,
                "at": now.isoformat(),
                "apology_reason": reason,
                "new_due_at": new_due.isoformat(),
            },
            now,
        )
        if rejection is not None:
            raise Refused(f"ingest_{rejection.reason}")
        if not added:
            raise Refused("apology_not_recorded")
        new_due_at = self._calendar.end_of_day(new_due)
        async with self._sessions() as session, session.begin():
            await audit.record(
                session,
                actor,
                "apology_recorded",
                "dossier",
                receipt_code,
                at=now,
                before=before,
                after={"apology_reason": reason, "new_due_at": new_due_at.isoformat()},
            )
