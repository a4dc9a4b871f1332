"""The figures of ``motcua report`` for a period [start, end): usage events, dossiers,
subscriptions, the outbox and ratings. Read-only; stable English keys."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import (
    Dossier,
    OutboxMessage,
    Rating,
    StatusEvent,
    Subscription,
    UsageEvent,
)
from storage.types import utcnow

# Mirrors handlers.dossiers.statuses.CLOSED and CLOCK_RUNNING (storage cannot import handlers;
# a test keeps them equal): after CLOSED the due date no longer matters; a dossier can be late
# only while its clock runs (never while it waits for the citizen or is paused).
CLOSED_STATUSES = frozenset({"result_ready", "returned", "rejected", "withdrawn"})
RUNNING_STATUSES = frozenset({"received", "processing"})
RETURNED = "returned"


async def period_report(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    *,
    now: datetime | None = None,
    closed_statuses: Iterable[str] = CLOSED_STATUSES,
) -> dict[str, Any]:
    """Counts for events at ``start`` <= t < ``end`` (aware datetimes); ``now`` for overdue."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    now = (now or utcnow()).astimezone(UTC)
    return {
        **await assistant_activity(session, start, end),
        "subscriptions": await _subscriptions(session, start, end),
        "dossiers": await _dossiers(session, start, end, now, frozenset(closed_statuses)),
        "notifications": await _notifications(session, start, end),
        "ratings": await _ratings(session, start, end),
    }


async def assistant_activity(
    session: AsyncSession, start: datetime, end: datetime
) -> dict[str, dict[str, int]]:
    """What the assistant did in [start, end): questions and lookups (anonymous usage events,
    one index range); the first sections of the report."""
    usage = await _usage(session, start.astimezone(UTC), end.astimezone(UTC))
    return {
        "questions": {
            "asked": usage.get("question_answered", 0)
            + usage.get("question_abstained", 0)
            + usage.get("choice_offered", 0),
            "answered": usage.get("question_answered", 0),
            "abstained": usage.get("question_abstained", 0),
            "choices_offered": usage.get("choice_offered", 0),
            "procedures_opened": usage.get("procedure_opened", 0),
        },
        "lookups": {
            "typed_codes": usage.get("lookup_attempt", 0),
            "found": usage.get("lookup_found", 0),
            "unknown": usage.get("lookup_unknown", 0),
            "malformed": usage.get("lookup_malformed", 0),
            "rate_limited": usage.get("lookup_limited", 0),
            "links": usage.get("lookup_link", 0),
            "qr_photos": usage.get("lookup_photo", 0),
        },
    }


async def _usage(session: AsyncSession, start: datetime, end: datetime) -> dict[str, int]:
    kind = col(UsageEvent.kind)
    rows = await session.execute(
        select(kind, func.count())
        .where(col(UsageEvent.at) >= start, col(UsageEvent.at) < end)
        .group_by(kind)
    )
    return {k: int(n) for k, n in rows.all()}


async def _count(session: AsyncSession, *where: Any) -> int:
    value = await session.scalar(select(func.count()).where(*where))
    return int(value or 0)


async def _subscriptions(session: AsyncSession, start: datetime, end: datetime) -> dict[str, int]:
    created, ended = col(Subscription.created_at), col(Subscription.ended_at)
    return {
        "started": await _count(session, created >= start, created < end),
        "ended": await _count(session, ended.is_not(None), ended >= start, ended < end),
    }


async def _dossiers(
    session: AsyncSession, start: datetime, end: datetime, now: datetime, closed: frozenset[str]
) -> dict[str, Any]:
    received = col(Dossier.received_at)
    status = col(Dossier.status)
    rows = await session.execute(
        select(status, func.count())
        .where(received >= start, received < end)
        .group_by(status)
        .order_by(status)
    )
    by_status = {s: int(n) for s, n in rows.all()}
    due = col(Dossier.due_at)  # the clock's: late (trễ hẹn) even with a new date given
    overdue = await _count(session, status.in_(RUNNING_STATUSES), due.is_not(None), due < now)
    on_time, late = await _returned(session, start, end)
    return {
        "received": sum(by_status.values()),
        "by_status": by_status,
        "overdue_now": overdue,
        "returned": on_time + late,
        "returned_on_time": on_time,
        "returned_late": late,
    }


async def _returned(session: AsyncSession, start: datetime, end: datetime) -> tuple[int, int]:
    """Dossiers whose result was handed over in the period, against the original due date
    (a new date given with an apology does not make a late result punctual)."""
    first: dict[int, tuple[datetime, datetime | None]] = {}
    event_at = col(StatusEvent.at)
    by_events = await session.execute(
        select(col(StatusEvent.dossier_id), event_at, col(Dossier.due_at))
        .join(Dossier, col(Dossier.id) == col(StatusEvent.dossier_id))
        .where(col(StatusEvent.status) == RETURNED, event_at >= start, event_at < end)
    )
    status_at = col(Dossier.status_at)
    # A dossier imported already returned may have no event: its status time counts.
    by_rows = await session.execute(
        select(col(Dossier.id), status_at, col(Dossier.due_at)).where(
            col(Dossier.status) == RETURNED, status_at >= start, status_at < end
        )
    )
    for row_id, at, due in [*by_events.all(), *by_rows.all()]:
        dossier_id = int(row_id or 0)
        known = first.get(dossier_id)
        if known is None or at < known[0]:
            first[dossier_id] = (at, due)
    late = sum(1 for at, due in first.values() if due is not None and at > due)
    return len(first) - late, late


async def _notifications(session: AsyncSession, start: datetime, end: datetime) -> dict[str, Any]:
    """Sent: by the time sent. Failed (given up): by the time the message was queued."""
    sent_at, created = col(OutboxMessage.sent_at), col(OutboxMessage.created_at)
    status = col(OutboxMessage.status)
    rule, channel = col(OutboxMessage.rule), col(OutboxMessage.channel)
    rows = await session.execute(
        select(rule, channel, status, func.count())
        .where(
            or_(
                and_(status == "sent", sent_at >= start, sent_at < end),
                and_(status == "failed", created >= start, created < end),
            )
        )
        .group_by(rule, channel, status)
        .order_by(rule, channel)
    )
    by_rule: dict[str, dict[str, dict[str, int]]] = {}
    totals = {"sent": 0, "failed": 0}
    for r, c, s, n in rows.all():
        cell = by_rule.setdefault(r, {}).setdefault(c, {"sent": 0, "failed": 0})
        cell[s] = int(n)
        totals[s] += int(n)
    return {**totals, "by_rule": by_rule}


async def _ratings(session: AsyncSession, start: datetime, end: datetime) -> dict[str, Any]:
    created, value = col(Rating.created_at), col(Rating.value)
    rows = await session.execute(
        select(value, func.count())
        .where(created >= start, created < end)
        .group_by(value)
        .order_by(value)
    )
    by_value = {str(v): int(n) for v, n in rows.all()}
    count = sum(by_value.values())
    total = sum(int(v) * n for v, n in by_value.items())
    return {
        "count": count,
        "average": round(total / count, 2) if count else None,
        "by_value": by_value,
    }
