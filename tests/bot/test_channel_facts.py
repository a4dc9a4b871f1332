"""What the core knows of a channel it learns from bootstrap, by the channel's own name: here,
whose users a platform vouches for (lookups count them) and whose it does not (addresses)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import pytest
from aiohttp import web
from channel_support import RECEIPT, SIGNING_KEY, seed_dossier

from bot.bootstrap import CHANNELS, Services, bootstrap
from bot.config import Settings, load_settings
from bot.web import NAME as WEB
from handlers import texts_vi as t
from handlers.dossiers.lookup import requester
from handlers.messages import Incoming
from handlers.payloads import Kind
from handlers.ports import PushPlace
from knowledge.base import KnowledgeBase
from notifications.ports import Sender


class VouchingChannel:
    """A channel whose platform vouches for its chats (so they may follow dossiers)."""

    name = "vouching"
    vouched = True
    max_buttons: int | None = None
    payload_kinds: tuple[type[Kind], ...] = ()

    def configured(self, settings: Settings) -> bool:
        return True

    def follows(self, settings: Settings) -> bool:
        return True

    def push_place(self, settings: Settings) -> PushPlace | None:
        return PushPlace("Vouching")

    def mount(self, app: web.Application, services: Services) -> None:
        return None

    @contextlib.asynccontextmanager
    async def lifespan(
        self, app: web.Application, services: Services
    ) -> AsyncIterator[Mapping[str, Sender]]:
        yield {}


def test_a_lookup_is_counted_by_address_unless_the_channel_vouches_for_its_users() -> None:
    vouched = {"vouching"}
    assert requester(Incoming(WEB, "s1", client="192.0.2.7"), vouched) == "ip:192.0.2.7"
    assert requester(Incoming("vouching", "42"), vouched) == "user:vouching:42"
    # An adapter that forgot the address: its clients share one key, never a session id.
    assert requester(Incoming(WEB, "s1"), vouched) == "ip:?"
    assert requester(Incoming("unknown", "s2"), vouched) == "ip:?"
    assert requester(Incoming("unknown", "s2"), None) == "user:unknown:s2"  # tests' default


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("MOTCUA_DATABASE__URL", f"sqlite+aiosqlite:///{tmp_path / 'facts.db'}")
    monkeypatch.setenv("MOTCUA_SECURITY__SIGNING_KEY", SIGNING_KEY)
    monkeypatch.setenv("MOTCUA_LOOKUP__PER_USER_PER_MINUTE", "1")
    for name in ("TOKEN", "API_BASE", "WEBHOOK_SECRET"):
        monkeypatch.delenv(f"MOTCUA_TELEGRAM__{name}", raising=False)
    return load_settings()


async def test_bootstrap_tells_the_core_which_channels_vouch_for_their_users(
    settings: Settings, kb: KnowledgeBase
) -> None:
    services = await bootstrap(settings, kb=kb, channels=(*CHANNELS, VouchingChannel()))
    try:
        await seed_dossier(services.sessions)

        async def look(channel: str, user: str) -> str:
            replies = await services.assistant.handle(Incoming(channel, user, text=RECEIPT))
            return replies[0].text

        busy = t.DOSSIER_STEP_UP_BUSY.format(code=RECEIPT)
        # Two chats of a vouching platform: one reveal a minute each.
        assert await look("vouching", "chat-1") != busy
        assert await look("vouching", "chat-2") != busy
        assert await look("vouching", "chat-1") == busy
        # Two web sessions that came without an address share one count: ids cost nothing.
        assert await look(WEB, "session-000000000001") != busy
        assert await look(WEB, "session-000000000002") == busy
    finally:
        await services.aclose()
