"""Writes batched behind the callers: one background writer per buffer, started, flushed and shut
down the same way everywhere (conversation states, usage counts, delivery dedupe, sent marks).

``Flusher`` runs a buffer's ``write`` in the background: ``wake`` starts it, it writes after
``delay`` seconds (at once when hurried) and goes on while something is pending (so a failed
write is tried again); ``aclose`` lets a write in progress finish, never cutting it, and writes
what is left. ``GroupCommit`` builds on it: callers that ``submit`` while a write runs share
the next one, and each gets its own result (or the write's exception).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")

log = logging.getLogger(__name__)


class FailureLog(Protocol):
    """handlers.outage.OutageLog: what a background writer (or the Redis fallback) tells of an
    outage, one line per outage rather than one per failed write."""

    def failed(self, exc: BaseException) -> None: ...

    def ok(self) -> None: ...


class Flusher:
    """The one background writer of a buffer its owner fills (see the module's docstring)."""

    def __init__(
        self,
        write: Callable[[], Awaitable[None]],
        pending: Callable[[], bool],
        *,
        delay: float = 0.0,
        name: str,
    ) -> None:
        self._write = write
        self._pending = pending
        self._delay = delay
        self._name = name
        self._hurry = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self.closed = False

    def wake(self, *, hurry: bool = False) -> None:
        """Something was buffered: write it within ``delay`` s (at once when ``hurry``)."""
        if hurry:
            self._hurry.set()
        if not self.closed and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._run(), name=self._name)

    async def flush(self) -> None:
        """Writes now (one write at a time, whoever asks)."""
        async with self._lock:
            await self._write()

    async def settled(self) -> None:
        """Waits until the background writer has nothing left to do (tests, shutdown)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def aclose(self) -> None:
        """Stops the background writer after its current write and writes what is left;
        afterwards ``wake`` starts nothing (the owner writes through)."""
        self.closed = True
        self._hurry.set()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task
        await self.flush()

    async def _run(self) -> None:
        while True:
            if self._delay > 0 and not self._hurry.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._hurry.wait(), self._delay)
            self._hurry.clear()
            try:
                await self.flush()
            except Exception:  # a bug in write (it handles outages itself): never spin on it
                log.exception("%s: write failed", self._name)
                return
            if self.closed or not self._pending():
                return


class GroupCommit(Generic[T, R]):
    """Concurrent callers share one write: ``write`` takes the items that arrived while the last
    one ran (at most ``max_batch``) and returns one result per item, in order."""

    def __init__(
        self,
        write: Callable[[list[T]], Awaitable[Sequence[R]]],
        *,
        max_batch: int = 0,
        name: str,
    ) -> None:
        self._write = write
        self._max = max_batch  # 0: no limit
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._flusher = Flusher(self._write_next, lambda: bool(self._waiting), name=name)

    async def submit(self, item: T) -> R:
        """Waits for the write that holds ``item`` and returns its result."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._flusher.closed:
            await self._flusher.flush()
        else:
            self._flusher.wake()
        return await future

    async def aclose(self) -> None:
        await self._flusher.aclose()

    async def _write_next(self) -> None:
        cut = self._max or len(self._waiting)
        batch, self._waiting = self._waiting[:cut], self._waiting[cut:]
        if not batch:
            return
        try:
            results = await self._write([item for item, _ in batch])
        except Exception as exc:  # every waiter hears of it
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)
