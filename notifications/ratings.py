"""The satisfaction buttons' answer: ``rate:<dossier_id>:<value>`` stored, the citizen thanked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

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
