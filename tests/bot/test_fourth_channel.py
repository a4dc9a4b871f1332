"""A fourth channel added in the one place channels are listed holds a conversation and gets a
push: the real app on loopback, the real core, the real outbox and scheduler."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from channel_support import RECEIPT, SIGNING_KEY, seed_dossier

from bot.app import SERVICES, create_app
from bot.bootstrap import CHANNELS, Services
from bot.config import Settings, load_settings
from handlers import texts_vi as t
from handlers.dossiers.tokens import make_payload
from handlers.messages import Incoming, Reply
from handlers.payloads import Kind
from handlers.ports import PushPlace
from knowledge.base import KnowledgeBase
from notifications.ports import SENT, SendContext, Sender, SendResult

API_TOKEN = "fourth-channel-api-token"


class LoopbackSender:
    """Pushes land in a queue the test awaits."""

    channel = "loopback"

    def __init__(self) -> None:
        self.pushed: asyncio.Queue[tuple[str, Reply]] = asyncio.Queue()

    async def send(
        self, recipient: str, reply: Reply, context: SendContext | None = None
    ) -> SendResult:
        await self.pushed.put((recipient, reply))
        return SENT


class LoopbackChannel:
    """``POST /loopback/{user}`` with ``{"text"}`` or ``{"payload"}``: the replies as JSON."""

    name = "loopback"
    vouched = True
    max_buttons: int | None = 2  # a small screen: more buttons become the core's numbered list
    payload_kinds: tuple[type[Kind], ...] = ()

    def __init__(self) -> None:
        self.sender = LoopbackSender()

    def configured(self, settings: Settings) -> bool:
        return True

    def follows(self, settings: Settings) -> bool:
        return True

    def push_place(self, settings: Settings) -> PushPlace | None:
        return PushPlace("Loopback")

    def mount(self, app: web.Application, settings: Settings) -> None:
        async def handle(request: web.Request) -> web.Response:
            body = await request.json()
            msg = Incoming(
                self.name,
                request.match_info["user"],
                text=body.get("text"),
                payload=body.get("payload"),
            )
            replies = await request.app[SERVICES].assistant.handle(msg)
            return web.json_response(
                [{"text": r.text, "buttons": [b.payload for b in r.buttons]} for r in replies]
            )

        app.router.add_post("/loopback/{user}", handle)

    @contextlib.asynccontextmanager
    async def lifespan(
        self, app: web.Application, services: Services
    ) -> AsyncIterator[Mapping[str, Sender]]:
        yield {self.name: self.sender}


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("MOTCUA_DATABASE__URL", f"sqlite+aiosqlite:///{tmp_path / 'four.db'}")
    monkeypatch.setenv("MOTCUA_SECURITY__SIGNING_KEY", SIGNING_KEY)
    monkeypatch.setenv("MOTCUA_API__TOKEN", API_TOKEN)
    monkeypatch.setenv("MOTCUA_NOTIFICATIONS__QUIET_HOURS", "off")
    monkeypatch.setenv("MOTCUA_NOTIFICATIONS__POLL_INTERVAL_S", "0.2")
    monkeypatch.setenv("MOTCUA_NOTIFICATIONS__RULES_INTERVAL_S", "0.2")
    for name in ("TOKEN", "API_BASE", "WEBHOOK_SECRET"):
        monkeypatch.delenv(f"MOTCUA_TELEGRAM__{name}", raising=False)
    monkeypatch.delenv("MOTCUA_WEB__PUBLIC_URL", raising=False)
    return load_settings()


async def test_a_fourth_channel_converses_and_receives_a_push(
    settings: Settings, kb: KnowledgeBase
) -> None:
    loopback = LoopbackChannel()
    app = create_app(settings, kb=kb, channels=(*CHANNELS, loopback))
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        services = app[SERVICES]
        assert [c.name for c in services.channels] == ["web", "loopback"]  # no Telegram, no Zalo
        await seed_dossier(services.sessions)

        async def say(**body: Any) -> list[dict[str, Any]]:
            resp = await client.post("/loopback/citizen-1", json=body)
            assert resp.status == 200
            return list(await resp.json())

        assert [r["text"] for r in await say(text="xin chào")] == [t.GREETING]
        asked = await say(text="đăng ký khai sinh cần giấy tờ gì")
        assert "khai sinh" in asked[0]["text"].lower()
        # More buttons than the channel shows: a numbered list, answered with a digit.
        assert all(len(r["buttons"]) <= 2 for r in asked)
        assert any(t.CHOOSE_BY_NUMBER in r["text"] for r in asked)
        picked = await say(text="1")
        assert picked[0]["text"] != asked[0]["text"] and picked[0]["text"] != t.NO_CHOICE_PENDING
        # The receipt's link subscribes this chat (the token proves possession).
        opened = await say(payload=make_payload(RECEIPT, SIGNING_KEY.encode()))
        assert RECEIPT in opened[0]["text"]
        event = {"status": "result_ready", "at": datetime.now(UTC).isoformat()}
        resp = await client.post(
            f"/api/v1/dossiers/{RECEIPT}/events",
            json=event,
            headers={"Authorization": f"Bearer {API_TOKEN}"},
        )
        assert resp.status == 201, await resp.text()
        recipient, pushed = await asyncio.wait_for(loopback.sender.pushed.get(), timeout=30)
        assert recipient == "citizen-1" and RECEIPT in pushed.text
    finally:
        await client.close()
