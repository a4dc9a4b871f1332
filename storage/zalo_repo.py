"""Zalo's tables: the singleton token pair, webhook delivery keys, and a Zalo user's own data
(shared phone, the subscriptions it proves, deletion on ``user_withdraw``).

Each store method is one short transaction, like ``SqlConversationStore``: the Zalo adapter has
no other unit of work to join.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from storage import subscriptions_repo
from storage.models import (
    Contact,
    Conversation,
    Dossier,
    OutboxMessage,
    Rating,
    Subscription,
    WebhookEvent,
    ZaloToken,
)
from storage.statements import is_postgresql, upsert_insert
from storage.types import utcnow

TOKEN_ROW = 1
ASSUMED_LIFETIME = timedelta(hours=25)  # Zalo's access-token lifetime, when none was given


@dataclass(frozen=True, slots=True)
class StoredTokens:
    access_token: str
    refresh_token: str
    expires_at: datetime | None
    version: int


Refresh = Callable[[str], Awaitable[StoredTokens]]


class TokenRaceError(RuntimeError):
    """The version moved under our lock: the lock did not hold (should never happen)."""


class SqlZaloTokenStore:
    """The pair lives in row 1; a refresh holds a write lock on it across replicas:
    ``SELECT ... FOR UPDATE`` on PostgreSQL, SQLite's single writer lock (``BEGIN
    IMMEDIATE``), and a version check on write as a last guard."""

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = factory

    async def load(self) -> StoredTokens | None:
        async with self._factory() as session:
            row = await session.get(ZaloToken, TOKEN_ROW, populate_existing=True)
            return _stored(row) if row is not None else None

    async def seed(self, pair: StoredTokens) -> StoredTokens:
        now = utcnow()
        async with self._factory() as session, session.begin():
            stmt = upsert_insert(session, ZaloToken).values(
                id=TOKEN_ROW,
                access_token=pair.access_token,
                refresh_token=pair.refresh_token,
                expires_at=pair.expires_at or now + ASSUMED_LIFETIME,
                updated_at=now,
                version=1,
            )
            await session.execute(stmt.on_conflict_do_nothing(index_elements=["id"]))
        stored = await self.load()
        assert stored is not None
        return stored

    async def rotate(self, seen_access: str, refresh: Refresh) -> StoredTokens:
        async with self._factory() as session, session.begin():
            row = await _lock_row(session)
            if row is None:
                raise LookupError("no OA token stored")
            if row.access_token != seen_access:
                return _stored(row)  # another replica refreshed while we waited for the lock
            version = row.version
            fresh = await refresh(row.refresh_token)
            result = await session.execute(
                update(ZaloToken)
                .where(col(ZaloToken.id) == TOKEN_ROW, col(ZaloToken.version) == version)
                .values(
                    access_token=fresh.access_token,
                    refresh_token=fresh.refresh_token,
                    expires_at=fresh.expires_at or utcnow() + ASSUMED_LIFETIME,
                    updated_at=utcnow(),
                    version=version + 1,
                )
                .returning(col(ZaloToken.version))
                .execution_options(synchronize_session=False)
            )
            if result.first() is None:
                raise TokenRaceError("zalo_tokens changed under the refresh lock")
        # Committed: only now may anyone use the new pair.
        return StoredTokens(fresh.access_token, fresh.refresh_token, fresh.expires_at, version + 1)


async def _lock_row(session: AsyncSession) -> ZaloToken | None:
    if not is_postgresql(session):
        # Take SQLite's writer lock before any read: a deferred transaction would read a
        # snapshot from before the lock was granted and could refresh a second time.
        await session.execute(text("BEGIN IMMEDIATE"))
        stmt = select(ZaloToken).where(col(ZaloToken.id) == TOKEN_ROW)
    else:
        stmt = select(ZaloToken).where(col(ZaloToken.id) == TOKEN_ROW).with_for_update()
    result = await session.execute(stmt.execution_options(populate_existing=True))
    return result.scalar_one_or_none()


def _stored(row: ZaloToken) -> StoredTokens:
    return StoredTokens(row.access_token, row.refresh_token, row.expires_at, row.version)


class SqlWebhookLedger:
    """Remembers delivery keys: the first replica to insert a key handles that delivery."""

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = factory

    async def first_time(self, key: str, source: str) -> bool:
        async with self._factory() as session, session.begin():
            stmt = (
                upsert_insert(session, WebhookEvent)
                .values(key=key[:255], source=source, received_at=utcnow())
                .on_conflict_do_nothing(index_elements=["key"])
                .returning(col(WebhookEvent.key))
            )
            result = await session.execute(stmt)
            return result.first() is not None

    async def first_time_many(self, keys: list[str], source: str) -> set[str]:
        """The keys (of ``keys``) not seen before, recorded now: one statement for a burst."""
        rows = [
            {"key": k[:255], "source": source, "received_at": utcnow()}
            for k in dict.fromkeys(keys)
        ]
        if not rows:
            return set()
        async with self._factory() as session, session.begin():
            if is_postgresql(session):
                # A dedupe key lost in a database crash costs at most one repeated answer;
                # not waiting for the WAL flush keeps the webhook's 200 fast.
                await session.execute(text("SET LOCAL synchronous_commit = off"))
            stmt = (
                upsert_insert(session, WebhookEvent)
                .values(rows)
                .on_conflict_do_nothing(index_elements=["key"])
                .returning(col(WebhookEvent.key))
            )
            return {row[0] for row in (await session.execute(stmt)).all()}

    async def prune(self, older_than: datetime) -> int:
        """Drops keys older than Zalo's last retry could be (hours); returns how many."""
        async with self._factory() as session, session.begin():
            result = await session.execute(
                delete(WebhookEvent)
                .where(col(WebhookEvent.received_at) < older_than)
                .returning(col(WebhookEvent.key))
            )
            return len(result.all())


@dataclass(frozen=True, slots=True)
class ZnsDossier:
    """What a ZNS template may show about a dossier; its phone is the destination."""

    id: int
    receipt_code: str
    phone: str | None
    procedure_name: str | None
    received_at: datetime
    due_at: datetime | None
    new_due_at: datetime | None
    apology_reason: str | None


class SqlZaloUsers:
    """A Zalo user's own data (following by a shared phone is handlers.dossiers.possession);
    ``channel``: the channel's name in the shared tables (bot/ owns it)."""

    def __init__(self, factory: async_sessionmaker[AsyncSession], *, channel: str) -> None:
        self._factory = factory
        self._channel = channel

    async def zns_facts(self, dossier_id: int) -> ZnsDossier | None:
        async with self._factory() as session:
            d = await session.get(Dossier, dossier_id)
        if d is None or d.id is None:
            return None
        return ZnsDossier(
            d.id,
            d.receipt_code,
            d.applicant_phone,
            d.procedure_name,
            d.received_at,
            d.due_at,
            d.new_due_at,
            d.apology_reason,
        )

    async def end_subscriptions(self, user_id: str, reason: str) -> int:
        async with self._factory() as session, session.begin():
            return await subscriptions_repo.end_all_for_user(
                session, self._channel, user_id, reason=reason, now=utcnow()
            )

    async def forget(self, user_id: str, state_channels: tuple[str, ...]) -> dict[str, int]:
        """Deletes everything held on the user (``user_withdraw``); returns counts per table."""
        counts: dict[str, int] = {}
        async with self._factory() as session, session.begin():
            for name, stmt in (
                (
                    "conversations",
                    delete(Conversation).where(
                        col(Conversation.channel).in_(state_channels),
                        col(Conversation.user_id) == user_id,
                    ),
                ),
                (
                    "subscriptions",
                    delete(Subscription).where(
                        col(Subscription.channel) == self._channel,
                        col(Subscription.user_id) == user_id,
                    ),
                ),
                (
                    "contacts",
                    delete(Contact).where(
                        col(Contact.channel) == self._channel, col(Contact.user_id) == user_id
                    ),
                ),
                (
                    "ratings",
                    delete(Rating).where(
                        col(Rating.channel) == self._channel, col(Rating.user_id) == user_id
                    ),
                ),
            ):
                result = await session.execute(stmt)
                counts[name] = int(getattr(result, "rowcount", 0) or 0)
            result = await session.execute(
                update(OutboxMessage)
                .where(
                    col(OutboxMessage.channel) == self._channel,
                    col(OutboxMessage.recipient) == user_id,
                    col(OutboxMessage.status) == "pending",
                )
                .values(status="cancelled", last_error="user_withdraw")
            )
            counts["outbox_cancelled"] = int(getattr(result, "rowcount", 0) or 0)
        return counts
