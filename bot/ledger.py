"""Delivery dedupe with group commit: concurrent webhook requests (Zalo deliveries, Telegram
updates) share one database insert.

Under load each request would otherwise hold its own transaction; on SQLite (one writer) that
alone caps the webhook near 200 requests/s. Here requests that arrive while an insert runs wait
for the next one, which records them all; the database still decides, so replicas agree.
"""

from __future__ import annotations

from typing import Protocol

from storage.batching import GroupCommit

KEY_CHARS = 255  # what the ledger keeps of a key


class ManyLedger(Protocol):
    """storage.zalo_repo.SqlWebhookLedger."""

    async def first_time_many(self, keys: list[str], source: str) -> set[str]: ...


class BatchedLedger:
    def __init__(self, ledger: ManyLedger, *, max_batch: int = 500) -> None:
        self._ledger = ledger
        self._commit: GroupCommit[tuple[str, str], bool] = GroupCommit(
            self._first_times, max_batch=max_batch, name="delivery-ledger"
        )

    async def first_time(self, key: str, source: str) -> bool:
        """True the first time ``key`` is seen from ``source`` (by any replica)."""
        return await self._commit.submit((key, source))

    async def aclose(self) -> None:
        await self._commit.aclose()

    async def _first_times(self, batch: list[tuple[str, str]]) -> list[bool]:
        new: dict[str, set[str]] = {}
        for source in dict.fromkeys(source for _, source in batch):
            keys = [key for key, s in batch if s == source]
            new[source] = await self._ledger.first_time_many(keys, source)
        firsts = []
        for key, source in batch:
            first = key[:KEY_CHARS] in new[source]
            new[source].discard(key[:KEY_CHARS])  # the same key twice in one batch: once first
            firsts.append(first)
        return firsts
