"""The satisfaction buttons reach storage through the assistant that bootstrap wires."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.bootstrap import Services
from handlers.dossiers.demo import load_demo
from handlers.messages import Incoming
from notifications import texts_vi as nt
from storage import dossiers_repo, ratings_repo, subscriptions_repo


async def _returned_dossier_id(services: Services) -> int:
    codes = await load_demo(services.sessions, services.calendar, services.kb)
    async with services.sessions() as session:
        for code in codes:
            dossier = await dossiers_repo.get_by_code(session, code)
            if dossier is not None and dossier.status == "returned" and dossier.id is not None:
                return dossier.id
    raise AssertionError("the demo data has no returned dossier")


async def test_a_subscriber_rating_is_stored_and_thanked(services: Services) -> None:
    dossier_id = await _returned_dossier_id(services)
    async with services.sessions() as session, session.begin():
        await subscriptions_repo.add_subscription(
            session, dossier_id, "web", "citizen-1", datetime.now(UTC)
        )

    replies = await services.assistant.handle(
        Incoming("web", "citizen-1", payload=f"rate:{dossier_id}:satisfied")
    )

    assert [r.text for r in replies] == [nt.RATING_THANKS]
    async with services.sessions() as session:
        rating = await ratings_repo.get_rating(session, dossier_id, "web", "citizen-1")
    assert rating == 2


async def test_a_stranger_cannot_rate_someone_elses_dossier(services: Services) -> None:
    dossier_id = await _returned_dossier_id(services)

    replies = await services.assistant.handle(
        Incoming("web", "stranger", payload=f"rate:{dossier_id}:unsatisfied")
    )

    assert [r.text for r in replies] == [nt.RATING_UNKNOWN]
    async with services.sessions() as session:
        assert await ratings_repo.get_rating(session, dossier_id, "web", "stranger") is None
