"""Subscribe by verified possession: the one use case every channel follows a dossier through.

Proof is the receipt's signed token, the phone's last four digits, or a phone the platform
verified (Zalo's shared info) that is the one on file. Once proven, a chat follows the dossier
unless the dossier already has its share of followers (a receipt photo shared online must not
feed a crowd). The caller's unit of work holds the transaction.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from handlers.dossiers.phones import normalise_phone
from handlers.dossiers.ports import DossierRecord, DossierStore, DossierUnit, Follower

log = logging.getLogger(__name__)

MAX_SUBSCRIBERS = 5  # chats per dossier
MAX_LINKED = 20  # dossiers listed for a verified phone


class Followed(enum.Enum):
    SUBSCRIBED = "subscribed"
    ALREADY = "already"
    FULL = "full"  # the dossier has its share of followers
    NO_PHONE = "no_phone"  # the chat has no verified phone
    MISMATCH = "mismatch"  # the verified phone is not the dossier's (or no such dossier)


@dataclass(frozen=True, slots=True)
class LinkedDossier:
    """A dossier filed with a chat's verified phone, and whether the chat follows it."""

    id: int
    receipt_code: str
    procedure_name: str | None
    status: str
    subscribed: bool


def _utcnow() -> datetime:
    return datetime.now(UTC)


def phone_matches(dossier: DossierRecord, verified: str | None) -> bool:
    """Whether a phone the platform verified is the one on the dossier."""
    on_file = normalise_phone(dossier.applicant_phone)
    return bool(on_file) and normalise_phone(verified) == on_file


class Possession:
    def __init__(
        self,
        store: DossierStore,
        *,
        max_subscribers: int = MAX_SUBSCRIBERS,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._store = store
        self._max = max_subscribers
        self._clock = clock

    async def follow(
        self, unit: DossierUnit, dossier: DossierRecord, follower: Follower
    ) -> Followed:
        """Subscribes a follower who proved possession, within the caller's unit of work."""
        assert dossier.id is not None
        row = await unit.dossier_for(dossier.receipt_code, follower)
        if row is not None and row[1]:
            return Followed.ALREADY
        if await unit.followers(dossier.id) >= self._max:
            log.info("a dossier reached its subscriber limit (%s)", follower[0])
            return Followed.FULL
        new = await unit.follow(dossier.id, follower, self._clock())
        return Followed.SUBSCRIBED if new else Followed.ALREADY

    async def link_phone(self, follower: Follower, phone: str) -> list[LinkedDossier]:
        """Keeps the phone a platform verified for the chat; the dossiers filed with it."""
        async with self._store.writing() as unit:
            await unit.link_phone(follower, phone, self._clock())
            dossiers = await unit.dossiers_with_phone(phone, MAX_LINKED)
            followed = {d.id for d in await unit.followed(follower)}
        return [
            LinkedDossier(d.id, d.receipt_code, d.procedure_name, d.status, d.id in followed)
            for d in dossiers
            if d.id is not None
        ]

    async def follow_by_phone(
        self, follower: Follower, dossier_id: int
    ) -> tuple[Followed, str | None]:
        """Follows the dossier when its phone is the one the platform verified for the chat;
        (outcome, receipt code)."""
        async with self._store.writing() as unit:
            verified = await unit.verified_phone(follower)
            if verified is None:
                return Followed.NO_PHONE, None
            dossier = await unit.dossier_by_id(dossier_id)
            if dossier is None or not phone_matches(dossier, verified):
                return Followed.MISMATCH, None
            return await self.follow(unit, dossier, follower), dossier.receipt_code
