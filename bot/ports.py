"""What the channel adapters need from the conversation core (the Assistant satisfies it)."""

from __future__ import annotations

from typing import Protocol

from handlers.messages import Incoming, Reply


class Responder(Protocol):
    """Turns one thing a user did into the replies to show."""

    async def handle(self, msg: Incoming) -> list[Reply]: ...
