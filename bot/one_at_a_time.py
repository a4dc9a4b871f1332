"""One message at a time per user: a second message waits for the answer to the first.

Polling handles updates as concurrent tasks and a web page can fire a button while an answer
is on its way; without this, two messages of one user could both load the same state and the
last save would silently drop the other's changes. ``KeyedLock`` is the one per-user lock: a
channel that must keep more than the core's answer in order (Zalo's own steps) holds the same
lock around its work, and the core's turn inside it does not wait on itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from contextvars import ContextVar

from bot.ports import Responder
from handlers.messages import Incoming, Reply

# What the running task holds: (lock, key, task), so a task never waits on a key it holds.
_HELD: ContextVar[frozenset[tuple[int, Hashable, asyncio.Task[object] | None]]] = ContextVar(
    "keyed_lock_held", default=frozenset()
)


class KeyedLock:
    """One FIFO lock per key, made on first use and dropped when nobody holds or awaits it.

    Re-entrant within a task: a task that holds a key passes through when it asks again (tasks
    it starts do not inherit the hold)."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, list[int]]] = {}

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        mark = (id(self), key, asyncio.current_task())
        held = _HELD.get()
        if mark in held:
            yield
            return
        lock, users = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:  # FIFO: holders come in the order they asked
                token = _HELD.set(held | {mark})
                try:
                    yield
                finally:
                    _HELD.reset(token)
        finally:
            users[0] -= 1
            if users[0] == 0:
                del self._locks[key]

    def __len__(self) -> int:
        """Keys held or awaited right now."""
        return len(self._locks)


class OneAtATime:
    """A Responder that serialises the messages of each (channel, user); others run freely."""

    def __init__(self, inner: Responder, locks: KeyedLock | None = None) -> None:
        self._inner = inner
        self.locks = locks if locks is not None else KeyedLock()

    async def handle(self, msg: Incoming) -> list[Reply]:
        async with self.locks.hold((msg.channel, msg.user_id)):
            return await self._inner.handle(msg)

    @property
    def active_users(self) -> int:
        return len(self.locks)
