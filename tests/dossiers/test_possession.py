"""Subscribe by verified possession, the use case every channel shares: a phone the platform
verified must be the one on file, and a dossier feeds at most its share of chats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.dossiers.possession import Followed, Possession
from storage import dossiers_repo
from storage.dossier_store import SqlDossierStore
from storage.engine import SessionFactory

NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)


async def _dossier(sessions: SessionFactory, code: str, phone: str) -> int:
    row = {
        "receipt_code": code,
        "procedure_name": "Đăng ký khai sinh",
        "applicant_phone": phone,
        "received_at": NOW - timedelta(days=3),
        "due_at": NOW + timedelta(days=2),
        "status": "received",
        "status_at": NOW - timedelta(days=3),
    }
    async with sessions() as session, session.begin():
        return (await dossiers_repo.upsert_dossiers(session, [row], NOW))[code]


async def test_a_verified_phone_follows_its_own_dossiers_only(
    session_factory: SessionFactory,
) -> None:
    mine = await _dossier(session_factory, "P-1", "0912345678")
    other = await _dossier(session_factory, "P-2", "0987654321")
    possession = Possession(SqlDossierStore(session_factory), clock=lambda: NOW)
    user = ("zalo", "u1")
    assert await possession.follow_by_phone(user, mine) == (Followed.NO_PHONE, None)
    linked = await possession.link_phone(user, "0912345678")
    assert [(d.receipt_code, d.subscribed) for d in linked] == [("P-1", False)]
    assert await possession.follow_by_phone(user, other) == (Followed.MISMATCH, None)
    assert await possession.follow_by_phone(user, 999_999) == (Followed.MISMATCH, None)
    assert await possession.follow_by_phone(user, mine) == (Followed.SUBSCRIBED, "P-1")
    assert await possession.follow_by_phone(user, mine) == (Followed.ALREADY, "P-1")
    assert [d.subscribed for d in await possession.link_phone(user, "0912345678")] == [True]


async def test_a_dossier_feeds_at_most_its_share_of_chats(session_factory: SessionFactory) -> None:
    dossier = await _dossier(session_factory, "P-3", "0912345678")
    possession = Possession(SqlDossierStore(session_factory), max_subscribers=2, clock=lambda: NOW)
    outcomes = []
    for n in range(3):
        user = ("zalo", f"u{n}")
        await possession.link_phone(user, "0912345678")
        outcomes.append((await possession.follow_by_phone(user, dossier))[0])
    assert outcomes == [Followed.SUBSCRIBED, Followed.SUBSCRIBED, Followed.FULL]
