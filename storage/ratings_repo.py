"""Satisfaction ratings after a dossier is returned: one per (dossier, chat). Never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage import one_stop_tally
from storage.models import Rating, Subscription
from storage.statements import upsert_insert

RATINGS = Rating.__table__  # type: ignore[attr-defined]


async def save_rating(
    session: AsyncSession,
    dossier_id: int,
    channel: str,
    user_id: str,
    *,
    value: int,
    now: datetime,
) -> None:
    """Store the answer; pressing another button later replaces it."""
    stmt = upsert_insert(session, RATINGS).values(
        dossier_id=dossier_id, channel=channel, user_id=user_id, value=value, created_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["dossier_id", "channel", "user_id"],
        set_={"value": stmt.excluded.value, "created_at": stmt.excluded.created_at},
    )
    await session.execute(stmt)
    # The satisfaction table of the one-stop tally moves with it.
    await one_stop_tally.refresh(session, [dossier_id])


async def is_subscriber(
    session: AsyncSession, dossier_id: int, channel: str, user_id: str
) -> bool:
    """Only a chat that followed the dossier may rate it (a payload can be forged)."""
    result = await session.execute(
        select(func.count())
        .select_from(Subscription)
        .where(
            col(Subscription.dossier_id) == dossier_id,
            col(Subscription.channel) == channel,
            col(Subscription.user_id) == user_id,
        )
    )
    return int(result.scalar_one()) > 0


async def get_rating(
    session: AsyncSession, dossier_id: int, channel: str, user_id: str
) -> int | None:
    result = await session.execute(
        select(col(Rating.value)).where(
            col(Rating.dossier_id) == dossier_id,
            col(Rating.channel) == channel,
            col(Rating.user_id) == user_id,
        )
    )
    value = result.scalar_one_or_none()
    return None if value is None else int(value)
