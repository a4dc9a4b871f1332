"""Delivery dedupe with group commit: concurrent webhook requests (Zalo deliveries, Telegram
updates) share one database insert.

Under load each request would otherwise hold its own transaction; on SQLite (one writer) that
alone caps the webhook near 200 requests/s. Here requests that arrive while an insert runs wait
for the next one, which records them all; the database still decides, so replicas agree.
"""

from __future__ import annotations

import asyncio
from typing import Protocol


class ManyLedger(Protocol):
    """storage.zalo_repo.SqlWebhookLedger."""

    async def first_time_many(self, keys: list[str], source: str) -> set[str]: ...


class BatchedLedger:
    def __init__(self, ledger: ManyLedger, *, max_batch: int = 500) -> None:
        self._ledger = ledger
        self._max = max_batch
        self._waiting: list[tuple[str, str, asyncio.Future[bool]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def first_time(self, key: str, source: str) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((key, source, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="delivery-ledger")
        return await future

    async def _flush(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[: self._max], self._waiting[self._max :]
            by_source: dict[str, list[tuple[str, asyncio.Future[bool]]]] = {}
            for key, source, future in batch:
                by_source.setdefault(source, []).append((key, future))
            for source, items in by_source.items():
                try:
                    new = await self._ledger.first_time_many([k for k, _ in items], source)
                except Exception as exc:  # every waiter hears of it (the webhook answers 503)
                    for _, future in items:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for key, future in items:
                    first = key[:255] in new
                    new.discard(key[:255])  # the same key twice in one batch: only once first
                    if not future.done():
                        future.set_result(first)
