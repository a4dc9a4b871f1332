"""The notification outbox: enqueue once by key, claim with a lease, record results. Never commits.

Claiming uses ``FOR UPDATE SKIP LOCKED`` on PostgreSQL so several dispatchers share the work; on
SQLite one ``UPDATE ... RETURNING`` is atomic (a single writer at a time). A row left in
``sending`` past its lease (a dispatcher died) is claimed again.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import Dossier, OutboxMessage, StatusEvent, Subscription
from storage.statements import is_postgresql, upsert_insert

OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]
BATCH = 1000  # rows per INSERT, under SQLite's bound-parameter limit


@dataclass(frozen=True, slots=True)
class NewMessage:
    key: str
    dossier_id: int | None
    rule: str
    channel: str
    recipient: str
    body: str
    next_attempt_at: datetime
    facts: str | None = None  # the notice's facts (JSON), beside the text


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    key: str
    dossier_id: int | None
    rule: str
    channel: str
    recipient: str
    body: str
    attempts: int
    claimed_at: datetime
    facts: str | None = None


async def enqueue(session: AsyncSession, messages: Sequence[NewMessage], now: datetime) -> int:
    """Insert messages whose key is new (ON CONFLICT DO NOTHING); returns how many were new."""
    inserted = 0
    for start in range(0, len(messages), BATCH):
        chunk = messages[start : start + BATCH]
        rows = [
            {
                "key": m.key,
                "dossier_id": m.dossier_id,
                "rule": m.rule,
                "channel": m.channel,
                "recipient": m.recipient,
                "body": m.body,
                "facts": m.facts,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": m.next_attempt_at,
                "created_at": now,
            }
            for m in chunk
        ]
        stmt = (
            upsert_insert(session, OUTBOX)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(OUTBOX.c.id)
        )
        result = await session.execute(stmt)
        inserted += len(result.all())
    return inserted


async def claim(
    session: AsyncSession,
    worker: str,
    channels: Collection[str],
    now: datetime,
    *,
    lease: timedelta,
    limit: int,
) -> list[Claimed]:
    """Take up to ``limit`` due rows (and rows whose lease expired) for ``worker``."""
    c = OUTBOX.c
    returning = (
        c.id,
        c.key,
        c.dossier_id,
        c.rule,
        c.channel,
        c.recipient,
        c.body,
        c.attempts,
        c.facts,
    )
    claimed: list[Claimed] = []
    # Expired leases first (rare), then pending rows in due order straight off the index.
    for where in (
        and_(c.status == "sending", c.claimed_at < now - lease),
        and_(c.status == "pending", c.next_attempt_at <= now),
    ):
        room = limit - len(claimed)
        if room <= 0:
            break
        pick = (
            select(c.id)
            .where(where, c.channel.in_(list(channels)))
            .order_by(c.next_attempt_at)
            .limit(room)
        )
        if is_postgresql(session):
            pick = pick.with_for_update(skip_locked=True)
        stmt = (
            update(OUTBOX)
            .where(c.id.in_(pick.scalar_subquery()))
            .values(status="sending", claimed_by=worker, claimed_at=now)
            .returning(*returning)
        )
        result = await session.execute(stmt)
        claimed += [
            Claimed(
                id=r.id,
                key=r.key,
                dossier_id=r.dossier_id,
                rule=r.rule,
                channel=r.channel,
                recipient=r.recipient,
                body=r.body,
                attempts=r.attempts,
                claimed_at=now,
                facts=r.facts,
            )
            for r in result.all()
        ]
    return claimed


def _mine(row_id: int, worker: str) -> Any:
    c = OUTBOX.c
    return and_(c.id == row_id, c.status == "sending", c.claimed_by == worker)


async def mark_sent(session: AsyncSession, row_id: int, worker: str, now: datetime) -> bool:
    """Record a delivery; False when the row is no longer ours (lease lost).

    On PostgreSQL the commit does not wait for the WAL flush: the row is safe the moment the
    server has it, whatever happens to this dispatcher; only a crash of the database server
    itself could forget the last fraction of a second of marks (and resend those messages).
    A flush per message would cap the whole fan-out at the disk's fsync rate.
    """
    if is_postgresql(session):
        await session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    result = await session.execute(
        update(OUTBOX)
        .where(_mine(row_id, worker))
        .values(status="sent", sent_at=now, attempts=OUTBOX.c.attempts + 1, last_error=None)
        .returning(OUTBOX.c.id)
    )
    return len(result.all()) > 0


async def mark_sent_many(
    session: AsyncSession, row_ids: Sequence[int], worker: str, now: datetime
) -> set[int]:
    """``mark_sent`` for several rows in one statement (group commit); returns the ids marked."""
    if is_postgresql(session):
        await session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    c = OUTBOX.c
    marked: set[int] = set()
    for start in range(0, len(row_ids), BATCH):
        result = await session.execute(
            update(OUTBOX)
            .where(
                c.id.in_(list(row_ids[start : start + BATCH])),
                c.status == "sending",
                c.claimed_by == worker,
            )
            .values(status="sent", sent_at=now, attempts=c.attempts + 1, last_error=None)
            .returning(c.id)
        )
        marked.update(int(r[0]) for r in result.all())
    return marked


async def mark_retry(
    session: AsyncSession,
    row_id: int,
    worker: str,
    *,
    next_attempt_at: datetime,
    error: str | None,
    count_attempt: bool,
) -> bool:
    """Back to ``pending`` for a later attempt (a failed try counts; a deferral does not)."""
    values: dict[str, Any] = {
        "status": "pending",
        "next_attempt_at": next_attempt_at,
        "claimed_by": None,
        "claimed_at": None,
    }
    if count_attempt:
        values["attempts"] = OUTBOX.c.attempts + 1
    if error is not None:
        values["last_error"] = error[:500]
    result = await session.execute(
        update(OUTBOX).where(_mine(row_id, worker)).values(**values).returning(OUTBOX.c.id)
    )
    return len(result.all()) > 0


async def release(session: AsyncSession, row_ids: Sequence[int], worker: str) -> int:
    """Hand rows this worker holds back to ``pending`` unsent (e.g. on shutdown)."""
    c = OUTBOX.c
    released = 0
    for start in range(0, len(row_ids), BATCH):
        result = await session.execute(
            update(OUTBOX)
            .where(
                c.id.in_(list(row_ids[start : start + BATCH])),
                c.status == "sending",
                c.claimed_by == worker,
            )
            .values(status="pending", claimed_by=None, claimed_at=None)
            .returning(c.id)
        )
        released += len(result.all())
    return released


async def record_failed_attempt(
    session: AsyncSession, row_id: int, worker: str, error: str
) -> int | None:
    """Count a failed try on a row still held in memory; returns the new attempt count."""
    result = await session.execute(
        update(OUTBOX)
        .where(_mine(row_id, worker))
        .values(attempts=OUTBOX.c.attempts + 1, last_error=error[:500])
        .returning(OUTBOX.c.attempts)
    )
    row = result.first()
    return None if row is None else int(row[0])


async def mark_failed(
    session: AsyncSession, row_id: int, worker: str, error: str, *, count_attempt: bool = True
) -> bool:
    values: dict[str, Any] = {"status": "failed", "last_error": error[:500]}
    if count_attempt:
        values["attempts"] = OUTBOX.c.attempts + 1
    result = await session.execute(
        update(OUTBOX).where(_mine(row_id, worker)).values(**values).returning(OUTBOX.c.id)
    )
    return len(result.all()) > 0


async def cancel_for_recipient(
    session: AsyncSession, channel: str, recipient: str, reason: str, *, worker: str
) -> int:
    """Cancel every unsent message to a chat (e.g. it blocked the bot): pending ones and those
    this worker holds; rows another dispatcher holds fail on their own 403."""
    c = OUTBOX.c
    result = await session.execute(
        update(OUTBOX)
        .where(
            c.channel == channel,
            c.recipient == recipient,
            or_(c.status == "pending", and_(c.status == "sending", c.claimed_by == worker)),
        )
        .values(status="cancelled", last_error=reason)
        .returning(c.id)
    )
    return len(result.all())


async def purge_finished(session: AsyncSession, rule: str, key_prefixes: Collection[str]) -> int:
    """Deletes the rows of ``rule`` done with (sent, failed or cancelled) whose key starts with
    one of ``key_prefixes``; returns how many. Only for keys that can never be enqueued again
    (each names a record that is itself gone, e.g. an answer in a purged transcript)."""
    deleted = 0
    prefixes = list(key_prefixes)
    for start in range(0, len(prefixes), 200):
        chunk = prefixes[start : start + 200]
        result = await session.execute(
            delete(OutboxMessage).where(
                col(OutboxMessage.rule) == rule,
                col(OutboxMessage.status).in_(["sent", "failed", "cancelled"]),
                or_(*(col(OutboxMessage.key).startswith(p, autoescape=True) for p in chunk)),
            )
        )
        deleted += int(getattr(result, "rowcount", 0) or 0)
    return deleted


async def summary(session: AsyncSession) -> list[tuple[str, str, str, int]]:
    """(status, channel, rule, count) for the staff view."""
    c = OUTBOX.c
    result = await session.execute(
        select(c.status, c.channel, c.rule, func.count())
        .group_by(c.status, c.channel, c.rule)
        .order_by(c.status, c.channel, c.rule)
    )
    return [(s, ch, r, int(n)) for s, ch, r, n in result.all()]


async def failures(session: AsyncSession, limit: int = 50) -> list[OutboxMessage]:
    result = await session.execute(
        select(OutboxMessage)
        .where(col(OutboxMessage.status) == "failed")
        .order_by(col(OutboxMessage.id).desc())
        .limit(limit)
    )
    return list(result.scalars())


async def rows_by_key(session: AsyncSession, keys: Collection[str]) -> list[OutboxMessage]:
    """The outbox rows with these keys (what became of some messages), for the staff view."""
    if not keys:
        return []
    result = await session.execute(
        select(OutboxMessage).where(col(OutboxMessage.key).in_(list(keys)))
    )
    return list(result.scalars())


async def statuses_by_key(session: AsyncSession, keys: Collection[str]) -> dict[str, str]:
    c = OUTBOX.c
    result = await session.execute(select(c.key, c.status).where(c.key.in_(list(keys))))
    return {str(k): str(s) for k, s in result.all()}


# --- the rules' scans: dossiers somebody follows, or (by phone) nobody follows ---------------


class Audience(StrEnum):
    FOLLOWERS = "followers"  # an active subscription
    PHONE = "phone"  # no active subscription, a phone on file (ZNS)


@dataclass(frozen=True, slots=True)
class DossierSnapshot:
    """The dossier columns the rules read; plain rows, not ORM objects, so big scans stay fast."""

    id: int
    receipt_code: str
    procedure_name: str | None
    received_at: datetime
    due_at: datetime | None
    status: str
    status_at: datetime
    agency: str | None
    note: str | None
    apology_reason: str | None
    new_due_at: datetime | None
    applicant_name: str | None
    accepted_at: datetime | None
    clock_stopped_at: datetime | None


_SNAPSHOT = tuple(getattr(Dossier, name) for name in DossierSnapshot.__slots__)


def _snapshot_select() -> Any:
    return select(*(col(c) for c in _SNAPSHOT))


async def _snapshots(session: AsyncSession, stmt: Any) -> list[DossierSnapshot]:
    result = await session.execute(stmt)
    return [DossierSnapshot(*row) for row in result.all()]


def _followed() -> Any:
    return exists().where(
        col(Subscription.dossier_id) == col(Dossier.id), col(Subscription.ended_at).is_(None)
    )


def _audience(audience: Audience) -> Any:
    if audience is Audience.FOLLOWERS:
        return _followed()
    return and_(~_followed(), col(Dossier.applicant_phone).is_not(None))


async def overdue(
    session: AsyncSession,
    running_statuses: Sequence[str],
    now: datetime,
    audience: Audience | None = Audience.FOLLOWERS,
    *,
    limit: int | None = None,
) -> list[DossierSnapshot]:
    """Dossiers whose clock runs and whose due time has passed: one range scan of
    (status, due_at). ``audience`` None: everyone."""
    stmt = _snapshot_select().where(
        col(Dossier.status).in_(list(running_statuses)), col(Dossier.due_at) < now
    )
    if audience is not None:
        stmt = stmt.where(_audience(audience))
    stmt = stmt.order_by(col(Dossier.due_at))
    if limit is not None:
        stmt = stmt.limit(limit)
    return await _snapshots(session, stmt)


async def due_between(
    session: AsyncSession,
    running_statuses: Sequence[str],
    start: datetime,
    end: datetime,
    audience: Audience = Audience.FOLLOWERS,
) -> list[DossierSnapshot]:
    """Dossiers whose clock runs, due (or newly due) within [start, end)."""
    stmt = _snapshot_select().where(
        col(Dossier.status).in_(list(running_statuses)),
        or_(
            and_(col(Dossier.due_at) >= start, col(Dossier.due_at) < end),
            and_(col(Dossier.new_due_at) >= start, col(Dossier.new_due_at) < end),
        ),
        _audience(audience),
    )
    return await _snapshots(session, stmt)


async def in_status_since_before(
    session: AsyncSession,
    status: str,
    before: datetime,
    audience: Audience = Audience.FOLLOWERS,
) -> list[DossierSnapshot]:
    """Dossiers that reached ``status`` before ``before`` and are still in it."""
    stmt = _snapshot_select().where(
        col(Dossier.status) == status, col(Dossier.status_at) < before, _audience(audience)
    )
    return await _snapshots(session, stmt)


async def events_since(
    session: AsyncSession,
    statuses: Collection[str],
    since: datetime,
    audience: Audience = Audience.FOLLOWERS,
) -> list[tuple[StatusEvent, Dossier, str | None]]:
    """Recent status events (those with a status in ``statuses``, a recorded new date or
    reason), oldest first, each with its dossier and the status just before it."""
    prev = StatusEvent.__table__.alias("prev")  # type: ignore[attr-defined]
    previous = (
        select(prev.c.status)
        .where(
            prev.c.dossier_id == col(StatusEvent.dossier_id),
            or_(
                prev.c.at < col(StatusEvent.at),
                and_(prev.c.at == col(StatusEvent.at), prev.c.id < col(StatusEvent.id)),
            ),
        )
        .order_by(prev.c.at.desc(), prev.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    stmt = (
        select(StatusEvent, Dossier, previous)
        .join(Dossier, col(Dossier.id) == col(StatusEvent.dossier_id))
        .where(
            or_(
                col(StatusEvent.status).in_(list(statuses)),
                col(StatusEvent.new_due_at).is_not(None),
                col(StatusEvent.apology_reason).is_not(None),
            ),
            col(StatusEvent.at) >= since,
            _audience(audience),
        )
        .order_by(col(StatusEvent.at), col(StatusEvent.id))
    )
    result = await session.execute(stmt)
    return [(e, d, p) for e, d, p in result.all()]


async def recipients(
    session: AsyncSession, dossier_ids: Collection[int]
) -> dict[int, list[tuple[str, str, datetime]]]:
    """Active subscriptions per dossier: {dossier_id: [(channel, user_id, since), ...]}."""
    found: dict[int, list[tuple[str, str, datetime]]] = {}
    ids = list(dossier_ids)
    for start in range(0, len(ids), BATCH):
        result = await session.execute(
            select(
                col(Subscription.dossier_id),
                col(Subscription.channel),
                col(Subscription.user_id),
                col(Subscription.created_at),
            )
            .where(
                col(Subscription.dossier_id).in_(ids[start : start + BATCH]),
                col(Subscription.ended_at).is_(None),
            )
            .order_by(col(Subscription.id))
        )
        for dossier_id, channel, user_id, since in result.all():
            found.setdefault(dossier_id, []).append((channel, user_id, since))
    return found


async def backlog(session: AsyncSession) -> list[tuple[str, int, datetime | None]]:
    """(channel, rows waiting to be sent, when the oldest of them was queued), for /metrics."""
    c = OUTBOX.c
    result = await session.execute(
        select(c.channel, func.count(), func.min(c.created_at))
        .where(c.status.in_(("pending", "sending")))
        .group_by(c.channel)
    )
    return [(str(ch), int(n), oldest) for ch, n, oldest in result.all()]
