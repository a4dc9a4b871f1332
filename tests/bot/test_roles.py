"""``serve --role``: a web replica answers every route and runs no jobs; a worker answers only the
probes (tests/bot/test_replicas.py runs both as processes)."""

from __future__ import annotations

from dataclasses import replace

from aiohttp.test_utils import TestClient, TestServer

from bot.app import notifications_ctx
from bot.bootstrap import Services, bootstrap
from bot.config import Settings
from bot.roles import Role, build_app
from handlers.messages import Incoming
from knowledge.base import KnowledgeBase

CHAT = {"session": "roles-test-session-01", "text": "làm giấy khai sinh cần gì"}


async def test_a_web_replica_answers_the_chat_and_runs_no_jobs(services: Services) -> None:
    services = replace(services, notifications=True)  # the role alone turns the jobs off
    app = build_app(services.settings, Role.WEB, services=services)
    assert notifications_ctx not in app.cleanup_ctx
    async with TestClient(TestServer(app)) as client:
        response = await client.post("/api/chat", json=CHAT)
        assert response.status == 200
        assert "khai sinh" in (await response.json())["replies"][0]["text"].lower()


async def test_a_worker_serves_only_the_probes(services: Services) -> None:
    services.settings.notifications.quiet_hours = "off"
    services = replace(services, notifications=True)
    app = build_app(services.settings, Role.WORKER, services=services)
    assert notifications_ctx in app.cleanup_ctx
    async with TestClient(TestServer(app)) as client:
        assert (await client.get("/healthz")).status == 200
        assert (await client.get("/metrics")).status == 200
        assert (await client.post("/api/chat", json=CHAT)).status == 404
        assert (await client.get("/staff/")).status == 404


async def test_web_replicas_on_one_sqlite_file_share_conversation_state(
    settings_env: Settings, kb: KnowledgeBase
) -> None:
    """Without Redis, SQLite would keep state in memory: not in a web replica."""
    one = await bootstrap(settings_env, kb=kb, replicas=True)
    two = await bootstrap(settings_env, kb=kb, replicas=True)
    try:
        await one.assistant.handle(Incoming("web", "roles-user", payload="p_1-001193"))
        fee = await two.assistant.handle(Incoming("web", "roles-user", text="còn lệ phí thì sao?"))
        assert "Đăng ký khai sinh" in fee[0].text
    finally:
        await one.aclose()
        await two.aclose()
