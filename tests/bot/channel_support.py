"""Helpers the channel tests share: the signing key they run with and a seeded dossier."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.bootstrap import bootstrap
from bot.config import Settings
from knowledge.base import KnowledgeBase
from storage import dossiers_repo
from storage.engine import SessionFactory

SIGNING_KEY = "channel-tests-signing-key"
RECEIPT = "000.00.20.H56-261120-0007"


async def seed_dossier(sessions: SessionFactory, code: str = RECEIPT) -> None:
    now = datetime.now(UTC)
    row = {
        "receipt_code": code,
        "procedure_code": "1.001193",
        "procedure_name": "Đăng ký khai sinh",
        "applicant_name": "Nguyễn Văn An",
        "applicant_phone": "0912345678",
        "received_at": now - timedelta(days=2),
        "due_at": now + timedelta(days=5),
        "status": "processing",
        "status_at": now - timedelta(days=1),
    }
    async with sessions() as session, session.begin():
        await dossiers_repo.upsert_dossiers(session, [row], now)


async def a_real_dossier_in(settings: Settings, kb: KnowledgeBase) -> None:
    """The configured database with one real dossier in it (what ``--demo`` must refuse)."""
    services = await bootstrap(settings, kb=kb)
    try:
        await seed_dossier(services.sessions)
    finally:
        await services.aclose()
