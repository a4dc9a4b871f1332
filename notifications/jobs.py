"""The rule scans: ask each source of the registry, render what its rules find, and ENQUEUE one
outbox row per recipient, with the notice's facts beside its text.

Nothing here sends. Every row's key is "dossier:rule:occurrence:channel:recipient", inserted with
ON CONFLICT DO NOTHING, so running a scan twice (or on two replicas) enqueues nothing new.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from handlers.messages import Reply
from notifications import rules
from notifications.dispatcher import reply_to_body
from notifications.notice import Notice
from notifications.quiet import QuietHours
from notifications.registry import REGISTRY, Audience, Rule, Source, sources
from notifications.rules import DossierFacts, EventFacts, RuleContext
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
        applicant_name=d.applicant_name,
        accepted_at=d.accepted_at,
        clock_stopped_at=d.clock_stopped_at,
    )


def event_facts(e: StatusEvent, previous_status: str | None = None) -> EventFacts:
    assert e.id is not None
    return EventFacts(
        id=e.id,
        status=e.status,
        at=e.at,
        note=e.note,
        apology_reason=e.apology_reason,
        new_due_at=e.new_due_at,
        previous_status=previous_status,
    )


def outbox_key(dossier_id: int, notice: Notice, channel: str, recipient: str) -> str:
    return f"{dossier_id}:{notice.rule}:{notice.occurrence}:{channel}:{recipient}"


def phone_recipient(notice: Notice, dossier_id: int) -> str:
    """The recipient of a by-phone row: the sender reads the phone from the dossier."""
    return f"{notice.rule}:{dossier_id}:{notice.occurrence}"


class RuleJobs:
    """Runs the registry's rules for one audience; each source is one scheduled job, and each
    call returns how many rows were new per outbox rule."""

    def __init__(
        self,
        factory: SessionFactory,
        ctx: RuleContext,
        *,
        quiet: QuietHours | None = None,
        clock: Clock = utcnow,
        channels: Collection[str] | None = None,
        registry: Sequence[Rule] = REGISTRY,
        audience: Audience = Audience.FOLLOWERS,
        phone_channel: str | None = None,
        wants: Callable[[Notice], bool] | None = None,
    ) -> None:
        """``channels``: the chats something can push to (None: all); a chat on another
        channel gets its rows once a sender for it exists, since the rules look at state.
        ``audience`` PHONE enqueues by-phone rules on ``phone_channel`` (the sender's name,
        which bot/ gives), for the notices ``wants`` accepts (those with a template)."""
        if audience is Audience.PHONE and not phone_channel:
            raise ValueError("by-phone rules need the channel of the sender that sends them")
        self.factory = factory
        self.ctx = ctx
        self.quiet = quiet
        self.clock = clock
        self.channels = None if channels is None else frozenset(channels)
        self.audience = audience
        self.registry = tuple(r for r in registry if audience is Audience.FOLLOWERS or r.by_phone)
        self.phone_channel = phone_channel or ""  # set whenever the audience is PHONE
        self.wants = wants

    @property
    def sources(self) -> tuple[Source, ...]:
        return sources(self.registry)

    async def run_all(self) -> dict[str, int]:
        total = dict.fromkeys((r.name for r in self.registry), 0)
        for source in self.sources:
            for rule, n in (await self.run(source)).items():
                total[rule] = total.get(rule, 0) + n
        return total

    async def run(self, source: Source) -> dict[str, int]:
        """One source: its dossiers through every rule it feeds, enqueued."""
        now = self.clock()
        found = await self._fetch(source, now)
        notices: list[tuple[int, Notice]] = []
        for rule in self.registry:
            if rule.source is not source:
                continue
            for d, event in found:
                notice = rule.notice(d, event, now, self.ctx)
                if notice is not None and (self.wants is None or self.wants(notice)):
                    notices.append((d.id, notice))
        return await self._enqueue(notices)

    async def _fetch(
        self, source: Source, now: datetime
    ) -> list[tuple[DossierFacts, EventFacts | None]]:
        audience = repo.Audience(self.audience.value)
        async with self.factory() as session:
            if source is Source.EVENTS:
                events = await repo.events_since(
                    session, rules.NOTIFIED_STATUSES, now - self.ctx.status_lookback, audience
                )
                return [(facts(d), event_facts(e, prev)) for e, d, prev in events]
            if source is Source.OVERDUE:
                found = await repo.overdue(session, rules.RUNNING_STATUSES, now, audience)
            elif source is Source.DUE_SOON:
                found = await repo.due_between(
                    session, rules.RUNNING_STATUSES, now, now + rules.REMINDER_HORIZON, audience
                )
            else:
                # N working days are at least N calendar days: a cheap bound for the query.
                before = now - timedelta(days=self.ctx.collect_after_working_days)
                found = await repo.in_status_since_before(
                    session, "result_ready", before, audience
                )
        return [(facts(d), None) for d in found]

    async def _enqueue(self, notices: Iterable[tuple[int, Notice]]) -> dict[str, int]:
        pending = list(notices)
        counts: dict[str, int] = {}
        if not pending:
            return counts
        now = self.clock()
        async with self.factory() as session, session.begin():
            who = (
                await repo.recipients(session, {dossier_id for dossier_id, _ in pending})
                if self.audience is Audience.FOLLOWERS
                else {}
            )
            by_rule: dict[str, list[repo.NewMessage]] = {}
            for dossier_id, notice in pending:
                body = reply_to_body(Reply(notice.text, notice.buttons))
                send_at = now + notice.delay
                if self.quiet is not None:
                    send_at = self.quiet.next_allowed(send_at)
                common: dict[str, Any] = {
                    "dossier_id": dossier_id,
                    "rule": notice.rule,
                    "body": body,
                    "facts": notice.facts.to_json(),
                    "next_attempt_at": send_at,
                }
                for channel, recipient in self._recipients(dossier_id, notice, who):
                    by_rule.setdefault(notice.rule, []).append(
                        repo.NewMessage(
                            key=outbox_key(dossier_id, notice, channel, recipient),
                            channel=channel,
                            recipient=recipient,
                            **common,
                        )
                    )
            for rule_name, rows in by_rule.items():
                counts[rule_name] = await repo.enqueue(session, rows, now)
        return counts

    def _recipients(
        self,
        dossier_id: int,
        notice: Notice,
        who: dict[int, list[tuple[str, str, datetime]]],
    ) -> list[tuple[str, str]]:
        if self.audience is Audience.PHONE:
            return [(self.phone_channel, phone_recipient(notice, dossier_id))]
        return [
            (channel, user_id)
            for channel, user_id, since in who.get(dossier_id, [])
            if (notice.after is None or since <= notice.after)
            and (self.channels is None or channel in self.channels)
        ]
