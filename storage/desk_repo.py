"""What the staff desk shows beside a dossier (its due lists are storage.dossiers_repo's): what
the outbox sent about it and who follows it. Read-only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import Dossier, OutboxMessage, Subscription


@dataclass(frozen=True, slots=True)
class SentRow:
    dossier_id: int
    rule: str
    occurrence: str  # which one of the rule's notices (e.g. "letter-2026-12-01", the letter)
    channel: str
    status: str
    created_at: datetime
    sent_at: datetime | None


async def sent_about(session: AsyncSession, dossier_ids: Sequence[int]) -> list[SentRow]:
    """Every outbox row about these dossiers (no recipients), oldest first."""
    if not dossier_ids:
        return []
    result = await session.execute(
        select(
            col(OutboxMessage.dossier_id),
            col(OutboxMessage.rule),
            col(OutboxMessage.key),
            col(OutboxMessage.channel),
            col(OutboxMessage.status),
            col(OutboxMessage.created_at),
            col(OutboxMessage.sent_at),
        )
        .where(col(OutboxMessage.dossier_id).in_(list(dossier_ids)))
        .order_by(col(OutboxMessage.created_at), col(OutboxMessage.id))
    )
    # The key is "dossier:rule:occurrence:channel:recipient" (notifications.jobs.outbox_key).
    return [
        SentRow(int(d or 0), r, _occurrence(key), c, s, at, sent)
        for d, r, key, c, s, at, sent in result.all()
    ]


def _occurrence(key: str) -> str:
    parts = key.split(":")
    return parts[2] if len(parts) > 2 else ""


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
