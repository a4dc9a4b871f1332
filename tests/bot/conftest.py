"""Fixtures for the channel tests: the knowledge base once, settings on a fresh SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from channel_support import SIGNING_KEY

from bot.bootstrap import Services, bootstrap
from bot.config import Settings, load_settings
from knowledge.base import KnowledgeBase
from storage.engine import SessionFactory


@pytest.fixture
def settings_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings as a test harness sets them: a throwaway SQLite file, a fixed signing key."""
    monkeypatch.setenv("MOTCUA_DATABASE__URL", f"sqlite+aiosqlite:///{tmp_path / 'motcua.db'}")
    monkeypatch.setenv("MOTCUA_SECURITY__SIGNING_KEY", SIGNING_KEY)
    for name in ("TOKEN", "API_BASE", "WEBHOOK_SECRET"):
        monkeypatch.delenv(f"MOTCUA_TELEGRAM__{name}", raising=False)
    monkeypatch.delenv("MOTCUA_WEB__PUBLIC_URL", raising=False)
    yield load_settings()


@pytest.fixture
async def services(settings_env: Settings, kb: KnowledgeBase) -> AsyncIterator[Services]:
    """Services on a fresh database, without Telegram and without the notification scheduler."""
    built = await bootstrap(settings_env, kb=kb, notifications=False)
    try:
        yield built
    finally:
        await built.aclose()


@pytest.fixture
async def db_services(
    db_url: str,
    session_factory: SessionFactory,
    monkeypatch: pytest.MonkeyPatch,
    kb: KnowledgeBase,
) -> AsyncIterator[Services]:
    """Services on the shared test databases (SQLite and PostgreSQL; emptied after each test)."""
    monkeypatch.setenv("MOTCUA_DATABASE__URL", db_url)
    monkeypatch.setenv("MOTCUA_SECURITY__SIGNING_KEY", SIGNING_KEY)
    monkeypatch.delenv("MOTCUA_TELEGRAM__TOKEN", raising=False)
    built = await bootstrap(load_settings(), kb=kb, notifications=False)
    try:
        yield built
    finally:
        await built.aclose()
