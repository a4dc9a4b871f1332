"""What a channel is to the app: its settings, its routes, its senders and its lifespan.

Adding a channel is one class that satisfies :class:`Channel` and one line in
``bot.bootstrap.CHANNELS``; nothing else in the app names a channel.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Protocol

from aiohttp import web

from bot.config import Settings
from handlers.payloads import Kind
from handlers.ports import PushPlace
from notifications.ports import Sender

if TYPE_CHECKING:
    from bot.bootstrap import Services

# The push senders of the channels that run (outbox channel → Sender), set in the lifespan.
SENDERS = web.AppKey("senders", dict[str, Sender])


class Channel(Protocol):
    """One way citizens reach the assistant (Telegram, Zalo, the web chat, ...)."""

    @property
    def name(self) -> str:
        """``Incoming.channel`` of its messages, and the outbox channel of its pushes."""
        ...

    @property
    def vouched(self) -> bool:
        """Whether its platform vouches for a user id (limits count the user); else its
        adapter puts the client's address in ``Incoming.client`` and limits count that."""
        ...

    @property
    def max_buttons(self) -> int | None:
        """Buttons it shows on one message (None: no limit); the core numbers the rest."""
        ...

    @property
    def payload_kinds(self) -> tuple[type[Kind], ...]:
        """Payload kinds of its own, added to the core's registry (handlers.payloads)."""
        ...

    def configured(self, settings: Settings) -> bool:
        """Whether the settings turn it on (a token, keys; the web chat always)."""
        ...

    def follows(self, settings: Settings) -> bool:
        """Whether it can push a dossier's updates to a chat that subscribes."""
        ...

    def push_place(self, settings: Settings) -> PushPlace | None:
        """How a chat that cannot push names this channel (None: it does not follow)."""
        ...

    def mount(self, app: web.Application, settings: Settings) -> None:
        """Its routes and middlewares, from the settings alone: the app is being built and
        nothing is open yet. Its handlers find the services when a request comes
        (``request.app[bot.running.SERVICES]``, or what ``bot.running.at_start`` built)."""
        ...

    def lifespan(
        self, app: web.Application, services: Services
    ) -> AbstractAsyncContextManager[Mapping[str, Sender]]:
        """Opens its clients while the app runs; yields its senders (outbox channel → Sender)."""
        ...
