"""Short ids for button payloads longer than Telegram's 64 bytes of ``callback_data``.

One store per deployment: Redis (with a TTL) when ``[redis] url`` is set, so a button rendered
by one replica is understood by another; memory (bounded) otherwise. Every payload the core
makes fits (handlers.payloads keeps it so): this is the safety net for one that does not.
"""

from __future__ import annotations

import base64
import hashlib
from collections import OrderedDict
from typing import Protocol

from redis.asyncio import Redis

CALLBACK_LIMIT = 64  # bytes of callback_data
SHORT_PREFIX = "~"  # never the first character of a payload (handlers.payloads.well_formed)
TTL_S = 30 * 24 * 3600  # a button older than a month reads as expired
KEY_PREFIX = "motcua:callback:"


class CallbackStore(Protocol):
    async def put(self, short: str, payload: str) -> None: ...

    async def get(self, short: str) -> str | None: ...

    async def aclose(self) -> None: ...


class MemoryCallbackStore:
    """One process: bounded, the oldest forgotten first."""

    def __init__(self, capacity: int = 50_000) -> None:
        self._capacity = capacity
        self._payloads: OrderedDict[str, str] = OrderedDict()

    async def put(self, short: str, payload: str) -> None:
        self._payloads[short] = payload
        self._payloads.move_to_end(short)
        while len(self._payloads) > self._capacity:
            self._payloads.popitem(last=False)

    async def get(self, short: str) -> str | None:
        return self._payloads.get(short)

    async def aclose(self) -> None:
        self._payloads.clear()


class RedisCallbackStore:
    """Every replica: one key per short id, expiring after ``ttl_s``."""

    def __init__(self, client: Redis, *, ttl_s: int = TTL_S, prefix: str = KEY_PREFIX) -> None:
        self._redis = client
        self._ttl_s = ttl_s
        self._prefix = prefix

    @classmethod
    def from_url(cls, url: str, **kwargs: int | str) -> RedisCallbackStore:
        return cls(Redis.from_url(url, decode_responses=True), **kwargs)  # type: ignore[arg-type]

    async def put(self, short: str, payload: str) -> None:
        await self._redis.set(self._prefix + short, payload, ex=self._ttl_s)

    async def get(self, short: str) -> str | None:
        found = await self._redis.get(self._prefix + short)
        return str(found) if found is not None else None

    async def aclose(self) -> None:
        await self._redis.aclose()


def callback_store(redis_url: str = "") -> CallbackStore:
    """Redis when configured (shared by replicas), memory otherwise."""
    return RedisCallbackStore.from_url(redis_url) if redis_url else MemoryCallbackStore()


class CallbackIds:
    """Payload ↔ ``callback_data``: a payload that fits is sent as it is; a longer one as a
    short id (a hash of it, so the same payload always gets the same id) kept in the store."""

    def __init__(self, store: CallbackStore | None = None) -> None:
        self.store: CallbackStore = store if store is not None else MemoryCallbackStore()

    async def encode(self, payload: str) -> str:
        if len(payload.encode()) <= CALLBACK_LIMIT and not payload.startswith(SHORT_PREFIX):
            return payload
        digest = hashlib.sha256(payload.encode()).digest()[:18]
        short = SHORT_PREFIX + base64.urlsafe_b64encode(digest).decode()
        await self.store.put(short, payload)
        return short

    async def decode(self, data: str) -> str | None:
        """The payload behind ``data``; None when it is a short id no longer known."""
        if not data.startswith(SHORT_PREFIX):
            return data
        return await self.store.get(data)

    async def aclose(self) -> None:
        await self.store.aclose()
