"""Rendering replies for Telegram: escaping, splitting, keyboards and long callback payloads."""

from __future__ import annotations

import html
import secrets
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import TELEGRAM, create_app
from bot.bootstrap import bootstrap
from bot.config import load_settings
from bot.telegram.callbacks import MemoryCallbackStore
from bot.telegram.render import CALLBACK_LIMIT, MESSAGE_LIMIT, CallbackIds, render
from handlers.messages import Button, Reply
from knowledge.base import KnowledgeBase

REDIS_URL = "redis://127.0.0.1:6379/0"


async def test_text_is_escaped_and_split_before_escaping() -> None:
    text = ("Lệ phí <b>50.000</b> & phí khác. " * 300).strip()
    parts = await render(Reply(text), CallbackIds())
    assert len(parts) > 1
    assert all(len(html.unescape(p.html)) <= MESSAGE_LIMIT for p in parts)
    assert "<b>" not in "".join(p.html for p in parts) and "&lt;b&gt;" in parts[0].html
    assert " ".join(html.unescape(p.html) for p in parts) == text


async def test_keyboard_on_the_last_part_only_with_url_and_payload_buttons() -> None:
    reply = Reply(
        "x " * 3000,
        (Button("Lệ phí", "pa:1.001193:fee"), Button("Trang chính thức", url="https://a.vn")),
    )
    parts = await render(reply, CallbackIds())
    assert all(p.markup is None for p in parts[:-1])
    markup = parts[-1].markup
    assert markup is not None
    rows = markup.inline_keyboard
    assert rows[0][0].callback_data == "pa:1.001193:fee"
    assert rows[1][0].url == "https://a.vn" and rows[1][0].callback_data is None


async def test_long_payloads_travel_as_short_ids() -> None:
    ids = CallbackIds(MemoryCallbackStore(capacity=2))
    long_payload = "ds:sub:" + "Đ" * 60
    short = await ids.encode(long_payload)
    assert len(short.encode()) <= CALLBACK_LIMIT
    assert await ids.encode(long_payload) == short  # stable
    assert await ids.decode(short) == long_payload
    assert await ids.decode("pc:1.001193") == "pc:1.001193"
    await ids.encode("x" * 70)
    await ids.encode("y" * 70)  # the first one is forgotten: an old button, not a crash
    assert await ids.decode(short) is None
    assert await ids.decode("~forged") is None


async def test_empty_reply_still_sends_something() -> None:
    assert (await render(Reply(""), CallbackIds()))[0].html


async def test_a_long_payload_rendered_by_one_app_is_read_by_another_sharing_redis(
    tmp_path: Path, kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two replicas (two apps, one Redis): a short id made by the first is the second's too."""
    monkeypatch.setenv("MOTCUA_DATABASE__URL", f"sqlite+aiosqlite:///{tmp_path}/cb.db")
    monkeypatch.setenv("MOTCUA_SECURITY__SIGNING_KEY", "callback-test-key")
    monkeypatch.setenv("MOTCUA_TELEGRAM__TOKEN", "123456:callback-test-token")
    monkeypatch.setenv("MOTCUA_TELEGRAM__API_BASE", "http://127.0.0.1:1")  # never reached
    monkeypatch.delenv("MOTCUA_WEB__PUBLIC_URL", raising=False)
    monkeypatch.setenv("MOTCUA_REDIS__URL", REDIS_URL)
    services = await bootstrap(load_settings(), kb=kb, notifications=False)
    apps = [
        create_app(services.settings, services=services),
        create_app(services.settings, services=services),
    ]
    clients = [TestClient(TestServer(app)) for app in apps]
    try:
        for client in clients:
            await client.start_server()
        first, second = (app[TELEGRAM].callback_ids for app in apps)
        assert first is not second  # each app its own client, the same Redis behind
        long_payload = "ds:note:" + secrets.token_hex(40)
        (part,) = await render(Reply("x", (Button("Xem", long_payload),)), first)
        assert part.markup is not None
        data = part.markup.inline_keyboard[0][0].callback_data
        assert data is not None and len(data.encode()) <= CALLBACK_LIMIT
        assert await second.decode(data) == long_payload
    finally:
        for client in clients:
            await client.close()
        await services.aclose()
