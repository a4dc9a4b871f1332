"""Dossier and status-event queries; bulk upserts for imports. Never commits (callers do)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exists, func, or_, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import Dossier, StatusEvent, Subscription
from storage.statements import single_statement, upsert_insert

# Columns an import may set; id, created_at stay as first written.
DOSSIER_COLUMNS = (
    "receipt_code",
    "procedure_code",
    "procedure_name",
    "applicant_name",
    "applicant_phone",
    "received_at",
    "due_at",
    "base_due_at",
    "status",
    "status_at",
    "submitted_via",
    "agency",
    "note",
    "apology_reason",
    "new_due_at",
)
KEEP_WHEN_EMPTY = frozenset(DOSSIER_COLUMNS) - {
    "receipt_code",
    "received_at",
    "status",
    "status_at",
}
EVENT_COLUMNS = ("dossier_id", "status", "at", "note", "apology_reason", "new_due_at")
# Keeps each statement under SQLite's bound-parameter limit (32,766).
BATCH = 1000


async def get_by_code(session: AsyncSession, receipt_code: str) -> Dossier | None:
    """The dossier with this canonical receipt code (unique index lookup)."""
    result = await session.execute(
        select(Dossier).where(col(Dossier.receipt_code) == receipt_code)
    )
    return result.scalar_one_or_none()


# Built once: the per-call work is binding three values (this is the hot path of a lookup).
_FOR_USER = select(
    Dossier,
    exists()
    .where(
        col(Subscription.dossier_id) == col(Dossier.id),
        col(Subscription.channel) == bindparam("channel"),
        col(Subscription.user_id) == bindparam("user_id"),
        col(Subscription.ended_at).is_(None),
    )
    .label("follows"),
).where(col(Dossier.receipt_code) == bindparam("code"))


async def get_for_user(
    session: AsyncSession, receipt_code: str, channel: str, user_id: str
) -> tuple[Dossier, bool] | None:
    """The dossier with this code and whether this user follows it (an active subscription),
    in one statement: the unique code index, then the unique (dossier, channel, user) index.

    A read only. On PostgreSQL a session that has not begun yet runs it outside a transaction
    (autocommit: no BEGIN and ROLLBACK round trips); such a session must not write afterwards.
    """
    await single_statement(session)
    result = await session.execute(
        _FOR_USER, {"code": receipt_code, "channel": channel, "user_id": user_id}
    )
    row = result.one_or_none()
    return (row[0], bool(row[1])) if row is not None else None


async def get_by_id(session: AsyncSession, dossier_id: int) -> Dossier | None:
    return await session.get(Dossier, dossier_id)


async def get_many_by_codes(
    session: AsyncSession, receipt_codes: Collection[str]
) -> dict[str, Dossier]:
    found: dict[str, Dossier] = {}
    codes = list(receipt_codes)
    for start in range(0, len(codes), BATCH):
        chunk = codes[start : start + BATCH]
        result = await session.execute(select(Dossier).where(col(Dossier.receipt_code).in_(chunk)))
        found.update({d.receipt_code: d for d in result.scalars()})
    return found


async def current_statuses(
    session: AsyncSession, receipt_codes: Collection[str]
) -> dict[str, tuple[str, datetime]]:
    """code -> (status, status_at) for the codes that exist (a light read for imports)."""
    found: dict[str, tuple[str, datetime]] = {}
    codes = list(receipt_codes)
    columns = (col(Dossier.receipt_code), col(Dossier.status), col(Dossier.status_at))
    for start in range(0, len(codes), BATCH):
        chunk = codes[start : start + BATCH]
        result = await session.execute(
            select(*columns).where(col(Dossier.receipt_code).in_(chunk))
        )
        found.update({code: (status, at) for code, status, at in result.all()})
    return found


async def upsert_dossiers(
    session: AsyncSession, rows: Sequence[Mapping[str, Any]], now: datetime
) -> dict[str, int]:
    """Insert new dossiers or overwrite existing ones by receipt code; returns code -> id.

    Each row holds the DOSSIER_COLUMNS; a later row for the same code in one call wins; a
    None in an update keeps the stored value (KEEP_WHEN_EMPTY).
    One cached statement run with many parameter sets (SQLAlchemy batches it as multi-row
    INSERT ... RETURNING), which keeps big imports fast.
    """
    latest = {row["receipt_code"]: row for row in rows}
    if not latest:
        return {}
    table = Dossier.__table__  # type: ignore[attr-defined]
    values = [
        {**{c: row.get(c) for c in DOSSIER_COLUMNS}, "created_at": now, "updated_at": now}
        for row in latest.values()
    ]
    stmt = upsert_insert(session, table)
    # An empty field in an update means "not given": the stored value stays (nothing is lost).
    updates = {
        c: func.coalesce(stmt.excluded[c], table.c[c])
        if c in KEEP_WHEN_EMPTY
        else stmt.excluded[c]
        for c in DOSSIER_COLUMNS
        if c != "receipt_code"
    }
    updates["updated_at"] = stmt.excluded["updated_at"]
    stmt = stmt.on_conflict_do_update(index_elements=["receipt_code"], set_=updates)
    conn = await session.connection()
    ids: dict[str, int] = {}
    for start in range(0, len(values), BATCH):
        result = await conn.execute(
            stmt.returning(table.c.id, table.c.receipt_code), values[start : start + BATCH]
        )
        ids.update({code: int(dossier_id) for dossier_id, code in result.all()})
    return ids


async def add_events(session: AsyncSession, events: Sequence[Mapping[str, Any]]) -> int:
    """Insert status events, skipping any (dossier, status, at) already stored; new count."""
    if not events:
        return 0
    table = StatusEvent.__table__  # type: ignore[attr-defined]
    values = [{c: e.get(c) for c in EVENT_COLUMNS} for e in events]
    stmt = upsert_insert(session, table).on_conflict_do_nothing(
        index_elements=["dossier_id", "status", "at"]
    )
    conn = await session.connection()
    added = 0
    for start in range(0, len(values), BATCH):
        result = await conn.execute(stmt.returning(table.c.id), values[start : start + BATCH])
        added += len(result.all())
    return added


async def add_event(
    session: AsyncSession,
    dossier_id: int,
    status: str,
    at: datetime,
    *,
    note: str | None = None,
    apology_reason: str | None = None,
    new_due_at: datetime | None = None,
) -> bool:
    """Record one status event; False when that exact event was already there."""
    event = {
        "dossier_id": dossier_id,
        "status": status,
        "at": at,
        "note": note,
        "apology_reason": apology_reason,
        "new_due_at": new_due_at,
    }
    return await add_events(session, [event]) == 1


async def list_events(session: AsyncSession, dossier_id: int) -> list[StatusEvent]:
    """The dossier's events, oldest first."""
    result = await session.execute(
        select(StatusEvent)
        .where(col(StatusEvent.dossier_id) == dossier_id)
        .order_by(col(StatusEvent.at), col(StatusEvent.id))
    )
    return list(result.scalars())


# --- the clock (handlers.dossiers.clock computes, these read and store) -----------------------


@dataclass(frozen=True, slots=True)
class ClockInputs:
    """What the clock reads of a dossier, and its stored reading (to skip unchanged rows)."""

    id: int
    procedure_code: str | None
    received_at: datetime
    base_due_at: datetime | None
    status: str
    status_at: datetime
    accepted_at: datetime | None
    due_at: datetime | None
    clock_stopped_at: datetime | None
    resolved_at: datetime | None


_CLOCK_INPUTS = tuple(getattr(Dossier, name) for name in ClockInputs.__slots__)


async def clock_inputs(session: AsyncSession, dossier_ids: Sequence[int]) -> list[ClockInputs]:
    found: list[ClockInputs] = []
    for start in range(0, len(dossier_ids), BATCH):
        result = await session.execute(
            select(*(col(c) for c in _CLOCK_INPUTS)).where(
                col(Dossier.id).in_(list(dossier_ids[start : start + BATCH]))
            )
        )
        found += [ClockInputs(*row) for row in result.all()]
    return found


async def status_steps(
    session: AsyncSession, dossier_ids: Sequence[int]
) -> dict[int, list[tuple[str, datetime]]]:
    """dossier id -> [(status, at)] oldest first: the history the clock reads."""
    steps: dict[int, list[tuple[str, datetime]]] = {}
    for start in range(0, len(dossier_ids), BATCH):
        result = await session.execute(
            select(col(StatusEvent.dossier_id), col(StatusEvent.status), col(StatusEvent.at))
            .where(col(StatusEvent.dossier_id).in_(list(dossier_ids[start : start + BATCH])))
            .order_by(col(StatusEvent.dossier_id), col(StatusEvent.at), col(StatusEvent.id))
        )
        for dossier_id, status, at in result.all():
            steps.setdefault(dossier_id, []).append((status, at))
    return steps


_SET_CLOCK = (
    update(Dossier)
    .where(col(Dossier.id) == bindparam("b_id"))
    .values(
        accepted_at=bindparam("b_accepted_at"),
        due_at=bindparam("b_due_at"),
        clock_stopped_at=bindparam("b_clock_stopped_at"),
        resolved_at=bindparam("b_resolved_at"),
    )
)


async def set_clocks(session: AsyncSession, readings: Sequence[Mapping[str, Any]]) -> None:
    """Store clock readings ({id, accepted_at, due_at, clock_stopped_at, resolved_at}) in one
    executemany."""
    if not readings:
        return
    conn = await session.connection()
    params = [{f"b_{k}": v for k, v in r.items()} for r in readings]
    for start in range(0, len(params), BATCH):
        await conn.execute(_SET_CLOCK, params[start : start + BATCH])


# --- staff lists (the console and ``motcua dossiers due``) -------------------------------------


def _scope(stmt: Any, agency: str | None, procedure: str | None = None) -> Any:
    if agency is not None:
        stmt = stmt.where(col(Dossier.agency) == agency)
    if procedure is not None:
        stmt = stmt.where(col(Dossier.procedure_code) == procedure)
    return stmt


async def due_within(
    session: AsyncSession,
    running_statuses: Collection[str],
    start: datetime,
    end: datetime,
    *,
    agency: str | None = None,
    procedure: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[Dossier]:
    """Dossiers whose clock runs and falls due in [start, end] (both ends: a closing time is a
    due time), soonest first: an index range of (status, due_at). Staff write the apology letter
    before the date from this list."""
    where = [col(Dossier.due_at) >= start, col(Dossier.due_at) <= end]
    return await _soonest_first(
        session, running_statuses, where, agency, procedure, limit=limit, offset=offset
    )


async def _soonest_first(
    session: AsyncSession,
    running_statuses: Collection[str],
    where: list[Any],
    agency: str | None,
    procedure: str | None,
    *,
    limit: int,
    offset: int,
) -> list[Dossier]:
    """A page of the running dossiers matching ``where``, by due time: one ordered range of
    (status, due_at) per status, each cut at the page's end, merged (an index cannot order two
    statuses' ranges together, and sorting every overdue dossier for fifty costs more)."""
    due, ident = col(Dossier.due_at), col(Dossier.id)
    parts: list[Any] = []
    for status in sorted(running_statuses):
        part: Any = select(ident.label("id"), due.label("due")).where(
            col(Dossier.status) == status, *where
        )
        part = _scope(part, agency, procedure).order_by(due, ident).limit(offset + limit)
        parts.append(select(part.subquery()))
    merged = union_all(*parts).subquery()
    page = select(merged.c.id).order_by(merged.c.due, merged.c.id).limit(limit).offset(offset)
    stmt = select(Dossier).where(ident.in_(page)).order_by(due, ident)
    return list((await session.execute(stmt)).scalars())


def _due_within(running_statuses: Collection[str], start: datetime, end: datetime) -> list[Any]:
    return [
        col(Dossier.status).in_(list(running_statuses)),
        col(Dossier.due_at) >= start,
        col(Dossier.due_at) <= end,
    ]


def _past_due(running_statuses: Collection[str], now: datetime) -> list[Any]:
    return [col(Dossier.status).in_(list(running_statuses)), col(Dossier.due_at) < now]


async def count_deadlines(
    session: AsyncSession,
    running_statuses: Collection[str],
    now: datetime,
    end: datetime,
    *,
    agency: str | None = None,
    procedure: str | None = None,
) -> tuple[int, int]:
    """How many are overdue, and how many fall due in [now, end] (the lists' lengths)."""
    counts = []
    for where in (_past_due(running_statuses, now), _due_within(running_statuses, now, end)):
        stmt = _scope(select(func.count()).select_from(Dossier).where(*where), agency, procedure)
        counts.append(int(await session.scalar(stmt) or 0))
    return counts[0], counts[1]


async def past_due(
    session: AsyncSession,
    running_statuses: Collection[str],
    now: datetime,
    *,
    agency: str | None = None,
    procedure: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[Dossier]:
    """Dossiers whose clock runs and whose due time has passed (late, "trễ hẹn", whether or not
    a new date was given), the longest overdue first."""
    where = [col(Dossier.due_at) < now]
    return await _soonest_first(
        session, running_statuses, where, agency, procedure, limit=limit, offset=offset
    )


async def deadline_facets(
    session: AsyncSession,
    running_statuses: Collection[str],
    end: datetime,
    *,
    agency: str | None = None,
) -> tuple[list[tuple[str, int]], list[tuple[str, str | None, int]]]:
    """The agencies (name, count) and procedures (code, name, count) of the running dossiers
    due by ``end`` (overdue or due soon), for the console's filters; ``agency`` narrows both."""
    where = [col(Dossier.status).in_(list(running_statuses)), col(Dossier.due_at) <= end]
    if agency is not None:
        where.append(col(Dossier.agency) == agency)
    name = col(Dossier.agency)
    agencies = await session.execute(
        select(name, func.count()).where(*where, name.is_not(None)).group_by(name).order_by(name)
    )
    code = col(Dossier.procedure_code)
    procedures = await session.execute(
        select(code, func.min(col(Dossier.procedure_name)), func.count())
        .where(*where, code.is_not(None))
        .group_by(code)
        .order_by(code)
    )
    return (
        [(str(a), int(n)) for a, n in agencies.all()],
        [(str(c), p, int(n)) for c, p, n in procedures.all()],
    )


async def overdue_without_apology_details(
    session: AsyncSession,
    running_statuses: Collection[str],
    now: datetime,
    *,
    agency: str | None = None,
    limit: int = 200,
) -> list[Dossier]:
    """Dossiers whose clock's due time passed while it ran, and for which the agency has not
    recorded both a reason and a new date still ahead: the letters staff still owe."""
    reason = col(Dossier.apology_reason)
    new_due = col(Dossier.new_due_at)
    stmt = select(Dossier).where(
        col(Dossier.status).in_(list(running_statuses)),
        col(Dossier.due_at) < now,
        or_(reason.is_(None), func.trim(reason) == "", new_due.is_(None), new_due <= now),
    )
    stmt = _scope(stmt, agency).order_by(col(Dossier.due_at), col(Dossier.id)).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def find_by_phone(session: AsyncSession, phone: str, *, limit: int = 50) -> list[Dossier]:
    """Dossiers filed with this (normalised) phone number, newest first."""
    result = await session.execute(
        select(Dossier)
        .where(col(Dossier.applicant_phone) == phone)
        .order_by(col(Dossier.received_at).desc())
        .limit(limit)
    )
    return list(result.scalars())
