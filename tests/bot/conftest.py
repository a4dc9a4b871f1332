"""Fixtures for the channel tests: the knowledge base once, settings on a fresh SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from channel_support import SIGNING_KEY

from bot.bootstrap import Services, bootstrap
from bot.config import Settings, load_settings
from knowledge.base import KnowledgeBase


@pytest.fixture(scope="session")
def channel_kb() -> KnowledgeBase:
    """The full knowledge base of bot.toml, loaded once for the channel tests."""
    settings = load_settings()
    return KnowledgeBase.from_files(settings.knowledge.paths, settings.knowledge.popularity)


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
async def services(settings_env: Settings, channel_kb: KnowledgeBase) -> AsyncIterator[Services]:
    """Services on a fresh database, without Telegram and without the notification scheduler."""
    built = await bootstrap(settings_env, kb=channel_kb)
    built.notifications = False
    try:
        yield built
    finally:
        await built.aclose()
