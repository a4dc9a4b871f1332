"""Phone numbers users shared with the bot, keyed by (channel, user). Never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import Contact
from storage.statements import upsert_insert


async def save_contact(
    session: AsyncSession, channel: str, user_id: str, phone: str, now: datetime
) -> None:
    """Remember the user's (already normalised) phone; a newer one replaces the old."""
    stmt = upsert_insert(session, Contact).values(
        channel=channel, user_id=user_id, phone=phone, created_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["channel", "user_id"],
        set_={"phone": stmt.excluded.phone, "created_at": stmt.excluded.created_at},
    )
    await session.execute(stmt)


async def get_contact(session: AsyncSession, channel: str, user_id: str) -> Contact | None:
    return await session.get(Contact, (channel, user_id))


async def users_with_phone(session: AsyncSession, phone: str) -> list[Contact]:
    result = await session.execute(
        select(Contact).where(col(Contact.phone) == phone).order_by(col(Contact.created_at))
    )
    return list(result.scalars())
