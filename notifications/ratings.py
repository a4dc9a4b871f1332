"""The satisfaction buttons' answer: ``rate:<dossier_id>:<value>`` stored, the citizen thanked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from handlers.messages import Incoming, Reply
from handlers.payloads import CORE, Rate
from notifications import texts_vi as t
from notifications.rules import RATING_VALUES
from storage import ratings_repo
from storage.engine import SessionFactory


async def handle_rating(
    factory: SessionFactory,
    msg: Incoming,
    *,
    contact: str,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> list[Reply] | None:
    """None when ``msg`` is not a rating press; otherwise store it (subscribers only) and thank."""
    rate = CORE.parse(msg.payload)
    if not isinstance(rate, Rate):
        return None
    return await Ratings(factory, contact=contact, clock=clock).on_rate(msg, rate)


class Ratings:
    """The core's rating hook (handlers.ports.RatingHook): the press of a satisfaction button
    is stored (subscribers of that dossier only) and the citizen thanked."""

    def __init__(
        self,
        factory: SessionFactory,
        *,
        contact: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.factory = factory
        self.contact = contact
        self.clock = clock

    async def on_rate(self, msg: Incoming, rate: Rate) -> list[Reply]:
        value = RATING_VALUES.get(rate.value)
        if value is None:
            return [Reply(t.RATING_UNKNOWN)]
        channel = msg.channel
        async with self.factory() as session, session.begin():
            if not await ratings_repo.is_subscriber(
                session, rate.dossier_id, channel, msg.user_id
            ):
                return [Reply(t.RATING_UNKNOWN)]
            await ratings_repo.save_rating(
                session, rate.dossier_id, channel, msg.user_id, value=value, now=self.clock()
            )
        if value == RATING_VALUES["unsatisfied"]:
            return [Reply(t.RATING_THANKS_UNSATISFIED.format(contact=self.contact))]
        return [Reply(t.RATING_THANKS)]
