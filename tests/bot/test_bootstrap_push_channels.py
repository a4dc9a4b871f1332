"""Which chats the dossier dialog may subscribe: only those the outbox has a sender for."""

from __future__ import annotations

from pydantic import SecretStr

from bot.bootstrap import push_channels, telegram_bot_url
from bot.config import Settings, TelegramSettings, ZaloSettings


def test_web_only_deployment_pushes_nowhere() -> None:
    settings = Settings(telegram=TelegramSettings(username="motcua_bot"), zalo=ZaloSettings())
    assert push_channels(settings) == frozenset()
    assert telegram_bot_url(settings) == ""  # a username without a token sends nothing


def test_configured_channels_push() -> None:
    settings = Settings(
        telegram=TelegramSettings(token=SecretStr("1:abc"), username="@motcua_bot"),
        zalo=ZaloSettings(app_id="app", oa_secret_key=SecretStr("secret")),
    )
    assert push_channels(settings) == frozenset({"telegram", "zalo"})
    assert telegram_bot_url(settings) == "https://t.me/motcua_bot"
    tg_only = Settings(telegram=TelegramSettings(token=SecretStr("1:abc")), zalo=ZaloSettings())
    assert push_channels(tg_only) == frozenset({"telegram"})
    assert telegram_bot_url(tg_only) == ""
