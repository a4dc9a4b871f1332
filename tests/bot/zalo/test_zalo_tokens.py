"""Zalo tokens: refreshed when Zalo says they expired (mid-conversation too), the single-use
refresh token rotated once across replicas, the stored pair preferred over the configured one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from fakes.zalo_api import FakeZaloAPI, ZaloHarness

from bot.zalo.client import ZaloClient
from bot.zalo.errors import ZaloApiError
from bot.zalo.tokens import MemoryTokenStore, OAuthClient, TokenManager
from handlers.conversation import MemoryConversationStore
from handlers.messages import Incoming, Reply
from storage.engine import SessionFactory
from storage.zalo_repo import SqlZaloTokenStore, StoredTokens


class Echo:
    async def handle(self, msg: Incoming) -> list[Reply]:
        return [Reply(f"echo: {msg.text}")]


def _manager(
    api: FakeZaloAPI, http: aiohttp.ClientSession, store: object, **kw: object
) -> TokenManager:
    oauth = OAuthClient(
        http, oauth_base=api.base_url, app_id=api.app_id, app_secret_key=api.app_secret_key
    )
    first = StoredTokens("AT-1", "RT-1", None, 0)
    return TokenManager(store, oauth.refresh, initial=first, **kw)  # type: ignore[arg-type]


def _oauth_calls(api: FakeZaloAPI) -> int:
    return sum(1 for c in api.calls if c.endpoint == "oauth")


async def test_token_expires_mid_conversation(session_factory: SessionFactory) -> None:
    async with (
        FakeZaloAPI() as api,
        ZaloHarness(api, session_factory, Echo(), MemoryConversationStore()) as h,
    ):
        body = api.delivery("user_send_text", message={"text": "một", "msg_id": "t1"})
        assert await h.deliver(body) == 200
        await h.settle()
        api.expire_token()
        body = api.delivery("user_send_text", message={"text": "hai", "msg_id": "t2"})
        assert await h.deliver(body) == 200
        await h.settle()
        assert [c.text for c in api.sent("message/cs")] == ["echo: một", "echo: hai"]
        assert _oauth_calls(api) == 1
        stored = await SqlZaloTokenStore(session_factory).load()
        assert stored is not None
        # the new pair was committed (version 2) and is the one in use
        assert (stored.access_token, stored.refresh_token) == (api.access_token, api.refresh_token)
        assert stored.version == 2
        assert api.sent("message/cs")[-1].access_token == stored.access_token
        assert stored.expires_at is not None and stored.expires_at > datetime.now(UTC)


async def test_replicas_refresh_once(session_factory: SessionFactory) -> None:
    """Four replicas hit -216 at once: one OAuth call; all use the same new token."""
    async with FakeZaloAPI() as api, aiohttp.ClientSession() as http:
        managers = [_manager(api, http, SqlZaloTokenStore(session_factory)) for _ in range(4)]
        assert {await m.access_token() for m in managers} == {"AT-1"}
        api.expire_token()
        clients = [ZaloClient(http, m, api_base=api.base_url) for m in managers]
        await asyncio.gather(*(c.send_text(f"u{i}", "x") for i, c in enumerate(clients)))
        assert _oauth_calls(api) == 1
        assert len(api.sent("message/cs")) == 4
        assert {await m.access_token() for m in managers} == {api.access_token}


async def test_a_restart_uses_the_stored_pair_not_the_configured_one(
    session_factory: SessionFactory,
) -> None:
    async with FakeZaloAPI() as api, aiohttp.ClientSession() as http:
        first = _manager(api, http, SqlZaloTokenStore(session_factory))
        await first.refresh(await first.access_token())
        assert api.refresh_token != "RT-1" and "RT-1" in api.used_refresh_tokens
        # a new process still has RT-1 in its settings: it must not be used again
        again = _manager(api, http, SqlZaloTokenStore(session_factory))
        assert await again.access_token() == api.access_token
        api.expire_token()
        await ZaloClient(http, again, api_base=api.base_url).send_text("u1", "x")
        assert [c.error for c in api.calls if c.endpoint == "oauth"] == [0, 0]


async def test_a_refused_refresh_keeps_the_stored_pair(session_factory: SessionFactory) -> None:
    async with FakeZaloAPI() as api, aiohttp.ClientSession() as http:
        store = SqlZaloTokenStore(session_factory)
        manager = _manager(api, http, store)
        await manager.access_token()
        api.refresh_token = "revoked-by-admin"
        api.expire_token()
        with pytest.raises(ZaloApiError) as caught:
            await ZaloClient(http, manager, api_base=api.base_url).send_text("u1", "x")
        assert caught.value.code == -14014
        stored = await store.load()
        assert stored is not None and stored.refresh_token == "RT-1" and stored.version == 1


async def test_refreshes_before_expiry(session_factory: SessionFactory) -> None:
    async with FakeZaloAPI() as api, aiohttp.ClientSession() as http:
        now = datetime.now(UTC)
        manager = _manager(
            api, http, SqlZaloTokenStore(session_factory), clock=lambda: now + timedelta(hours=26)
        )
        assert await manager.access_token() == api.access_token != "AT-1"
        assert _oauth_calls(api) == 1


async def test_memory_store_rotates_once() -> None:
    async with FakeZaloAPI() as api, aiohttp.ClientSession() as http:
        store = MemoryTokenStore()
        managers = [_manager(api, http, store) for _ in range(3)]
        for m in managers:
            await m.access_token()
        tokens = await asyncio.gather(*(m.refresh("AT-1") for m in managers))
        assert len(set(tokens)) == 1 and _oauth_calls(api) == 1


async def test_unreachable_oauth_is_a_transient_zalo_error(
    session_factory: SessionFactory,
) -> None:
    async with FakeZaloAPI() as api, aiohttp.ClientSession() as http:
        oauth = OAuthClient(
            http,
            oauth_base="http://127.0.0.1:9",
            app_id=api.app_id,
            app_secret_key=api.app_secret_key,
        )
        with pytest.raises(ZaloApiError) as caught:
            await oauth.refresh("RT-1")
        assert caught.value.code == 0 and caught.value.endpoint == "oauth"
        empty = TokenManager(SqlZaloTokenStore(session_factory), oauth.refresh, initial=None)
        with pytest.raises(ZaloApiError):
            await empty.access_token()  # nothing configured, nothing stored
