"""Per-user rate limits (lookups, phone-digit attempts) over fixed windows of swappable counters.

Counters live in memory by default and in Redis when replicas must share them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis


class CounterStore(Protocol):
    """Integer counters that expire; keys are opaque strings."""

    async def get_many(self, keys: Sequence[str]) -> list[int]: ...

    async def add(self, key: str, amount: int, ttl_s: int) -> int: ...

    async def add_many(self, items: Sequence[tuple[str, int, int]]) -> None:
        """``add`` for each (key, amount, ttl_s), in one round trip where the store has them."""
        ...


class MemoryCounterStore:
    """Counters in this process only (the embedded default, and tests)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._counts: dict[str, tuple[int, float]] = {}  # key -> (count, expires at)

    async def get_many(self, keys: Sequence[str]) -> list[int]:
        now = self._clock()
        result = []
        for key in keys:
            count, expires = self._counts.get(key, (0, 0.0))
            result.append(count if expires > now else 0)
        return result

    async def add(self, key: str, amount: int, ttl_s: int) -> int:
        now = self._clock()
        count, expires = self._counts.get(key, (0, 0.0))
        if expires <= now:
            count, expires = 0, now + ttl_s
        count += amount
        self._counts[key] = (count, expires)
        if len(self._counts) > 10_000:  # drop expired windows now and then
            self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
        return count

    async def add_many(self, items: Sequence[tuple[str, int, int]]) -> None:
        for key, amount, ttl_s in items:
            await self.add(key, amount, ttl_s)


class RedisCounterStore:
    """Counters shared by every replica (``[redis] url``)."""

    def __init__(self, client: Redis, prefix: str = "motcua:rl:") -> None:
        self._redis = client
        self._prefix = prefix

    @classmethod
    def from_url(cls, url: str, prefix: str = "motcua:rl:") -> RedisCounterStore:
        return cls(Redis.from_url(url), prefix)

    async def get_many(self, keys: Sequence[str]) -> list[int]:
        if not keys:
            return []
        values = await self._redis.mget([self._prefix + k for k in keys])
        return [int(v) if v is not None else 0 for v in values]

    async def add(self, key: str, amount: int, ttl_s: int) -> int:
        full = self._prefix + key
        async with self._redis.pipeline(transaction=True) as pipe:
            # The window's first hit creates the key with its expiry (works on Redis < 7 too).
            pipe.set(full, 0, ex=ttl_s, nx=True)
            pipe.incrby(full, amount)
            _, count = await pipe.execute()
        return int(count)

    async def add_many(self, items: Sequence[tuple[str, int, int]]) -> None:
        if not items:
            return
        async with self._redis.pipeline(transaction=True) as pipe:
            for key, amount, ttl_s in items:
                pipe.set(self._prefix + key, 0, ex=ttl_s, nx=True)
                pipe.incrby(self._prefix + key, amount)
            await pipe.execute()

    async def aclose(self) -> None:
        await self._redis.aclose()


@dataclass(frozen=True, slots=True)
class Window:
    limit: int
    seconds: int


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    retry_after_s: int = 0  # when refused: seconds until the window that refused ends
    window_s: int = 0  # when refused: the length of that window (a minute, a day)


# Day windows end at midnight in Vietnam, so "try again tomorrow" means what it says.
VN_OFFSET_S = 7 * 3600


class RateLimiter:
    """Fixed windows per key: ``check`` before the work, ``spend`` after it with its cost.

    Refused requests spend nothing, so a user who waits gets served again on time; failures
    (unknown codes, wrong digits) can cost more than successes to stop enumeration.
    """

    def __init__(
        self,
        store: CounterStore,
        windows: Sequence[Window],
        *,
        name: str,
        clock: Callable[[], float] = time.time,
        offset_s: int = VN_OFFSET_S,
    ) -> None:
        self._store = store
        self._windows = tuple(windows)
        self._name = name
        self._clock = clock
        self._offset = offset_s

    def _slots(self, key: str) -> list[tuple[Window, str, int]]:
        local = int(self._clock()) + self._offset
        slots = []
        for w in self._windows:
            start = local - local % w.seconds
            slots.append((w, f"{self._name}:{key}:{w.seconds}:{start}", start + w.seconds - local))
        return slots

    async def check(self, key: str, cost: int = 1) -> Decision:
        slots = self._slots(key)
        counts = await self._store.get_many([k for _, k, _ in slots])
        return _decide(slots, counts, cost)

    async def remaining(self, key: str) -> int:
        """How much can still be spent under every window right now."""
        slots = self._slots(key)
        counts = await self._store.get_many([k for _, k, _ in slots])
        return max(0, min(w.limit - c for (w, _, _), c in zip(slots, counts, strict=True)))

    async def spend(self, key: str, cost: int = 1) -> None:
        await self._store.add_many([(k, cost, left + 1) for _, k, left in self._slots(key)])


def _decide(
    slots: Sequence[tuple[Window, str, int]], counts: Sequence[int], cost: int
) -> Decision:
    refused = [
        (remaining, w.seconds)
        for (w, _, remaining), count in zip(slots, counts, strict=True)
        if count + cost > w.limit
    ]
    if not refused:
        return Decision(True)
    remaining, seconds = max(refused)
    return Decision(False, max(1, remaining), seconds)


async def check_all(*checks: tuple[RateLimiter, str]) -> Decision:
    """The first refusal among several (limiter, key) checks, else allowed; limiters sharing
    one store are read together (one Redis round trip instead of one each)."""
    stores = {id(limiter._store) for limiter, _ in checks}
    if len(stores) != 1:
        for limiter, key in checks:
            decision = await limiter.check(key)
            if not decision.allowed:
                return decision
        return Decision(True)
    all_slots = [limiter._slots(key) for limiter, key in checks]
    counts = await checks[0][0]._store.get_many([k for slots in all_slots for _, k, _ in slots])
    start = 0
    for slots in all_slots:
        decision = _decide(slots, counts[start : start + len(slots)], 1)
        if not decision.allowed:
            return decision
        start += len(slots)
    return Decision(True)
