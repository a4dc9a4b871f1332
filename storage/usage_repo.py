"""Usage events written in batches: ``record`` only appends to memory; a background flush
inserts what accumulated in one statement, so counting never slows a reply down."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.batching import FailureLog, Flusher
from storage.models import UsageEvent
from storage.types import utcnow

log = logging.getLogger(__name__)

USAGE = UsageEvent.__table__  # type: ignore[attr-defined]
FLUSH_SECONDS = 1.0
BATCH = 500  # events that trigger a flush before the timer
# While the database is unreachable, keep at most this many events, then drop the oldest:
# counts are worth less than the memory of the process that serves citizens.
MAX_BUFFERED = 50_000


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
        self._batch = batch
        self._clock = clock
        self._buffer: list[dict[str, Any]] = []
        self._flusher = Flusher(
            self._write, lambda: bool(self._buffer), delay=flush_seconds, name="usage-flush"
        )
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
        # A full batch is written at once, unless failing: then the timer tries again.
        self._flusher.wake(hurry=len(self._buffer) >= self._batch and not self._failing)

    async def flush(self) -> None:
        """Write everything buffered so far; on failure the events stay for the next try."""
        await self._flusher.flush()

    async def _write(self) -> None:
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

    async def settled(self) -> None:
        """Waits until the background writer has written what it could (tests)."""
        await self._flusher.settled()

    async def aclose(self) -> None:
        """Writes what is buffered; later events are written by ``flush`` only."""
        await self._flusher.aclose()
