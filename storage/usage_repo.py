"""Usage events written in batches: ``record`` only appends to memory; a background flush
inserts what accumulated in one statement, so counting never slows a reply down."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import UsageEvent
from storage.types import utcnow

log = logging.getLogger(__name__)

USAGE = UsageEvent.__table__  # type: ignore[attr-defined]
FLUSH_SECONDS = 1.0
BATCH = 500  # events that trigger a flush before the timer
# While the database is unreachable, keep at most this many events, then drop the oldest:
# counts are worth less than the memory of the process that serves citizens.
MAX_BUFFERED = 50_000


class FailureLog(Protocol):
    """handlers.outage.OutageLog: one line per outage, not one per failed write."""

    def failed(self, exc: BaseException) -> None: ...

    def ok(self) -> None: ...


async def add_events(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """One multi-row INSERT; the caller commits."""
    if rows:
        await session.execute(insert(USAGE).values(list(rows)))


class BatchedUsageWriter:
    """Satisfies handlers.usage.UsageRecorder; call :meth:`aclose` to write what is left."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        flush_seconds: float = FLUSH_SECONDS,
        batch: int = BATCH,
        clock: Callable[[], datetime] = utcnow,
        failures: FailureLog | None = None,
    ) -> None:
        self._sessions = sessions
        self._failures = failures
        self._failing = False
        self._flush_seconds = flush_seconds
        self._batch = batch
        self._clock = clock
        self._buffer: list[dict[str, Any]] = []
        self._timer: asyncio.Task[None] | None = None
        self._flushing: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()
        self._closed = False
        self.dropped = 0

    def record(self, channel: str, kind: str, procedure_code: str | None = None) -> None:
        self._buffer.append(
            {
                "at": self._clock(),
                "channel": channel[:16],
                "kind": kind[:32],
                "procedure_code": procedure_code[:32] if procedure_code else None,
            }
        )
        if len(self._buffer) > MAX_BUFFERED:
            excess = len(self._buffer) - MAX_BUFFERED
            del self._buffer[:excess]
            self.dropped += excess
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (a synchronous caller): the next flush or aclose writes it
        if len(self._buffer) >= self._batch and not self._failing:  # failing: the timer retries
            task = asyncio.create_task(self.flush())
            self._flushing.add(task)
            task.add_done_callback(self._flushing.discard)
        elif self._timer is None and not self._closed:
            self._timer = asyncio.create_task(self._flush_later())

    async def _flush_later(self) -> None:
        try:
            await asyncio.sleep(self._flush_seconds)
        finally:
            self._timer = None
        await self.flush()

    async def flush(self) -> None:
        """Write everything buffered so far; on failure the events stay for the next try."""
        async with self._lock:
            rows, self._buffer = self._buffer, []
            if not rows:
                return
            try:
                async with self._sessions() as session, session.begin():
                    await add_events(session, rows)
            except Exception as exc:  # noqa: BLE001 - the database is down: kept for later
                self._buffer[:0] = rows
                if self._failures is not None:
                    self._failures.failed(exc)
                elif not self._failing:
                    log.warning("usage events not written, kept for the next try: %r", exc)
                self._failing = True
                return
            if self._failures is not None:
                self._failures.ok()
            self._failing = False

    async def aclose(self) -> None:
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer
        if self._flushing:
            await asyncio.gather(*self._flushing, return_exceptions=True)
        await self.flush()
