"""The counters behind handlers.ratelimit: this process's memory, or Redis shared by every
replica (with memory standing in while Redis is down). Chosen once, by ``counter_store``."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from redis.asyncio import Redis

from storage.batching import FailureLog


class MemoryCounterStore:
    """Counters in this process (the embedded default, tests, and Redis's stand-in).

    Keys are filed by the second they expire in; each call forgets the seconds that passed
    since the last one, so the work per call stays constant however many keys are live.
    ``max_keys`` bounds memory under a flood of new keys: the soonest to expire go first.
    """

    def __init__(
        self, clock: Callable[[], float] = time.time, *, max_keys: int = 1_000_000
    ) -> None:
        self._clock = clock
        self._max_keys = max_keys
        self._counts: dict[str, tuple[int, float]] = {}  # key -> (count, expires at)
        self._expiring: dict[int, list[str]] = {}  # whole second -> keys expiring before it
        self._swept = int(clock())

    def __len__(self) -> int:
        return len(self._counts)

    async def apply(
        self, adds: Sequence[tuple[str, int, int]], reads: Sequence[str] = ()
    ) -> list[int]:
        now = self._clock()
        self._sweep(now)
        for key, amount, ttl_s in adds:
            count, expires = self._counts.get(key, (0, 0.0))
            if expires <= now:
                count, expires = 0, now + ttl_s
                self._expiring.setdefault(int(expires) + 1, []).append(key)
            self._counts[key] = (count + amount, expires)
        if len(self._counts) > self._max_keys:
            self._evict(now)
        return [self._count(key, now) for key in reads]

    async def aclose(self) -> None:
        """Nothing to close: kept for the CounterStore protocol."""

    def _count(self, key: str, now: float) -> int:
        count, expires = self._counts.get(key, (0, 0.0))
        return count if expires > now else 0

    def _sweep(self, now: float) -> None:
        second = int(now)
        if second <= self._swept:
            return
        if second - self._swept > len(self._expiring):  # idle for long: visit buckets only
            due: Sequence[int] = sorted(s for s in self._expiring if s <= second)
        else:
            due = range(self._swept + 1, second + 1)
        self._swept = second
        for s in due:
            self._drop(self._expiring.pop(s, ()), now)

    def _drop(self, keys: Sequence[str], now: float, *, early: bool = False) -> None:
        for key in keys:
            entry = self._counts.get(key)
            # A key recreated since it was filed here is filed again under its new second.
            if entry is not None and (early or entry[1] <= now):
                del self._counts[key]

    def _evict(self, now: float) -> None:
        while len(self._counts) > self._max_keys and self._expiring:
            self._drop(self._expiring.pop(min(self._expiring)), now, early=True)


class RedisCounterStore:
    """Counters shared by every replica (``[redis] url``); one MULTI per call."""

    def __init__(self, client: Redis, prefix: str = "motcua:rl:") -> None:
        self._redis = client
        self._prefix = prefix

    @classmethod
    def from_url(cls, url: str, prefix: str = "motcua:rl:") -> RedisCounterStore:
        return cls(Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2), prefix)

    async def apply(
        self, adds: Sequence[tuple[str, int, int]], reads: Sequence[str] = ()
    ) -> list[int]:
        keys = [self._prefix + k for k in reads]
        if not adds:
            values = await self._redis.mget(keys) if keys else []
            return [int(v) if v is not None else 0 for v in values]
        async with self._redis.pipeline(transaction=True) as pipe:
            for key, amount, ttl_s in adds:
                # The window's first hit creates the key with its expiry (works on Redis < 7).
                pipe.set(self._prefix + key, 0, ex=max(1, ttl_s), nx=True)
                pipe.incrby(self._prefix + key, amount)
            if keys:
                pipe.mget(keys)
            results = await pipe.execute()
        if not keys:
            return []
        return [int(v) if v is not None else 0 for v in results[-1]]

    async def aclose(self) -> None:
        await self._redis.aclose()


class FallbackCounterStore:
    """Redis, and this process's memory while Redis cannot be reached: limits keep holding
    (per replica) through an outage, which ``failures`` logs once, not once per request."""

    def __init__(
        self,
        primary: RedisCounterStore,
        fallback: MemoryCounterStore,
        failures: FailureLog,
    ) -> None:
        self._primary = primary
        self._fallback = fallback
        self._outage = failures

    async def apply(
        self, adds: Sequence[tuple[str, int, int]], reads: Sequence[str] = ()
    ) -> list[int]:
        try:
            counts = await self._primary.apply(adds, reads)
        except Exception as exc:  # noqa: BLE001 - any Redis or network error
            self._outage.failed(exc)
            return await self._fallback.apply(adds, reads)
        self._outage.ok()
        return counts

    async def aclose(self) -> None:
        await self._primary.aclose()


def counter_store(
    redis_url: str, failures: FailureLog
) -> MemoryCounterStore | FallbackCounterStore:
    """Redis when a URL is configured (replicas share the counts), else this process's memory.
    ``failures`` hears of each Redis error and success (handlers.outage.OutageLog)."""
    if not redis_url:
        return MemoryCounterStore()
    return FallbackCounterStore(
        RedisCounterStore.from_url(redis_url), MemoryCounterStore(), failures
    )


class RedisProbe:
    """Whether the configured Redis answers (GET /readyz), on a client of its own."""

    def __init__(self, url: str, timeout_s: float) -> None:
        self._redis = Redis.from_url(url, socket_timeout=timeout_s)

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except Exception:  # noqa: BLE001 - any failure means "not ready"
            return False

    async def aclose(self) -> None:
        await self._redis.aclose()
