"""Where Telegram's short button ids (bot.telegram.callbacks) are kept: Redis with a TTL when
``[redis] url`` is set, so that a button rendered by one replica is understood by another;
this process's memory (bounded) otherwise. storage owns the Redis client (DESIGN.md)."""

from __future__ import annotations

from collections import OrderedDict

from redis.asyncio import Redis

TTL_S = 30 * 24 * 3600  # a button older than a month reads as expired
KEY_PREFIX = "motcua:callback:"


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


def callback_store(redis_url: str = "") -> MemoryCallbackStore | RedisCallbackStore:
    """Redis when configured (shared by replicas), memory otherwise."""
    return RedisCallbackStore.from_url(redis_url) if redis_url else MemoryCallbackStore()
