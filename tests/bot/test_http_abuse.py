"""The HTTP side under abuse: nested JSON is a 400 everywhere, limits count the client's address
(X-Forwarded-For only from listed proxies), load past capacity is shed with 503 + Retry-After,
and a Telegram update delivered twice is answered once, also across replicas."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.types import Message, Update
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from fakes.bot_api import FakeBotAPI

from bot.app import WEBHOOK_PATH, create_app
from bot.bootstrap import Services, bootstrap
from bot.config import Settings, load_settings
from bot.ledger import BatchedLedger
from bot.telegram.dedupe import FirstDelivery
from bot.web.chat import WebChat
from bot.web.limits import trusted_networks
from bot.web.shedding import LoadShedder
from handlers.messages import Incoming, Reply
from knowledge.base import KnowledgeBase
from storage.engine import SessionFactory
from storage.zalo_repo import SqlWebhookLedger

TOKEN = "abuse-api-token"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEEP = b"[" * 5000 + b"]" * 5000
DEEP_OBJECT = b'{"a":' * 2500 + b"1" + b"}" * 2500


@pytest.fixture
async def served(
    settings_env: Settings, monkeypatch: pytest.MonkeyPatch, kb: KnowledgeBase
) -> AsyncIterator[tuple[TestClient[Any, Any], FakeBotAPI, Services]]:
    """The whole app in webhook mode against a fake Bot API, with the ingest API on."""
    async with FakeBotAPI() as api:
        monkeypatch.setenv("MOTCUA_TELEGRAM__TOKEN", api.token)
        monkeypatch.setenv("MOTCUA_TELEGRAM__API_BASE", api.base_url)
        monkeypatch.setenv("MOTCUA_WEB__PUBLIC_URL", "https://motcua.example.gov.vn")
        monkeypatch.setenv("MOTCUA_API__TOKEN", TOKEN)
        services = await bootstrap(load_settings(), kb=kb, notifications=False)
        try:
            async with TestClient(
                TestServer(create_app(services.settings, services=services))
            ) as client:
                yield client, api, services
        finally:
            await services.aclose()


async def test_nested_json_is_a_400_on_every_json_endpoint(
    served: tuple[TestClient[Any, Any], FakeBotAPI, Services],
) -> None:
    client, api, _ = served
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    tg = {SECRET_HEADER: api.webhook_secret, "Content-Type": "application/json"}
    for path, headers in (
        ("/api/chat", {"Content-Type": "application/json"}),
        ("/api/v1/dossiers", auth),
        ("/api/v1/dossiers/000.00.20.H56-260302-0001/events", auth),
        (WEBHOOK_PATH, tg),
    ):
        for body in (DEEP, DEEP_OBJECT):
            response = await client.post(path, data=body, headers=headers)
            assert response.status == 400, (path, response.status)
    # A forged Telegram post is refused before its body is read.
    response = await client.post(WEBHOOK_PATH, data=DEEP, headers={SECRET_HEADER: "nope"})
    assert response.status == 401
    assert api.sent() == []


async def test_a_telegram_update_delivered_twice_is_answered_once(
    served: tuple[TestClient[Any, Any], FakeBotAPI, Services],
) -> None:
    client, api, _ = served
    update = api.message_update(4242, text="/help")
    for _ in range(3):
        response = await client.post(
            WEBHOOK_PATH, json=update, headers={SECRET_HEADER: api.webhook_secret}
        )
        assert response.status == 200
    assert len(api.sent(chat_id=4242)) == 1
    other = api.message_update(4242, text="/help")  # a new update_id: answered
    await client.post(WEBHOOK_PATH, json=other, headers={SECRET_HEADER: api.webhook_secret})
    assert len(api.sent(chat_id=4242)) == 2


async def test_replicas_share_the_update_ledger(session_factory: SessionFactory) -> None:
    answered: list[int] = []

    def replica() -> Dispatcher:
        router = Router()

        @router.message(F.text)
        async def answer(message: Message) -> None:
            answered.append(message.message_id)

        dp = Dispatcher()
        dp.include_router(router)
        dp.update.outer_middleware(FirstDelivery(BatchedLedger(SqlWebhookLedger(session_factory))))
        return dp

    bot = Bot("42:TEST")
    update = Update.model_validate(
        {
            "update_id": 777,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 1, "type": "private"},
                "text": "xin chào",
            },
        }
    )
    first, second = replica(), replica()
    await asyncio.gather(first.feed_update(bot, update), second.feed_update(bot, update))
    await first.feed_update(bot, update)
    assert answered == [1]
    await bot.session.close()


class Recorder:
    def __init__(self) -> None:
        self.seen: list[Incoming] = []

    async def handle(self, msg: Incoming) -> list[Reply]:
        self.seen.append(msg)
        return [Reply("ok")]


async def _post_chat(chat: WebChat, headers: dict[str, str], n: int = 1) -> list[int]:
    app = web.Application()
    chat.register(app)
    statuses = []
    async with TestClient(TestServer(app)) as client:
        for i in range(n):
            body = {"session": f"session-{i:012d}", "text": "xin chào"}
            response = await client.post("/api/chat", json=body, headers=headers)
            statuses.append(response.status)
    return statuses


async def test_the_core_sees_the_peer_address_not_a_forged_header() -> None:
    recorder = Recorder()
    forged = {"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "203.0.113.9"}
    statuses = await _post_chat(WebChat(recorder, per_ip_per_minute=3), forged, n=5)
    # Five sessions from one address: the address's bucket, not the sessions, decides.
    assert statuses == [200, 200, 200, 429, 429]
    assert {m.client for m in recorder.seen} == {"127.0.0.1"}
    behind = Recorder()
    trusted = WebChat(behind, trusted_proxies=trusted_networks(["127.0.0.1"]))
    await _post_chat(trusted, {"X-Forwarded-For": "1.2.3.4, 203.0.113.9"})
    assert [m.client for m in behind.seen] == ["203.0.113.9"]


async def test_load_past_capacity_is_shed_with_retry_after() -> None:
    release = asyncio.Event()
    both_started = asyncio.Event()
    started = 0

    async def slow(_: web.Request) -> web.Response:
        nonlocal started
        started += 1
        if started == 2:
            both_started.set()
        await release.wait()
        return web.json_response({"replies": []})

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    shedder = LoadShedder(2, ("/api/chat",))
    app = web.Application(middlewares=[shedder.middleware])
    app.router.add_post("/api/chat", slow)
    app.router.add_get("/healthz", healthz)
    async with TestClient(TestServer(app)) as client:
        first = [asyncio.create_task(client.post("/api/chat", json={})) for _ in range(2)]
        await asyncio.wait_for(both_started.wait(), 10)
        refused = await client.post("/api/chat", json={})
        assert refused.status == 503
        assert refused.headers["Retry-After"] == "2"
        assert "gửi lại sau vài giây" in (await refused.json())["error"]
        assert (await client.get("/healthz")).status == 200  # not a route that does work
        release.set()
        assert [r.status for r in await asyncio.gather(*first)] == [200, 200]
        assert (await client.post("/api/chat", json={})).status == 200
    assert shedder.shed == 1 and shedder.in_flight == 0
