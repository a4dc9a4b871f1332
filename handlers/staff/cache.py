"""Figures kept a short while, per replica (the report; the due list's filters): answered from
them while fresh; once older (up to ``keep``) at once too, while one background task recomputes
them; older still, or asked for explicitly, computed before answering. The report of a period at
a million dossiers costs tens of milliseconds of database work; figures a minute old do as well."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Entry(Generic[T]):
    value: T
    at: datetime  # when it was computed


class StaleWhileRevalidate(Generic[T]):
    def __init__(
        self,
        clock: Callable[[], datetime],
        *,
        fresh: timedelta,
        keep: timedelta,
        size: int = 128,
    ) -> None:
        self._clock = clock
        self._fresh = fresh
        self._keep = keep
        self._size = size
        self._entries: OrderedDict[Hashable, Entry[T]] = OrderedDict()
        self._refreshing: dict[Hashable, asyncio.Task[None]] = {}

    async def get(
        self, key: Hashable, compute: Callable[[], Awaitable[T]], *, force: bool = False
    ) -> Entry[T]:
        entry = self._entries.get(key)
        now = self._clock()
        if entry is not None and not force:
            age = now - entry.at
            if age < self._fresh:
                self._entries.move_to_end(key)
                return entry
            if age < self._keep:
                self._refresh(key, compute)
                return entry
        return await self._store(key, compute)

    async def _store(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> Entry[T]:
        at = self._clock()
        entry = Entry(await compute(), at)
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return entry

    def _refresh(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> None:
        if key in self._refreshing:
            return

        async def run() -> None:
            try:
                await self._store(key, compute)
            except Exception:  # the stale figures stay; the next request tries again
                log.exception("figures not recomputed")
            finally:
                self._refreshing.pop(key, None)

        self._refreshing[key] = asyncio.create_task(run(), name="figures-refresh")

    async def settled(self) -> None:
        """Waits for the recomputations under way (tests)."""
        await asyncio.gather(*self._refreshing.values(), return_exceptions=True)

    async def aclose(self) -> None:
        """Stops the background recomputations (the app is shutting down)."""
        tasks = list(self._refreshing.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
