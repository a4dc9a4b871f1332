"""The satisfaction buttons' answer: ``rate:<dossier_id>:<value>`` stored, the citizen thanked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from handlers.messages import Incoming, Reply
from notifications import texts_vi as t
from notifications.rules import RATING_PREFIX, RATING_VALUES, parse_rating
from storage import ratings_repo
from storage.engine import SessionFactory


def is_rating_payload(msg: Incoming) -> bool:
    return bool(msg.payload and msg.payload.startswith(RATING_PREFIX))


async def handle_rating(
    factory: SessionFactory,
    msg: Incoming,
    *,
    contact: str,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> list[Reply] | None:
    """None when ``msg`` is not a rating press; otherwise store it (subscribers only) and thank."""
    if not is_rating_payload(msg) or msg.payload is None:
        return None
    parsed = parse_rating(msg.payload)
    if parsed is None:
        return [Reply(t.RATING_UNKNOWN)]
    dossier_id, value = parsed
    channel = str(msg.channel)
    async with factory() as session, session.begin():
        if not await ratings_repo.is_subscriber(session, dossier_id, channel, msg.user_id):
            return [Reply(t.RATING_UNKNOWN)]
        await ratings_repo.save_rating(
            session, dossier_id, channel, msg.user_id, value=value, now=clock()
        )
    if value == RATING_VALUES["unsatisfied"]:
        return [Reply(t.RATING_THANKS_UNSATISFIED.format(contact=contact))]
    return [Reply(t.RATING_THANKS)]


class _Responder(Protocol):
    async def handle(self, msg: Incoming) -> list[Reply]: ...


class RatingResponder:
    """Wraps the assistant: "rate:" button presses are stored here, everything else passes on.

    The core (handlers) cannot import notifications, so the channels wrap the assistant:
    ``RatingResponder(assistant, sessions, contact=settings.agency.contact)``.
    """

    def __init__(self, inner: _Responder, factory: SessionFactory, *, contact: str) -> None:
        self.inner = inner
        self.factory = factory
        self.contact = contact

    async def handle(self, msg: Incoming) -> list[Reply]:
        replies = await handle_rating(self.factory, msg, contact=self.contact)
        return replies if replies is not None else await self.inner.handle(msg)
