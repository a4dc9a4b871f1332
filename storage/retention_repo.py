"""Personal fields of closed dossiers, erased once kept long enough ([privacy] retention_days):
the applicant's name and phone, the agency's notes, who followed it and what was pushed to
them. What the reports count (status, dates, procedure, agency) stays. Never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import Dossier, OutboxMessage, StatusEvent, Subscription

CLOSED = ("returned", "rejected", "withdrawn")  # nothing more will happen to them
ERASED_BODY = '{"text": "", "buttons": []}'
BATCH = 500


async def closed_before(session: AsyncSession, cutoff: datetime, limit: int = BATCH) -> list[int]:
    """Ids of closed dossiers, closed before ``cutoff``, that still hold personal fields."""
    result = await session.execute(
        select(col(Dossier.id))
        .where(
            col(Dossier.status).in_(CLOSED),
            col(Dossier.status_at) < cutoff,
            or_(
                col(Dossier.applicant_name).is_not(None),
                col(Dossier.applicant_phone).is_not(None),
                col(Dossier.note).is_not(None),
            ),
        )
        .limit(limit)
    )
    return [int(i) for i in result.scalars() if i is not None]


async def erase(session: AsyncSession, ids: list[int]) -> None:
    """Erases the personal fields of these dossiers and what links them to a person."""
    if not ids:
        return
    await session.execute(
        update(Dossier)
        .where(col(Dossier.id).in_(ids))
        .values(applicant_name=None, applicant_phone=None, note=None)
    )
    await session.execute(
        update(StatusEvent).where(col(StatusEvent.dossier_id).in_(ids)).values(note=None)
    )
    await session.execute(delete(Subscription).where(col(Subscription.dossier_id).in_(ids)))
    await session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.dossier_id).in_(ids),
            col(OutboxMessage.status).in_(("sent", "failed", "cancelled")),
        )
        .values(body=ERASED_BODY, facts=None, recipient="", last_error=None)
    )
