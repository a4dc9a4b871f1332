"""The web chat channel: the page, ``/api/chat`` and the inbox of officers' answers."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING

from aiohttp import web

from bot.config import Settings
from bot.running import at_start
from bot.senders.web import WebSender
from bot.web import NAME
from bot.web.chat import CHAT, WebChat
from bot.web.inbox import INBOX, WebInbox
from bot.web.limits import trusted_networks
from handlers.payloads import Kind
from handlers.ports import PushPlace
from notifications.ports import Sender

if TYPE_CHECKING:
    from bot.bootstrap import Services


class WebChannel:
    """Always on; its session ids cost nothing, so it follows no dossier (hand-offs only)."""

    name = NAME
    vouched = False  # session ids cost nothing: addresses are counted
    max_buttons: int | None = None
    payload_kinds: tuple[type[Kind], ...] = ()

    def configured(self, settings: Settings) -> bool:
        return True

    def follows(self, settings: Settings) -> bool:
        return False

    def push_place(self, settings: Settings) -> PushPlace | None:
        return None

    def mount(self, app: web.Application, settings: Settings) -> None:
        WebChat.mount(app)
        at_start(
            app,
            CHAT,
            lambda services: WebChat(
                services.assistant,
                per_ip_per_minute=settings.web.per_ip_per_minute,
                trusted_proxies=trusted_networks(settings.web.trusted_proxies),
                counters=services.counters,
            ),
        )
        # Officers' answers to web chat hand-offs.
        WebInbox.mount(app)
        at_start(
            app, INBOX, lambda services: WebInbox(services.sessions, counters=services.counters)
        )

    @contextlib.asynccontextmanager
    async def lifespan(
        self, app: web.Application, services: Services
    ) -> AsyncIterator[Mapping[str, Sender]]:
        yield {self.name: WebSender(services.sessions)}  # hand-off answers wait in the inbox
