"""The port a channel implements to push a message: ``Sender`` (Telegram, Zalo, ...)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from handlers.messages import Reply


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


class Sender(Protocol):
    """Delivers one message to one chat; never raises for platform errors, it classifies them."""

    @property
    def channel(self) -> str: ...

    async def send(self, recipient: str, reply: Reply) -> SendResult: ...
