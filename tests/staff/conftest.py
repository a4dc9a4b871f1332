"""Fixtures for the staff console tests: services on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from argon2 import PasswordHasher
from staff_support import SIGNING_KEY

from bot.bootstrap import Services, bootstrap
from bot.config import load_settings
from handlers.staff import passwords
from knowledge.base import KnowledgeBase
from storage.engine import SessionFactory

# argon2id at its least cost. The library's defaults (64 MiB, 3 passes) cost a tenth of a
# second a hash, and the staff tests hash and verify a hundred times; the defaults themselves
# are checked once (test_staff_accounts: test_production_hashes_keep_the_library_defaults).
_CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_hasher", lambda: _CHEAP)


@pytest.fixture
async def staff_services(
    db_url: str,
    session_factory: SessionFactory,
    monkeypatch: pytest.MonkeyPatch,
    kb: KnowledgeBase,
) -> AsyncIterator[Services]:
    """Services on the shared test databases, without Telegram or the scheduler."""
    monkeypatch.setenv("MOTCUA_DATABASE__URL", db_url)
    monkeypatch.setenv("MOTCUA_SECURITY__SIGNING_KEY", SIGNING_KEY)
    monkeypatch.setenv("MOTCUA_NOTIFICATIONS__QUIET_HOURS", "off")
    for name in ("TOKEN", "API_BASE", "WEBHOOK_SECRET"):
        monkeypatch.delenv(f"MOTCUA_TELEGRAM__{name}", raising=False)
    monkeypatch.delenv("MOTCUA_WEB__PUBLIC_URL", raising=False)
    monkeypatch.delenv("MOTCUA_REDIS__URL", raising=False)
    built = await bootstrap(load_settings(), kb=kb, notifications=False)
    try:
        yield built
    finally:
        await built.aclose()
