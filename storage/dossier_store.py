"""The dossier dialog's units of work over SQL (handlers.dossiers.ports.DossierStore): each
method one repository call, the transaction the caller's ``writing`` block."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import contacts_repo, dossiers_repo, subscriptions_repo
from storage.models import Dossier

Follower = tuple[str, str]


class SqlDossierUnit:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def dossier(self, code: str) -> Dossier | None:
        return await dossiers_repo.get_by_code(self._session, code)

    async def dossier_by_id(self, dossier_id: int) -> Dossier | None:
        return await dossiers_repo.get_by_id(self._session, dossier_id)

    async def dossier_for(self, code: str, follower: Follower) -> tuple[Dossier, bool] | None:
        return await dossiers_repo.get_for_user(self._session, code, *follower)

    async def dossiers_with_phone(self, phone: str, limit: int) -> list[Dossier]:
        return await dossiers_repo.find_by_phone(self._session, phone, limit=limit)

    async def followed(self, follower: Follower) -> list[Dossier]:
        rows = await subscriptions_repo.list_for_user(self._session, *follower)
        return [dossier for _, dossier in rows]

    async def followers(self, dossier_id: int) -> int:
        return await subscriptions_repo.count_active(self._session, dossier_id)

    async def follow(self, dossier_id: int, follower: Follower, now: datetime) -> bool:
        _, new = await subscriptions_repo.add_subscription(
            self._session, dossier_id, *follower, now
        )
        return new

    async def unfollow(self, dossier_id: int, follower: Follower, now: datetime) -> bool:
        channel, user_id = follower
        return await subscriptions_repo.end_subscription(
            self._session, dossier_id, channel, user_id, reason="user", now=now
        )

    async def verified_phone(self, follower: Follower) -> str | None:
        contact = await contacts_repo.get_contact(self._session, *follower)
        return contact.phone if contact is not None else None

    async def link_phone(self, follower: Follower, phone: str, now: datetime) -> None:
        await contacts_repo.save_contact(self._session, *follower, phone, now)


class SqlDossierStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[SqlDossierUnit]:
        async with self._sessions() as session:
            yield SqlDossierUnit(session)

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[SqlDossierUnit]:
        async with self._sessions() as session, session.begin():
            yield SqlDossierUnit(session)
