"""``serve --role``: a web replica answers every route and runs no jobs; a worker answers only the
probes (tests/bot/test_replicas.py runs both as processes)."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from bot.bootstrap import Services
from bot.roles import Role, build_app

CHAT = {"session": "roles-test-session-01", "text": "làm giấy khai sinh cần gì"}


async def test_a_web_replica_answers_the_chat_and_runs_no_jobs(services: Services) -> None:
    services.notifications = True  # as serve builds it: the role turns the jobs off
    app = build_app(services, Role.WEB)
    assert services.notifications is False
    async with TestClient(TestServer(app)) as client:
        response = await client.post("/api/chat", json=CHAT)
        assert response.status == 200
        assert "khai sinh" in (await response.json())["replies"][0]["text"].lower()


async def test_a_worker_serves_only_the_probes(services: Services) -> None:
    services.settings.notifications.quiet_hours = "off"
    app = build_app(services, Role.WORKER)
    assert services.notifications is True
    async with TestClient(TestServer(app)) as client:
        assert (await client.get("/healthz")).status == 200
        assert (await client.get("/metrics")).status == 200
        assert (await client.post("/api/chat", json=CHAT)).status == 404
        assert (await client.get("/staff/")).status == 404
