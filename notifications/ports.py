"""The port a channel implements to push a message: ``Sender`` (Telegram, Zalo, ...)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from handlers.messages import Reply
from notifications.notice import NoticeFacts


class Outcome(StrEnum):
    SENT = "sent"
    RETRY_AFTER = "retry_after"  # the platform asked us to wait (HTTP 429)
    BLOCKED = "blocked"  # the user blocked the bot: end their subscriptions
    TRANSIENT = "transient"  # network, timeout, 5xx: retry with backoff
    PERMANENT = "permanent"  # bad request, chat not found: retrying cannot help


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: Outcome
    retry_after: float = 0.0
    error: str = ""


SENT = SendResult(Outcome.SENT)


@dataclass(frozen=True, slots=True)
class SendContext:
    """Which outbox row a send is for: lets a channel fall back to another route (e.g. Zalo's
    ZNS by phone when the chat window is closed) under the same idempotency key."""

    key: str  # "dossier:rule:occurrence:channel:recipient"
    dossier_id: int | None
    rule: str
    facts: NoticeFacts | None = None  # what the notice says, as data: render from these

    @property
    def occurrence(self) -> str:
        parts = self.key.split(":")
        return parts[2] if len(parts) > 2 else ""


class Sender(Protocol):
    """Delivers one message to one chat; never raises for platform errors, it classifies them."""

    @property
    def channel(self) -> str: ...

    async def send(
        self, recipient: str, reply: Reply, context: SendContext | None = None
    ) -> SendResult: ...


@dataclass(frozen=True, slots=True)
class Slot:
    """A gate's answer: ``booked`` for a send in ``wait`` seconds, or (not booked) the chat is
    taken for ``wait`` seconds by another process's send: ask again then."""

    booked: bool
    wait: float


class SendGate(Protocol):
    """Pacing shared by every dispatcher of a deployment (bot/senders/gate.py: Redis).

    ``reserve`` books the next slot that keeps the channel's overall rate and the chat's
    spacing, counted across every process. ``pause`` holds the whole channel for ``seconds``
    (a platform's 429 concerns the bot, not one process).
    """

    async def reserve(self, channel: str, recipient: str) -> Slot: ...

    async def pause(self, channel: str, seconds: float) -> None: ...
