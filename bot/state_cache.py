"""Conversation state held in memory and written to the database just after (one replica only).

The SQL store costs two transactions per message; in the embedded single-process setup the
same process is the only reader, so reads can come from memory and writes can be coalesced per
user and flushed in the background. With several replicas (Redis configured) bootstrap uses the
SQL store directly, so every replica sees every change.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from handlers.conversation import ConversationStore
from handlers.outage import OutageLog
from storage.batching import Flusher

logger = logging.getLogger(__name__)

Key = tuple[str, str]


class WriteBehindStore:
    """A ConversationStore over another one: memory first, database within ``interval`` s.

    A crash loses at most the last ``interval`` of conversation state (what the user last asked
    about, a pending choice), never a dossier or a subscription: those are written at once.
    """

    def __init__(
        self, inner: ConversationStore, *, interval: float = 1.0, capacity: int = 100_000
    ) -> None:
        self._inner = inner
        self._capacity = capacity
        self._cache: OrderedDict[Key, str | None] = OrderedDict()
        self._dirty: dict[Key, str] = {}
        self._flusher = Flusher(
            self._write_dirty, lambda: bool(self._dirty), delay=interval, name="state-flush"
        )
        self._outage = OutageLog(logger, "the database (conversation states kept in memory)")

    async def load(self, channel: str, user_id: str) -> str | None:
        key = (channel, user_id)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        state = await self._inner.load(channel, user_id)
        if key not in self._cache:  # a save may have landed while the database answered
            self._remember(key, state)
        return self._cache[key]

    async def save(self, channel: str, user_id: str, state: str) -> None:
        key = (channel, user_id)
        if self._cache.get(key) == state and key not in self._dirty:
            self._cache.move_to_end(key)
            return  # unchanged: nothing to write
        self._remember(key, state)
        if self._flusher.closed:
            await self._inner.save(channel, user_id, state)
            return
        self._dirty[key] = state
        self._flusher.wake()

    async def forget(self, channel: str, user_id: str) -> None:
        key = (channel, user_id)
        self._dirty.pop(key, None)
        self._cache.pop(key, None)
        await self._inner.forget(channel, user_id)

    def _remember(self, key: Key, state: str | None) -> None:
        self._cache[key] = state
        self._cache.move_to_end(key)
        while len(self._cache) > self._capacity:
            old, _ = self._cache.popitem(last=False)
            if old in self._dirty:  # never drop an unwritten state: keep it until flushed
                self._cache[old] = self._dirty[old]
                break

    async def flush(self) -> None:
        """Writes every state saved since the last flush (in one batch when the store can)."""
        await self._flusher.flush()

    async def settled(self) -> None:
        """Waits until the background writer has written what it could (tests)."""
        await self._flusher.settled()

    async def _write_dirty(self) -> None:
        save_many = getattr(self._inner, "save_many", None)
        if save_many is not None and self._dirty:
            batch = dict(self._dirty)
            try:
                await save_many([(c, u, state) for (c, u), state in batch.items()])
            except Exception as exc:  # the database is down: keep them for the next flush
                self._outage.failed(exc)
                return
            self._outage.ok()
            for key, state in batch.items():
                if self._dirty.get(key) == state:
                    del self._dirty[key]
            return
        while self._dirty:
            key, state = next(iter(self._dirty.items()))
            try:
                await self._inner.save(key[0], key[1], state)
            except Exception as exc:  # the database is down: keep it for the next flush
                self._outage.failed(exc)
                return
            self._outage.ok()
            if self._dirty.get(key) == state:  # unless it changed again meanwhile
                del self._dirty[key]

    @property
    def pending(self) -> int:
        return len(self._dirty)

    async def aclose(self) -> None:
        """Waits for the background writer (never cut mid-write) and writes what is left."""
        await self._flusher.aclose()
