"""Which chats the dossier dialog may subscribe: only those the outbox has a sender for; and how
a chat that cannot push names the ones that can (the channels say it, not the core)."""

from __future__ import annotations

from pydantic import SecretStr

from bot.bootstrap import push_channels
from bot.config import Settings, TelegramSettings, ZaloSettings
from bot.telegram.channel import TelegramChannel
from bot.zalo.routes import ZaloChannel
from handlers.payloads import OpenDossier


def test_web_only_deployment_pushes_nowhere() -> None:
    settings = Settings(telegram=TelegramSettings(username="motcua_bot"), zalo=ZaloSettings())
    assert push_channels(settings) == frozenset()  # a username without a token sends nothing


def test_configured_channels_push_and_name_themselves() -> None:
    settings = Settings(
        telegram=TelegramSettings(token=SecretStr("1:abc"), username="@motcua_bot"),
        zalo=ZaloSettings(app_id="app", oa_secret_key=SecretStr("secret")),
    )
    assert push_channels(settings) == frozenset({"telegram", "zalo"})
    place = TelegramChannel().push_place(settings)
    assert place is not None and "https://t.me/motcua_bot" in place.where
    assert place.link is not None and place.button
    payload = OpenDossier("TOKEN_1").encode()
    assert place.link(payload) == f"https://t.me/motcua_bot?start={payload}"
    zalo = ZaloChannel().push_place(settings)
    assert zalo is not None and zalo.where == "Zalo" and zalo.link is None
    tg_only = Settings(telegram=TelegramSettings(token=SecretStr("1:abc")), zalo=ZaloSettings())
    assert push_channels(tg_only) == frozenset({"telegram"})
    unnamed = TelegramChannel().push_place(tg_only)  # no username: no link to give
    assert unnamed is not None and unnamed.where == "Telegram" and unnamed.link is None
