"""The rule scans: find what is due, render it, and ENQUEUE one outbox row per recipient.

Nothing here sends. Every row's key is "dossier:rule:occurrence:channel:recipient", inserted with
ON CONFLICT DO NOTHING, so running a scan twice (or on two replicas) enqueues nothing new.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import UTC, datetime, timedelta

from handlers.messages import Reply
from notifications import rules
from notifications.dispatcher import reply_to_body
from notifications.quiet import QuietHours
from notifications.rules import DossierFacts, EventFacts, Notice, RuleContext
from storage import outbox_repo as repo
from storage.engine import SessionFactory
from storage.models import Dossier, StatusEvent
from storage.outbox_repo import DossierSnapshot

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def facts(d: Dossier | DossierSnapshot) -> DossierFacts:
    assert d.id is not None
    return DossierFacts(
        id=d.id,
        receipt_code=d.receipt_code,
        procedure_name=d.procedure_name,
        received_at=d.received_at,
        due_at=d.due_at,
        status=d.status,
        status_at=d.status_at,
        agency=d.agency,
        note=d.note,
        apology_reason=d.apology_reason,
        new_due_at=d.new_due_at,
    )


def event_facts(e: StatusEvent) -> EventFacts:
    assert e.id is not None
    return EventFacts(
        id=e.id,
        status=e.status,
        at=e.at,
        note=e.note,
        apology_reason=e.apology_reason,
        new_due_at=e.new_due_at,
    )


def outbox_key(dossier_id: int, notice: Notice, channel: str, recipient: str) -> str:
    return f"{dossier_id}:{notice.rule}:{notice.occurrence}:{channel}:{recipient}"


class RuleJobs:
    """Each public coroutine is one scheduled job; it returns how many rows were new."""

    def __init__(
        self,
        factory: SessionFactory,
        ctx: RuleContext,
        *,
        quiet: QuietHours | None = None,
        clock: Clock = utcnow,
        channels: Collection[str] | None = None,
    ) -> None:
        self.factory = factory
        self.ctx = ctx
        self.quiet = quiet
        self.clock = clock
        # Only channels something can push to (None: all); a chat on another channel gets its
        # rows once a sender for it exists, since the rules look at state, not at a cursor.
        self.channels = None if channels is None else frozenset(channels)

    async def _enqueue(self, notices: Iterable[tuple[int, Notice]]) -> int:
        pending = [(dossier_id, n) for dossier_id, n in notices]
        if not pending:
            return 0
        now = self.clock()
        async with self.factory() as session, session.begin():
            who = await repo.recipients(session, {dossier_id for dossier_id, _ in pending})
            rows: list[repo.NewMessage] = []
            for dossier_id, notice in pending:
                body = reply_to_body(Reply(notice.text, notice.buttons))
                at = now + notice.delay
                if self.quiet is not None:
                    at = self.quiet.next_allowed(at)
                rows += [
                    repo.NewMessage(
                        key=outbox_key(dossier_id, notice, channel, user_id),
                        dossier_id=dossier_id,
                        rule=notice.rule,
                        channel=channel,
                        recipient=user_id,
                        body=body,
                        next_attempt_at=at,
                    )
                    for channel, user_id, since in who.get(dossier_id, [])
                    if (notice.after is None or since <= notice.after)
                    and (self.channels is None or channel in self.channels)
                ]
            return await repo.enqueue(session, rows, now)

    async def status_changes(self) -> int:
        """Status-change messages, new dates the agency recorded, the satisfaction question."""
        now = self.clock()
        async with self.factory() as session:
            found = await repo.events_since(
                session, rules.NOTIFIED_STATUSES, now - self.ctx.status_lookback
            )
        notices: list[tuple[int, Notice]] = []
        for event, dossier in found:
            d, ev = facts(dossier), event_facts(event)
            for make in (rules.status_notice, rules.new_due_notice, rules.satisfaction_notice):
                notice = make(d, ev, self.ctx)
                if notice is not None:
                    notices.append((d.id, notice))
        return await self._enqueue(notices)

    async def due_reminders(self) -> int:
        now = self.clock()
        async with self.factory() as session:
            found = await repo.due_between(
                session, rules.OPEN_STATUSES, now, now + rules.REMINDER_HORIZON
            )
        return await self._enqueue(self._apply(found, rules.due_reminder, now))

    async def overdue_apologies(self) -> int:
        now = self.clock()
        async with self.factory() as session:
            found = await repo.overdue(session, rules.OPEN_STATUSES, now)
        return await self._enqueue(self._apply(found, rules.overdue_apology, now))

    async def collect_reminders(self) -> int:
        now = self.clock()
        # N working days are at least N calendar days: a cheap lower bound for the query.
        before = now - timedelta(days=self.ctx.collect_after_working_days)
        async with self.factory() as session:
            found = await repo.in_status_since_before(session, "result_ready", before)
        return await self._enqueue(self._apply(found, rules.collect_reminder, now))

    async def run_all(self) -> dict[str, int]:
        return {
            rules.RULE_STATUS: await self.status_changes(),
            rules.RULE_DUE_REMINDER: await self.due_reminders(),
            rules.RULE_OVERDUE_APOLOGY: await self.overdue_apologies(),
            rules.RULE_COLLECT_REMINDER: await self.collect_reminders(),
        }

    def _apply(
        self,
        found: Sequence[DossierSnapshot],
        rule: Callable[[DossierFacts, datetime, RuleContext], Notice | None],
        now: datetime,
    ) -> list[tuple[int, Notice]]:
        out: list[tuple[int, Notice]] = []
        for dossier in found:
            d = facts(dossier)
            notice = rule(d, now, self.ctx)
            if notice is not None:
                out.append((d.id, notice))
        return out

    async def waiting_for_apology_details(self, limit: int = 200) -> list[DossierFacts]:
        """Overdue dossiers whose reason or new date the agency has not recorded (staff list)."""
        now = self.clock()
        async with self.factory() as session:
            found = await repo.overdue(
                session, rules.OPEN_STATUSES, now, followed_only=False, limit=None
            )
        waiting = [d for d in map(facts, found) if rules.needs_apology_details(d, now)]
        return waiting[:limit]
