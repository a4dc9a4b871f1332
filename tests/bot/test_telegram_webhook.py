"""Webhook mode (a public URL is set): the webhook is registered with a secret, and an update
without the right X-Telegram-Bot-Api-Secret-Token header never reaches the bot."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer
from fakes.bot_api import FakeBotAPI

from bot.app import TELEGRAM, WEBHOOK_PATH, create_app
from bot.bootstrap import bootstrap
from bot.config import load_settings
from knowledge.base import KnowledgeBase

HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.mark.usefixtures("settings_env")
async def test_webhook_registered_and_secret_checked(
    monkeypatch: pytest.MonkeyPatch, kb: KnowledgeBase
) -> None:
    async with FakeBotAPI() as api:
        monkeypatch.setenv("MOTCUA_TELEGRAM__TOKEN", api.token)
        monkeypatch.setenv("MOTCUA_TELEGRAM__API_BASE", api.base_url)
        monkeypatch.setenv("MOTCUA_WEB__PUBLIC_URL", "https://motcua.example.gov.vn/")
        services = await bootstrap(load_settings(), kb=kb, notifications=False)
        try:
            app = create_app(services.settings, services=services)
            assert TELEGRAM not in app  # built when the app starts, from the services
            async with TestClient(TestServer(app)) as client:
                assert app[TELEGRAM].mode == "webhook"
                assert api.webhook_url == "https://motcua.example.gov.vn" + WEBHOOK_PATH
                secret = api.webhook_secret
                assert len(secret) >= 32
                update = api.message_update(77, text="/help")

                for bad in ({}, {HEADER: "wrong"}, {HEADER: secret[:-1]}):
                    response = await client.post(WEBHOOK_PATH, json=update, headers=bad)
                    assert response.status == 401
                assert api.sent(chat_id=77) == []

                response = await client.post(WEBHOOK_PATH, json=update, headers={HEADER: secret})
                assert response.status == 200
                sent = await api.wait_for(chat_id=77)
                assert "/hoso" in sent[0]["text"]
                assert not api.calls("getUpdates")  # no polling in webhook mode
        finally:
            await services.aclose()
