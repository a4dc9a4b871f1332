"""``motcua telegram set-webhook``: setWebhook at public_url with the deployment's secret."""

from __future__ import annotations

import asyncio

import pytest
from fakes.bot_api import FakeBotAPI

from bot.cli import main
from bot.config import load_settings
from bot.telegram import webhook


@pytest.mark.usefixtures("settings_env")
async def test_set_webhook_registers_url_and_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async with FakeBotAPI() as api:
        monkeypatch.setenv("MOTCUA_TELEGRAM__TOKEN", api.token)
        monkeypatch.setenv("MOTCUA_TELEGRAM__API_BASE", api.base_url)
        monkeypatch.setenv("MOTCUA_WEB__PUBLIC_URL", "https://motcua.example.gov.vn/")
        code = await asyncio.to_thread(main, ["telegram", "set-webhook"])
        assert code == 0
        [call] = api.calls("setWebhook")
        assert call.params["url"] == "https://motcua.example.gov.vn/webhooks/telegram"
        assert call.params["secret_token"] == webhook.secret(load_settings())
        assert "message" in str(call.params["allowed_updates"])
        assert "https://motcua.example.gov.vn/webhooks/telegram" in capsys.readouterr().out

        monkeypatch.setenv("MOTCUA_WEB__PUBLIC_URL", "http://127.0.0.1:8080")
        assert await asyncio.to_thread(main, ["telegram", "set-webhook"]) == 2
        assert "MOTCUA_WEB__PUBLIC_URL" in capsys.readouterr().err
        assert len(api.calls("setWebhook")) == 1  # nothing sent to Telegram


def test_the_secret_is_the_same_on_every_replica(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTCUA_SECURITY__SIGNING_KEY", "deployment-key")
    monkeypatch.delenv("MOTCUA_TELEGRAM__WEBHOOK_SECRET", raising=False)
    first, second = webhook.secret(load_settings()), webhook.secret(load_settings())
    assert first == second and len(first) == 64
    monkeypatch.setenv("MOTCUA_TELEGRAM__WEBHOOK_SECRET", "configured-secret")
    assert webhook.secret(load_settings()) == "configured-secret"
