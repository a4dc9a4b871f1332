"""The app is built from the settings alone and opens everything when it starts: the database,
the knowledge base, the jobs; it closes them all at cleanup, and a failed start says why."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from channel_support import a_real_dossier_in

from bot.app import SERVICES, create_app
from bot.cli import main
from bot.config import Settings, StartupError
from bot.roles import Role
from knowledge.base import KnowledgeBase

SESSION = "lifecycle-session-0001"


async def test_the_app_opens_nothing_until_it_starts(settings_env: Settings) -> None:
    settings_env.database.url = "postgresql+asyncpg://nobody@127.0.0.1:1/none"  # refuses
    app = create_app(settings_env)  # no database reached, no knowledge base loaded
    assert SERVICES not in app
    routes = {r.canonical for r in app.router.resources()}
    assert {"/api/chat", "/api/v1/dossiers", "/staff/", "/healthz"} <= routes
    server = TestServer(app)
    try:
        with pytest.raises(OSError):  # the migrations run when it starts
            await server.start_server()
    finally:
        await server.close()


async def test_a_worker_mounts_only_the_probes_from_the_settings(settings_env: Settings) -> None:
    routes = {r.canonical for r in create_app(settings_env, role=Role.WORKER).router.resources()}
    assert routes == {"/healthz", "/readyz", "/metrics"}


async def test_what_the_app_opened_is_closed_at_cleanup(
    settings_env: Settings, kb: KnowledgeBase
) -> None:
    before = asyncio.all_tasks()
    app = create_app(settings_env, kb=kb)
    async with TestClient(TestServer(app)) as client:
        services = app[SERVICES]
        chosen = await client.post("/api/chat", json={"session": SESSION, "payload": "p_1-001193"})
        assert chosen.status == 200
        pool = services.engine.sync_engine.pool
        assert pool.checkedin() >= 1
        assert asyncio.all_tasks() - before  # the jobs: learned phrases, retention, scheduler
    assert asyncio.all_tasks() - before == set()
    assert pool.checkedin() == 0  # the engine was disposed
    # The conversation state written behind in memory reached the database on the way out.
    async with TestClient(TestServer(create_app(settings_env, kb=kb))) as again:
        fee = await again.post("/api/chat", json={"session": SESSION, "text": "còn lệ phí?"})
        assert "Đăng ký khai sinh" in (await fee.json())["replies"][0]["text"]


async def test_a_demo_on_a_real_database_fails_to_start(
    settings_env: Settings, kb: KnowledgeBase
) -> None:
    await a_real_dossier_in(settings_env, kb)
    server = TestServer(create_app(settings_env, demo=True, kb=kb))
    try:
        with pytest.raises(StartupError, match="--demo refused"):
            await server.start_server()
    finally:
        await server.close()


def test_serve_says_why_it_cannot_start(
    settings_env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    config = tmp_path / "bot.toml"
    config.write_text(f"[knowledge]\npaths = [{str(empty)!r}]\n", encoding="utf-8")
    assert main(["serve", "--config", str(config)]) == 2
    assert "knowledge base is empty" in capsys.readouterr().err
