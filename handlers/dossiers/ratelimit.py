"""Rate limits over expiring counters (in memory, or in Redis shared by every replica).

A counter lives in a window (a minute, an hour, a calendar day in Vietnam) and expires with it:
every update is O(1), and nothing ever scans all the keys. ``take`` reserves before the work,
atomically, so a hundred concurrent requests of one client cannot all pass a check made before
any of them spent; ``charge`` adds the cost the outcome revealed (a failure costs more).

A *sliding* window also counts the previous window: the limit then holds over any interval of
the window's length ("at most 10 in any 60 s"), not only within aligned minutes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis

from handlers.outage import OutageLog

log = logging.getLogger(__name__)

# Day windows end at midnight in Vietnam, so "try again tomorrow" means what it says.
VN_OFFSET_S = 7 * 3600


class CounterStore(Protocol):
    """Integer counters that expire; keys are opaque strings."""

    async def apply(
        self, adds: Sequence[tuple[str, int, int]], reads: Sequence[str] = ()
    ) -> list[int]:
        """Adds each (key, amount, ttl_s) (the ttl is set when the key is created), then
        returns the counts of ``reads``; one round trip, atomic where the store allows."""
        ...


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
    (per replica) through an outage, which is logged once, not once per request."""

    def __init__(self, primary: RedisCounterStore, fallback: MemoryCounterStore) -> None:
        self._primary = primary
        self._fallback = fallback
        self._outage = OutageLog(log, "redis (rate limits counted in memory meanwhile)")

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


def counter_store(redis_url: str = "") -> CounterStore:
    """Redis when a URL is configured (replicas share the counts), else this process's memory."""
    if not redis_url:
        return MemoryCounterStore()
    return FallbackCounterStore(RedisCounterStore.from_url(redis_url), MemoryCounterStore())


@dataclass(frozen=True, slots=True)
class Window:
    limit: int
    seconds: int
    sliding: bool = False  # also count the previous window: the limit holds in any interval


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    retry_after_s: int = 0  # when refused: seconds until it would be allowed
    window_s: int = 0  # when refused: the length of the window that refused (a minute, a day)


@dataclass(frozen=True, slots=True)
class _Slot:
    window: Window
    key: str  # the current window's counter
    previous: str | None  # the previous window's (sliding windows)
    left_s: int  # seconds until the current window ends


class RateLimiter:
    """Windows of counters per key, all enforced together."""

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
        self._windows = tuple(w for w in windows if w.limit > 0)
        self._name = name
        self._clock = clock
        self._offset = offset_s

    def _slots(self, key: str) -> list[_Slot]:
        local = int(self._clock()) + self._offset
        slots = []
        for w in self._windows:
            start = local - local % w.seconds
            base = f"{self._name}:{key}:{w.seconds}:"
            previous = base + str(start - w.seconds) if w.sliding else None
            slots.append(_Slot(w, base + str(start), previous, start + w.seconds - local))
        return slots

    def _adds(self, slots: Sequence[_Slot], cost: int) -> list[tuple[str, int, int]]:
        # A sliding window's counter is read for one more window after its own.
        return [
            (s.key, cost, s.left_s + 1 + (s.window.seconds if s.window.sliding else 0))
            for s in slots
        ]

    @staticmethod
    def _reads(slots: Sequence[_Slot]) -> list[str]:
        return [k for s in slots for k in (s.key, s.previous) if k is not None]

    async def check(self, key: str, cost: int = 1) -> Decision:
        """Would ``cost`` more be allowed now? Reads only."""
        slots = self._slots(key)
        return _decide(slots, await self._store.apply((), self._reads(slots)), cost)

    async def take(self, key: str, cost: int = 1) -> Decision:
        """Spends ``cost`` if every window allows it, atomically; a refusal spends nothing."""
        slots = self._slots(key)
        if not slots:
            return Decision(True)
        counts = await self._store.apply(self._adds(slots, cost), self._reads(slots))
        decision = _decide(slots, counts, 0)
        if not decision.allowed:
            await self._store.apply(self._adds(slots, -cost))
        return decision

    async def charge(self, key: str, cost: int = 1) -> None:
        """Spends ``cost`` without asking (what an outcome costs beyond what was taken)."""
        slots = self._slots(key)
        if slots:
            await self._store.apply(self._adds(slots, cost))

    async def status(self, key: str) -> tuple[Decision, int]:
        """``check(key)`` and the largest count among the windows, in one read."""
        slots = self._slots(key)
        counts = await self._store.apply((), self._reads(slots))
        values = iter(counts)
        used = max((_total(s, values) for s in slots), default=0)
        return _decide(slots, counts, 1), used

    async def remaining(self, key: str) -> int:
        """How much can still be spent under every window right now."""
        slots = self._slots(key)
        counts = iter(await self._store.apply((), self._reads(slots)))
        return max(0, min((s.window.limit - _total(s, counts) for s in slots), default=0))


async def check_all(*checks: tuple[RateLimiter, str]) -> Decision:
    """The first refusal among several (limiter, key) checks, else allowed."""
    for limiter, key in checks:
        decision = await limiter.check(key)
        if not decision.allowed:
            return decision
    return Decision(True)


def _total(slot: _Slot, counts: Iterator[int]) -> int:
    current = next(counts)
    return current + (next(counts) if slot.previous is not None else 0)


def _decide(slots: Sequence[_Slot], counts: Sequence[int], cost: int) -> Decision:
    values = iter(counts)
    refused: list[tuple[int, int]] = []
    for slot in slots:
        current = next(values)
        previous = next(values) if slot.previous is not None else 0
        if current + previous + cost > slot.window.limit:
            wait = slot.left_s
            if slot.previous is not None and current + cost > slot.window.limit:
                wait += slot.window.seconds  # this window alone is full: the next one too
            refused.append((wait, slot.window.seconds))
    if not refused:
        return Decision(True)
    wait, seconds = max(refused)
    return Decision(False, max(1, wait), seconds)
