"""Request-side rate limits over expiring counters: the one limiter every limit uses (lookups,
phone digits, hand-offs, staff logins, the web chat per address). The counters live in a
``CounterStore``: storage.counters has this process's memory and Redis (shared by replicas),
chosen once at bootstrap.

A counter lives in a window (a minute, an hour, a calendar day in Vietnam) and expires with it:
every update is O(1), and nothing ever scans all the keys. ``take`` reserves before the work,
atomically, so a hundred concurrent requests of one client cannot all pass a check made before
any of them spent; ``charge`` adds the cost the outcome revealed (a failure costs more).

A *sliding* window also counts the previous window: the limit then holds over any interval of
the window's length ("at most 10 in any 60 s"), not only within aligned minutes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

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

    async def aclose(self) -> None:
        """Closes the store's connection, if it has one."""
        ...


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
