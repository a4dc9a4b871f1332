"""Who follows which dossier: add (idempotent, re-activates), list, end. Never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import Dossier, Subscription


async def add_subscription(
    session: AsyncSession, dossier_id: int, channel: str, user_id: str, now: datetime
) -> tuple[Subscription, bool]:
    """Subscribe the user; returns (row, True when it is new or was ended before)."""
    result = await session.execute(
        select(Subscription).where(
            col(Subscription.dossier_id) == dossier_id,
            col(Subscription.channel) == channel,
            col(Subscription.user_id) == user_id,
        )
    )
    row = result.scalar_one_or_none()
    if row is None:
        row = Subscription(dossier_id=dossier_id, channel=channel, user_id=user_id, created_at=now)
        session.add(row)
        await session.flush()
        return row, True
    if row.ended_at is None:
        return row, False
    row.ended_at = None
    row.end_reason = None
    row.created_at = now
    await session.flush()
    return row, True


async def list_for_user(
    session: AsyncSession, channel: str, user_id: str, *, active_only: bool = True
) -> list[tuple[Subscription, Dossier]]:
    """The user's subscriptions with their dossiers, newest first."""
    stmt = (
        select(Subscription, Dossier)
        .join(Dossier, col(Dossier.id) == col(Subscription.dossier_id))
        .where(col(Subscription.channel) == channel, col(Subscription.user_id) == user_id)
        .order_by(col(Subscription.created_at).desc())
    )
    if active_only:
        stmt = stmt.where(col(Subscription.ended_at).is_(None))
    result = await session.execute(stmt)
    return [(s, d) for s, d in result.all()]


async def list_for_dossier(session: AsyncSession, dossier_id: int) -> list[Subscription]:
    """Active subscriptions of a dossier (the recipients of its notifications)."""
    result = await session.execute(
        select(Subscription)
        .where(col(Subscription.dossier_id) == dossier_id, col(Subscription.ended_at).is_(None))
        .order_by(col(Subscription.id))
    )
    return list(result.scalars())


async def end_subscription(
    session: AsyncSession,
    dossier_id: int,
    channel: str,
    user_id: str,
    *,
    reason: str,
    now: datetime,
) -> bool:
    """End one active subscription; False when there was none."""
    result = await session.execute(
        update(Subscription)
        .where(
            col(Subscription.dossier_id) == dossier_id,
            col(Subscription.channel) == channel,
            col(Subscription.user_id) == user_id,
            col(Subscription.ended_at).is_(None),
        )
        .values(ended_at=now, end_reason=reason)
        .returning(col(Subscription.id))
    )
    return len(result.all()) > 0


async def end_all_for_user(
    session: AsyncSession, channel: str, user_id: str, *, reason: str, now: datetime
) -> int:
    """End every active subscription of a user (e.g. the user blocked the bot); returns count."""
    result = await session.execute(
        update(Subscription)
        .where(
            col(Subscription.channel) == channel,
            col(Subscription.user_id) == user_id,
            col(Subscription.ended_at).is_(None),
        )
        .values(ended_at=now, end_reason=reason)
        .returning(col(Subscription.id))
    )
    return len(result.all())


async def count_active(session: AsyncSession, dossier_id: int) -> int:
    """How many chats follow the dossier now (a token or the phone digits let a chat join)."""
    result = await session.execute(
        select(func.count())
        .select_from(Subscription)
        .where(col(Subscription.dossier_id) == dossier_id, col(Subscription.ended_at).is_(None))
    )
    return int(result.scalar_one())
