"""What the dossier dialog needs from outside, as Protocols: stored dossiers, who follows them,
the phones platforms verified (links) and the limits' counters (handlers.ratelimit).

A use case opens one unit of work (``DossierStore.reading`` or ``writing``) and calls the
unit's methods inside it; storage.dossier_store implements both over SQL. The dialog never
sees a table, a session or a Redis client.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from handlers.dossiers.view import DossierFacts

# Who follows: (channel, user id on that channel).
Follower = tuple[str, str]


class DossierRecord(DossierFacts, Protocol):
    """A stored dossier as the dialog reads it (storage.models.Dossier has these fields)."""

    @property
    def id(self) -> int | None: ...
    @property
    def applicant_phone(self) -> str | None: ...
    @property
    def agency(self) -> str | None: ...


class StatusEventRecord(Protocol):
    """One recorded status change of a dossier (storage.models.StatusEvent)."""

    @property
    def status(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def note(self) -> str | None: ...
    @property
    def apology_reason(self) -> str | None: ...
    @property
    def new_due_at(self) -> datetime | None: ...


class DossierUnit(Protocol):
    """Reads and writes within one unit of work (one transaction when writing)."""

    async def dossier(self, code: str) -> DossierRecord | None:
        """The dossier with this canonical receipt code."""
        ...

    async def dossier_by_id(self, dossier_id: int) -> DossierRecord | None: ...

    async def dossier_for(
        self, code: str, follower: Follower
    ) -> tuple[DossierRecord, bool] | None:
        """The dossier and whether ``follower`` follows it now, in one read."""
        ...

    async def dossiers_with_phone(self, phone: str, limit: int) -> Sequence[DossierRecord]:
        """Dossiers filed with this (normalised) phone, newest first."""
        ...

    async def followed(self, follower: Follower) -> Sequence[DossierRecord]:
        """What ``follower`` follows now, newest subscription first."""
        ...

    async def followers(self, dossier_id: int) -> int:
        """How many chats follow the dossier now."""
        ...

    async def follow(self, dossier_id: int, follower: Follower, now: datetime) -> bool:
        """Subscribes; True when new (or ended before)."""
        ...

    async def unfollow(self, dossier_id: int, follower: Follower, now: datetime) -> bool:
        """Ends the user's subscription; True when there was one."""
        ...

    async def verified_phone(self, follower: Follower) -> str | None:
        """The phone the platform verified for this chat (Zalo's shared info), if any."""
        ...

    async def link_phone(self, follower: Follower, phone: str, now: datetime) -> None:
        """Keeps the phone a platform verified for this chat (a newer one replaces it)."""
        ...


class DossierStore(Protocol):
    """Opens units of work (storage.dossier_store.SqlDossierStore)."""

    def reading(self) -> AbstractAsyncContextManager[DossierUnit]:
        """Reads only; no transaction is held open."""
        ...

    def writing(self) -> AbstractAsyncContextManager[DossierUnit]:
        """One transaction, committed when the block ends, rolled back on an error."""
        ...
