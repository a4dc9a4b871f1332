"""/healthz, /readyz and /metrics on the real app; sends and webhook latency counted."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from bot.app import create_app
from bot.bootstrap import Services
from bot.health import webhook_timer
from bot.metrics import Metrics
from handlers.messages import Reply
from notifications.ports import SENT, Outcome, SendResult
from storage import outbox_repo
from storage.engine import create_engine, session_factory

SESSION = "healthProbeSession01"


@pytest.fixture
async def client(services: Services) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    test = TestClient(TestServer(create_app(services.settings, services=services)))
    await test.start_server()
    yield test
    await test.close()


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


async def test_health_and_readiness(client: TestClient, services: Services) -> None:  # type: ignore[type-arg]
    alive = await client.get("/healthz")
    assert alive.status == 200 and (await alive.json())["status"] == "alive"
    ready = await client.get("/readyz")
    body = await ready.json()
    assert ready.status == 200, body
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["knowledge"] == f"{len(services.knowledge)} procedures"
    assert "redis" not in body["checks"]


async def test_not_ready_without_the_database(services: Services) -> None:
    broken = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    test = TestClient(
        TestServer(
            create_app(
                services.settings, services=replace(services, sessions=session_factory(broken))
            )
        )
    )
    await test.start_server()
    try:
        assert (await test.get("/healthz")).status == 200  # alive all the same
        ready = await test.get("/readyz")
        assert ready.status == 503
        assert (await ready.json())["checks"]["database"] == "unavailable"
        assert (await test.get("/metrics")).status == 200  # the counters still answer
    finally:
        await test.close()
        await broken.dispose()


REDIS_URL = os.environ.get("MOTCUA_TEST_REDIS", "redis://127.0.0.1:6379/0")


async def test_not_ready_without_redis(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services.settings.redis, "url", "redis://127.0.0.1:1/0")
    test = TestClient(TestServer(create_app(services.settings, services=services)))
    await test.start_server()
    try:
        ready = await test.get("/readyz")
        assert ready.status == 503
        assert (await ready.json())["checks"]["redis"] == "unavailable"
    finally:
        await test.close()
    monkeypatch.setattr(services.settings.redis, "url", REDIS_URL)
    test = TestClient(TestServer(create_app(services.settings, services=services)))
    await test.start_server()
    try:
        ready = await test.get("/readyz")
        assert (await ready.json())["checks"]["redis"] == "ok"
        assert ready.status == 200
    finally:
        await test.close()


async def test_metrics_count_answers_lookups_and_the_outbox(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
) -> None:
    for text in ("làm giấy khai sinh cần gì", "làm căn cước", "000.00.20.H56-210615-0009"):
        resp = await client.post("/api/chat", json={"session": SESSION, "text": text})
        assert resp.status == 200
    now = datetime.now(UTC)
    async with services.sessions() as session, session.begin():
        await outbox_repo.enqueue(
            session,
            [
                outbox_repo.NewMessage(f"k{i}", None, "status", "telegram", "1", "{}", now)
                for i in range(3)
            ],
            now - timedelta(minutes=5),
        )
    resp = await client.get("/metrics")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/plain")
    got = _samples(await resp.text())
    assert got[("motcua_answers_total", (("decision", "answer"),))] == 1
    assert got[("motcua_answers_total", (("decision", "choice"),))] == 1
    assert got[("motcua_lookups_total", (("outcome", "unknown"),))] == 1
    assert got[("motcua_outbox_depth", (("channel", "telegram"),))] == 3
    assert got[("motcua_outbox_oldest_age_seconds", (("channel", "telegram"),))] >= 290
    assert got[("motcua_knowledge_procedures", ())] == len(services.knowledge)


class _Flaky:
    channel = "telegram"

    def __init__(self) -> None:
        self.results = [SENT, SendResult(Outcome.RETRY_AFTER, retry_after=1.0), SENT]

    async def send(self, recipient: str, reply: Reply, context: object = None) -> SendResult:
        return self.results.pop(0)


async def test_sends_are_counted_by_channel_and_outcome() -> None:
    metrics = Metrics()
    sender = metrics.sender(_Flaky())  # type: ignore[arg-type]
    for _ in range(3):
        await sender.send("1", Reply("x"))
    got = _samples(metrics.exposition().decode())
    assert got[("motcua_sends_total", (("channel", "telegram"), ("outcome", "sent")))] == 2
    assert got[("motcua_sends_total", (("channel", "telegram"), ("outcome", "retry_after")))] == 1


async def test_webhook_latency_is_timed_for_webhooks_only() -> None:
    metrics = Metrics()
    app = web.Application(middlewares=[webhook_timer(lambda _: metrics)])

    async def slow(_: web.Request) -> web.Response:
        await asyncio.sleep(0.05)
        return web.Response(text="ok")

    app.router.add_post("/webhooks/telegram", slow)
    app.router.add_post("/api/chat", slow)
    test = TestClient(TestServer(app))
    await test.start_server()
    try:
        assert (await test.post("/webhooks/telegram")).status == 200
        assert (await test.post("/api/chat")).status == 200
    finally:
        await test.close()
    got = _samples(metrics.exposition().decode())
    assert got[("motcua_webhook_latency_seconds_count", (("channel", "telegram"),))] == 1
    assert got[("motcua_webhook_latency_seconds_sum", (("channel", "telegram"),))] >= 0.05
    assert not [k for k in got if k[0].startswith("motcua_webhook") and "zalo" in str(k)]
