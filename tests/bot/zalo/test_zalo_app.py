"""The Zalo channel inside the real app (bootstrap + create_app): mounted when configured,
its senders handed to the notification scheduler, a signed delivery answered."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from fakes.zalo_api import FakeZaloAPI

from bot.app import SENDERS, create_app
from bot.bootstrap import bootstrap
from bot.config import DatabaseSettings, SecuritySettings, Settings, ZaloSettings
from bot.senders.zalo import ZaloSender, ZnsSender
from knowledge.base import KnowledgeBase


def _settings(api: FakeZaloAPI, tmp_path: Path, **zalo: object) -> Settings:
    return Settings(
        database=DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"),
        security=SecuritySettings(signing_key="app-test-key"),  # type: ignore[arg-type]
        zalo=ZaloSettings(
            app_id=api.app_id,
            oa_secret_key=api.oa_secret_key,  # type: ignore[arg-type]
            app_secret_key=api.app_secret_key,  # type: ignore[arg-type]
            access_token=api.access_token,  # type: ignore[arg-type]
            refresh_token=api.refresh_token,  # type: ignore[arg-type]
            api_base=api.base_url,
            oauth_base=api.base_url,
            zns_base=api.base_url,
            **zalo,  # type: ignore[arg-type]
        ),
    )


async def test_create_app_mounts_zalo(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with FakeZaloAPI() as api:
        services = await bootstrap(
            _settings(api, tmp_path, zns_templates={"overdue_apology": "T-1"}),
            kb=kb,
            notifications=False,
        )
        client = TestClient(TestServer(create_app(services.settings, services=services)))
        await client.start_server()
        try:
            senders = client.server.app[SENDERS]
            assert isinstance(senders["zalo"], ZaloSender)
            assert isinstance(senders["zns"], ZnsSender)
            raw, headers = api.signed(api.delivery("follow", user_id="u-app"))
            resp = await client.post("/webhooks/zalo", data=raw, headers=headers)
            assert resp.status == 200
            (welcome,) = await api.wait_for(1, "message/cs")
            assert welcome.user_id == "u-app" and "Trợ lý Một cửa" in welcome.text
        finally:
            await client.close()
            await services.aclose()


async def test_zalo_is_absent_without_its_keys(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with FakeZaloAPI() as api:
        settings = _settings(api, tmp_path)
        settings.zalo.oa_secret_key = settings.security.signing_key  # any SecretStr
        settings.zalo.app_id = ""
        services = await bootstrap(settings, kb=kb, notifications=False)
        client = TestClient(TestServer(create_app(services.settings, services=services)))
        await client.start_server()
        try:
            resp = await client.post("/webhooks/zalo", data=b"{}")
            assert resp.status in (404, 405)
            assert "zalo" not in client.server.app[SENDERS]
        finally:
            await client.close()
            await services.aclose()
