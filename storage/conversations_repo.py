"""The SQL conversation store (handlers.conversation.ConversationStore), one row per user."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from storage.models import Conversation
from storage.statements import single_statement, upsert_insert
from storage.types import utcnow


class SqlConversationStore:
    """Each call is one statement of its own: the core commits nothing itself."""

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = factory

    async def load(self, channel: str, user_id: str) -> str | None:
        async with self._factory() as session:
            await single_statement(session)
            row = await session.get(Conversation, (channel, user_id))
            return row.state if row is not None else None

    async def save(self, channel: str, user_id: str, state: str) -> None:
        # One upsert is atomic by itself: no BEGIN/COMMIT round trips around it.
        async with self._factory() as session:
            await single_statement(session)
            stmt = upsert_insert(session, Conversation).values(
                channel=channel, user_id=user_id, state=state, updated_at=utcnow()
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=["channel", "user_id"],
                set_={"state": stmt.excluded.state, "updated_at": stmt.excluded.updated_at},
            )
            await session.execute(stmt)
            await session.commit()  # a no-op on PostgreSQL (autocommit); commits on SQLite

    async def forget(self, channel: str, user_id: str) -> None:
        async with self._factory() as session, session.begin():
            await session.execute(
                delete(Conversation).where(
                    col(Conversation.channel) == channel, col(Conversation.user_id) == user_id
                )
            )


async def delete_stale(factory: async_sessionmaker[AsyncSession], before: datetime) -> int:
    """Deletes the conversation state of every (channel, user) untouched since ``before``
    (``[privacy] retention_days``); returns how many rows went."""
    async with factory() as session, session.begin():
        result = await session.execute(
            delete(Conversation)
            .where(col(Conversation.updated_at) < before)
            .returning(col(Conversation.user_id))
        )
        return len(result.all())
