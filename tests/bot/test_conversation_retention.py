"""Retention: conversation state untouched for [privacy] conversation_days is deleted; recent
state, dossiers and subscriptions are kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.retention import prune_once
from storage.conversations_repo import SqlConversationStore
from storage.engine import SessionFactory
from storage.models import Conversation


async def test_stale_conversations_are_deleted(session_factory: SessionFactory) -> None:
    store = SqlConversationStore(session_factory)
    now = datetime.now(UTC)
    for user in ("old-1", "old-2", "recent"):
        await store.save("web", user, "{}")
    async with session_factory() as session, session.begin():
        for row in (await session.execute(select(Conversation))).scalars():
            if row.user_id.startswith("old"):
                row.updated_at = now - timedelta(days=31)
            else:
                row.updated_at = now - timedelta(days=29)
    assert await prune_once(session_factory, 30, now) == 2
    assert await store.load("web", "recent") == "{}"
    assert await store.load("web", "old-1") is None
    assert await prune_once(session_factory, 30, now) == 0
    # 0 keeps everything.
    assert await prune_once(session_factory, 0, now + timedelta(days=400)) == 0
    assert await store.load("web", "recent") == "{}"
