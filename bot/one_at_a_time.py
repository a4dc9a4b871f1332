"""One message at a time per user: a second message waits for the answer to the first.

Polling handles updates as concurrent tasks and a web page can fire a button while an answer
is on its way; without this, two messages of one user could both load the same state and the
last save would silently drop the other's changes.
"""

from __future__ import annotations

import asyncio

from bot.ports import Responder
from handlers.messages import Incoming, Reply


class OneAtATime:
    """A Responder that serialises the messages of each (channel, user); others run freely."""

    def __init__(self, inner: Responder) -> None:
        self._inner = inner
        self._users: dict[tuple[str, str], tuple[asyncio.Lock, list[int]]] = {}

    async def handle(self, msg: Incoming) -> list[Reply]:
        key = (str(msg.channel), msg.user_id)
        lock, users = self._users.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:  # FIFO: messages are answered in the order they came
                return await self._inner.handle(msg)
        finally:
            users[0] -= 1
            if users[0] == 0:
                del self._users[key]

    @property
    def active_users(self) -> int:
        return len(self._users)
