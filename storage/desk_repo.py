"""What the staff desk lists: open dossiers due soon or overdue (by the stored due fields),
what the outbox sent about them and who follows them. Read-only."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import Dossier, OutboxMessage, Subscription


@dataclass(frozen=True, slots=True)
class DueRow:
    id: int
    receipt_code: str
    procedure_code: str | None
    procedure_name: str | None
    agency: str | None
    received_at: datetime
    due_at: datetime | None
    new_due_at: datetime | None
    status: str
    status_at: datetime
    apology_reason: str | None


@dataclass(frozen=True, slots=True)
class SentRow:
    dossier_id: int
    rule: str
    channel: str
    status: str
    created_at: datetime
    sent_at: datetime | None


_COLUMNS = tuple(getattr(Dossier, name) for name in DueRow.__slots__)


def _due_before(horizon: datetime) -> Any:
    """The date that counts (the agency's new date, else the first one) is before ``horizon``."""
    return or_(
        and_(col(Dossier.new_due_at).is_(None), col(Dossier.due_at) < horizon),
        col(Dossier.new_due_at) < horizon,
    )


def _where(
    open_statuses: Collection[str], horizon: datetime, agency: str | None, procedure: str | None
) -> list[Any]:
    where = [col(Dossier.status).in_(list(open_statuses)), _due_before(horizon)]
    if agency is not None:
        where.append(col(Dossier.agency) == agency)
    if procedure is not None:
        where.append(col(Dossier.procedure_code) == procedure)
    return where


async def due_before(
    session: AsyncSession,
    open_statuses: Collection[str],
    horizon: datetime,
    *,
    agency: str | None = None,
    procedure: str | None = None,
    limit: int = 200,
) -> list[DueRow]:
    """Open dossiers whose date falls before ``horizon``, the earliest first."""
    due = func.coalesce(col(Dossier.new_due_at), col(Dossier.due_at))
    result = await session.execute(
        select(*(col(c) for c in _COLUMNS))
        .where(*_where(open_statuses, horizon, agency, procedure))
        .order_by(due, col(Dossier.id))
        .limit(limit)
    )
    return [DueRow(*row) for row in result.all()]


async def due_facets(
    session: AsyncSession,
    open_statuses: Collection[str],
    horizon: datetime,
    *,
    agency: str | None = None,
) -> tuple[list[tuple[str, int]], list[tuple[str, str | None, int]]]:
    """The agencies (name, count) and procedures (code, name, count) of those dossiers, for
    the filters; ``agency`` narrows both (an officer bound to one agency)."""
    where = _where(open_statuses, horizon, agency, None)
    agency_col = col(Dossier.agency)
    agencies = await session.execute(
        select(agency_col, func.count())
        .where(*where, agency_col.is_not(None))
        .group_by(agency_col)
        .order_by(agency_col)
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
        [(str(c), name, int(n)) for c, name, n in procedures.all()],
    )


async def sent_about(session: AsyncSession, dossier_ids: Sequence[int]) -> list[SentRow]:
    """Every outbox row about these dossiers (no recipients), oldest first."""
    if not dossier_ids:
        return []
    result = await session.execute(
        select(
            col(OutboxMessage.dossier_id),
            col(OutboxMessage.rule),
            col(OutboxMessage.channel),
            col(OutboxMessage.status),
            col(OutboxMessage.created_at),
            col(OutboxMessage.sent_at),
        )
        .where(col(OutboxMessage.dossier_id).in_(list(dossier_ids)))
        .order_by(col(OutboxMessage.created_at), col(OutboxMessage.id))
    )
    return [SentRow(int(d or 0), r, c, s, at, sent) for d, r, c, s, at, sent in result.all()]


async def followers(session: AsyncSession, dossier_ids: Sequence[int]) -> dict[int, int]:
    """Active subscriptions per dossier."""
    if not dossier_ids:
        return {}
    dossier = col(Subscription.dossier_id)
    result = await session.execute(
        select(dossier, func.count())
        .where(dossier.in_(list(dossier_ids)), col(Subscription.ended_at).is_(None))
        .group_by(dossier)
    )
    return {int(d): int(n) for d, n in result.all()}


async def agency_known(session: AsyncSession, agency: str) -> bool:
    """Whether any dossier names this agency (a check when an account is bound to one)."""
    found = await session.scalar(
        select(col(Dossier.id)).where(col(Dossier.agency) == agency).limit(1)
    )
    return found is not None
