"""The desk's dossiers: those due within one working day and those overdue, by the dossier
clock (handlers.dossiers.clock), filtered by agency and procedure; and the apology an officer
records (a status event through the ingest use case, so the notification rules send the letter
once).

Only running clocks count: a dossier waiting for the citizen or paused is in neither list. A
dossier that missed its date stays late ("trễ hẹn") once given a new one, and shows both dates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from handlers.dossiers.calendar import WorkCalendar
from handlers.dossiers.codes import canonical_code
from handlers.dossiers.deadlines import RUNNING, due_soon_until
from handlers.dossiers.ingest import Ingestor
from handlers.dossiers.ports import DossierRecord, StatusEventRecord
from handlers.dossiers.statuses import CLOCK_RUNNING, CLOCK_STOPPED, is_overdue, parse_status
from handlers.staff import audit
from handlers.staff.audit import Actor, Forbidden, NotFound, Refused
from handlers.staff.cache import StaleWhileRevalidate
from storage import desk_repo, dossiers_repo, staff_repo
from storage.desk_repo import SentRow
from storage.engine import SessionFactory
from storage.staff_models import AuditEntry

MAX_REASON = 1000
FACETS_FRESH = timedelta(minutes=2)
FACETS_KEEP = timedelta(minutes=30)
PAGE_SIZE = 50  # dossiers per list and page: a phone scrolls through this many at most
MAX_PAGE = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
Clock = Callable[[], datetime]
Facets = tuple[list[tuple[str, int]], list[tuple[str, str | None, int]]]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class DeskItem:
    row: DossierRecord
    due: datetime | None  # the clock's due time (a new date never replaces it)
    overdue: bool  # the clock runs and its due time has passed: late, "trễ hẹn"
    late_days: int  # working days past the date (0 when not overdue)
    stopped: bool  # the clock is stopped: waiting for the citizen, or paused
    running: bool  # the clock runs (received, processing): an apology can be recorded
    has_details: bool  # a reason and a new date after the clock's date, still ahead
    needs_details: bool  # overdue and no such reason and date recorded (a letter is owed)
    rescheduled: bool  # a new date after the clock's date was given (late all the same)
    followers: int
    sent: list[SentRow] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ListPage:
    """One page of a list: its dossiers, which page, and how many the whole list holds."""

    items: list[DeskItem]
    number: int  # 1-based
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def first(self) -> int:
        """Position of the first dossier shown (1-based), 0 when none."""
        return (self.number - 1) * PAGE_SIZE + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0


@dataclass(frozen=True, slots=True)
class DueView:
    overdue: ListPage
    due_soon: ListPage
    horizon: datetime
    agencies: list[tuple[str, int]]
    procedures: list[tuple[str, str | None, int]]


@dataclass(frozen=True, slots=True)
class DossierDetail:
    dossier: DossierRecord
    item: DeskItem
    events: Sequence[StatusEventRecord]
    history: list[AuditEntry]


class Desk:
    def __init__(
        self,
        sessions: SessionFactory,
        calendar: WorkCalendar,
        ingestor: Ingestor,
        *,
        clock: Clock = _utcnow,
    ) -> None:
        self._sessions = sessions
        self._calendar = calendar
        self._ingestor = ingestor
        self._clock = clock
        # The filters' choices (agencies, procedures, with counts) read every dossier due by the
        # horizon: kept a short while, per account scope.
        self._facets: StaleWhileRevalidate[Facets] = StaleWhileRevalidate(
            clock, fresh=FACETS_FRESH, keep=FACETS_KEEP
        )

    def horizon(self, now: datetime) -> datetime:
        """Closing time of the next working day: what falls due before it is 'due soon'."""
        return due_soon_until(now, self._calendar)

    def earliest_new_date(self, row: DossierRecord) -> date:
        """The first day a new due date may be: tomorrow, and a day whose closing time is
        after the clock's due time (a new date must be later than the missed one)."""
        tomorrow = self._calendar.local(self._clock()).date() + timedelta(days=1)
        if row.due_at is None:
            return tomorrow
        day = self._calendar.local(row.due_at).date()
        if self._calendar.end_of_day(day) <= row.due_at:
            day += timedelta(days=1)
        return max(tomorrow, day)

    @staticmethod
    def _scope(actor: Actor, agency: str | None) -> str | None:
        """An officer bound to an agency sees only that agency, whatever the filter says."""
        return actor.agency if actor.agency else agency

    async def due_list(
        self,
        actor: Actor,
        *,
        agency: str | None = None,
        procedure: str | None = None,
        overdue_page: int = 1,
        soon_page: int = 1,
    ) -> DueView:
        """Both lists, a page of each (the longest overdue first, then the soonest due)."""
        if not actor.can("officer"):
            raise Forbidden("due list")
        now = self._clock()
        horizon = self.horizon(now)
        scope = self._scope(actor, agency)
        late_no = min(max(overdue_page, 1), MAX_PAGE)
        soon_no = min(max(soon_page, 1), MAX_PAGE)
        async with self._sessions() as session:
            late_total, soon_total = await dossiers_repo.count_deadlines(
                session, RUNNING, now, horizon, agency=scope, procedure=procedure
            )
            late = await dossiers_repo.past_due(
                session,
                RUNNING,
                now,
                agency=scope,
                procedure=procedure,
                limit=PAGE_SIZE,
                offset=(late_no - 1) * PAGE_SIZE,
            )
            soon = await dossiers_repo.due_within(
                session,
                RUNNING,
                now,
                horizon,
                agency=scope,
                procedure=procedure,
                limit=PAGE_SIZE,
                offset=(soon_no - 1) * PAGE_SIZE,
            )
        agencies, procedures = (
            await self._facets.get(actor.agency, lambda: self._read_facets(horizon, actor.agency))
        ).value
        items = await self._items([*late, *soon], now)
        return DueView(
            overdue=ListPage([i for i in items if i.overdue], late_no, late_total),
            due_soon=ListPage([i for i in items if not i.overdue], soon_no, soon_total),
            horizon=horizon,
            agencies=agencies,
            procedures=procedures,
        )

    async def _read_facets(self, horizon: datetime, agency: str | None) -> Facets:
        async with self._sessions() as session:
            return await dossiers_repo.deadline_facets(session, RUNNING, horizon, agency=agency)

    async def aclose(self) -> None:
        await self._facets.aclose()

    async def _items(self, rows: Sequence[DossierRecord], now: datetime) -> list[DeskItem]:
        ids = [r.id for r in rows if r.id is not None]
        async with self._sessions() as session:
            sent = await desk_repo.sent_about(session, ids)
            followers = await desk_repo.followers(session, ids)
        by_dossier: dict[int, list[SentRow]] = {}
        for s in sent:
            by_dossier.setdefault(s.dossier_id, []).append(s)
        return [
            self._item(r, now, followers.get(r.id or 0, 0), by_dossier.get(r.id or 0, []))
            for r in rows
        ]

    def _item(
        self, row: DossierRecord, now: datetime, followers: int, sent: list[SentRow]
    ) -> DeskItem:
        # The clock's date; a new date given with an apology does not make the dossier
        # punctual, so the desk shows it beside the missed one.
        due = row.due_at
        status = parse_status(row.status)
        overdue = is_overdue(row.status, due, now)
        late = 0
        if overdue and due is not None:
            late = self._calendar.working_days_between(
                self._calendar.local(due).date(), self._calendar.local(now).date()
            )
        new_due = row.new_due_at
        rescheduled = due is not None and new_due is not None and new_due > due
        # What the official letter needs (notifications.rules.letter_details), still ahead.
        has_details = (
            rescheduled
            and bool((row.apology_reason or "").strip())
            and new_due is not None
            and new_due > now
        )
        return DeskItem(
            row=row,
            due=due,
            overdue=overdue,
            late_days=max(late, 0),
            stopped=status in CLOCK_STOPPED,
            running=status in CLOCK_RUNNING,
            has_details=has_details,
            needs_details=overdue and not has_details,
            rescheduled=rescheduled,
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
        item = self._item(dossier, now, followers.get(dossier.id, 0), sent)
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
        # Only a running clock has a date to apologise for: waiting for the citizen or paused
        # is never late (no apology), and a finished or not yet accepted dossier has none.
        status = parse_status(dossier.status)
        if status in CLOCK_STOPPED:
            raise Refused("clock_stopped")
        if status not in CLOCK_RUNNING or dossier.due_at is None:
            raise Refused("no_running_clock")
        now = self._clock()
        if new_due <= self._calendar.local(now).date():
            raise Refused("new_date_not_future")
        if self._calendar.end_of_day(new_due) <= dossier.due_at:
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
