"""The write-behind conversation store: memory first, the database shortly after, nothing lost."""

from __future__ import annotations

import asyncio

from bot.state_cache import WriteBehindStore
from handlers.conversation import MemoryConversationStore


class CountingStore(MemoryConversationStore):
    def __init__(self, *, fail: int = 0) -> None:
        super().__init__()
        self.loads = 0
        self.saves = 0
        self.fail = fail

    async def load(self, channel: str, user_id: str) -> str | None:
        self.loads += 1
        return await super().load(channel, user_id)

    async def save(self, channel: str, user_id: str, state: str) -> None:
        if self.fail:
            self.fail -= 1
            raise ConnectionError("database down")
        self.saves += 1
        await super().save(channel, user_id, state)


class BatchStore(CountingStore):
    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []

    async def save_many(self, rows: list[tuple[str, str, str]]) -> None:
        self.batches.append(len(rows))
        for channel, user_id, state in rows:
            await MemoryConversationStore.save(self, channel, user_id, state)


async def test_reads_from_memory_and_writes_behind() -> None:
    inner = CountingStore()
    await inner.save("web", "u1", '{"a": 1}')
    inner.saves = 0
    store = WriteBehindStore(inner, interval=0.05)
    assert await store.load("web", "u1") == '{"a": 1}'
    assert await store.load("web", "u1") == '{"a": 1}'
    assert inner.loads == 1
    await store.save("web", "u1", '{"a": 2}')
    await store.save("web", "u1", '{"a": 3}')  # coalesced with the previous one
    assert await store.load("web", "u1") == '{"a": 3}'
    assert await inner.load("web", "u1") == '{"a": 1}'  # not yet written
    await asyncio.wait_for(store.settled(), 5)  # the background writer is done
    assert await inner.load("web", "u1") == '{"a": 3}'
    assert inner.saves == 1
    await store.save("web", "u1", '{"a": 3}')  # unchanged: no write at all
    assert store.pending == 0
    await store.aclose()


async def test_a_failing_database_loses_nothing() -> None:
    inner = CountingStore(fail=2)
    store = WriteBehindStore(inner, interval=0.02)
    await store.save("telegram", "7", "s1")
    await asyncio.wait_for(store.settled(), 5)  # two failed flushes, then a good one
    assert await inner.load("telegram", "7") == "s1"
    assert store.pending == 0
    await store.aclose()


async def test_close_writes_what_is_left_and_forget_removes() -> None:
    inner = CountingStore()
    store = WriteBehindStore(inner, interval=60)
    await store.save("web", "a", "x")
    await store.save("web", "b", "y")
    await store.forget("web", "b")
    await store.aclose()
    assert await inner.load("web", "a") == "x"
    assert await inner.load("web", "b") is None


async def test_batches_when_the_store_can() -> None:
    inner = BatchStore()
    store = WriteBehindStore(inner, interval=0.02)
    for i in range(5):
        await store.save("web", f"u{i}", str(i))
    await asyncio.wait_for(store.settled(), 5)
    assert inner.batches == [5]
    assert await inner.load("web", "u4") == "4"
    await store.aclose()


async def test_capacity_never_drops_an_unwritten_state() -> None:
    inner = CountingStore()
    store = WriteBehindStore(inner, interval=60, capacity=2)
    for i in range(4):
        await store.save("web", f"u{i}", str(i))
    await store.aclose()
    assert [await inner.load("web", f"u{i}") for i in range(4)] == ["0", "1", "2", "3"]
