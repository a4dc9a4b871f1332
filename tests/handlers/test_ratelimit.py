"""Rate limits: atomic takes, sliding windows that hold over any interval, expiring O(1)
counters in memory and in Redis, and the in-memory stand-in while Redis is down."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest

from handlers.outage import OutageLog
from handlers.ratelimit import CounterStore, RateLimiter, Window
from storage.counters import FallbackCounterStore, MemoryCounterStore, RedisCounterStore


class Clock:
    def __init__(self, start: float = 1_764_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> CounterStore:
    if request.param == "memory":
        return MemoryCounterStore()
    make: Callable[[], RedisCounterStore] = request.getfixturevalue("redis_counters")
    return make()


async def test_take_refuses_past_the_limit_then_recovers(store: CounterStore) -> None:
    clock = Clock()
    limiter = RateLimiter(store, [Window(3, 60), Window(100, 86400)], name="t", clock=clock)
    assert [(await limiter.take("ip:a")).allowed for _ in range(4)] == [True] * 3 + [False]
    refused = await limiter.take("ip:a")
    assert refused.window_s == 60 and 1 <= refused.retry_after_s <= 60
    assert (await limiter.take("ip:b")).allowed  # another requester is not affected
    clock.now += refused.retry_after_s
    assert (await limiter.take("ip:a")).allowed


async def test_refused_takes_spend_nothing(store: CounterStore) -> None:
    clock = Clock()
    limiter = RateLimiter(store, [Window(2, 60)], name="t", clock=clock)
    await limiter.charge("k", 2)
    for _ in range(20):
        assert not (await limiter.take("k")).allowed
    assert await limiter.remaining("k") == 0
    clock.now += 60
    assert await limiter.remaining("k") == 2


async def test_sliding_window_holds_over_any_interval(store: CounterStore) -> None:
    clock = Clock(1_764_000_030.0)  # not on a minute boundary
    limiter = RateLimiter(store, [Window(10, 60, sliding=True)], name="t", clock=clock)
    allowed = []
    for _ in range(300):  # one attempt a second for five minutes
        if (await limiter.take("k")).allowed:
            allowed.append(clock.now)
        clock.now += 1
    most = max(sum(1 for u in allowed if t <= u < t + 60) for t in allowed)
    assert most == 10
    assert len(allowed) >= 25  # about five a minute on average, bursts of ten


async def test_fixed_windows_allow_twice_the_limit_across_a_boundary() -> None:
    """Why the lookup limit slides: a fixed minute lets 2x through around its edge."""
    clock = Clock(1_764_000_000.0 - 7 * 3600 % 60 + 59)  # one second before a local minute ends
    limiter = RateLimiter(MemoryCounterStore(clock=clock), [Window(10, 60)], name="t", clock=clock)
    first = [(await limiter.take("k")).allowed for _ in range(10)]
    clock.now += 1
    second = [(await limiter.take("k")).allowed for _ in range(10)]
    assert all(first) and all(second)


async def test_concurrent_takes_cannot_overspend(store: CounterStore) -> None:
    limiter = RateLimiter(store, [Window(10, 60, sliding=True)], name="t", clock=Clock())
    results = await asyncio.gather(*(limiter.take("ip:one") for _ in range(100)))
    assert sum(d.allowed for d in results) == 10


async def test_day_window_names_the_day(store: CounterStore) -> None:
    clock = Clock()
    limiter = RateLimiter(store, [Window(100, 60), Window(5, 86400)], name="t", clock=clock)
    for _ in range(5):
        assert (await limiter.take("k")).allowed
        clock.now += 61
    decision = await limiter.take("k")
    assert not decision.allowed
    assert decision.window_s == 86400 and decision.retry_after_s > 60


async def test_status_and_charge(store: CounterStore) -> None:
    limiter = RateLimiter(store, [Window(5, 3600, sliding=True)], name="t", clock=Clock())
    decision, used = await limiter.status("k")
    assert decision.allowed and used == 0
    await limiter.charge("k", 4)
    decision, used = await limiter.status("k")
    assert decision.allowed and used == 4
    await limiter.charge("k")
    decision, used = await limiter.status("k")
    assert not decision.allowed and used == 5


async def test_memory_store_forgets_expired_keys_as_time_passes() -> None:
    clock = Clock()
    store = MemoryCounterStore(clock=clock)
    for i in range(20_000):
        await store.apply([(f"k{i}", 1, 60)])
    assert len(store) == 20_000
    clock.now += 61
    await store.apply([("fresh", 1, 60)])
    assert len(store) == 1  # the expired ones went in the same call, bucket by bucket
    assert await store.apply((), ["k1", "fresh"]) == [0, 1]


async def test_memory_store_is_bounded_under_a_flood_of_keys() -> None:
    clock = Clock()
    store = MemoryCounterStore(clock=clock, max_keys=1000)
    for i in range(5000):
        await store.apply([(f"k{i}", 1, 3600)])
        if i % 100 == 0:
            clock.now += 1
    assert len(store) <= 1000
    assert await store.apply((), ["k4999"]) == [1]  # the newest survive


async def test_redis_counters_are_shared_and_expire(
    redis_counters: Callable[[], RedisCounterStore],
) -> None:
    first, second = redis_counters(), redis_counters()
    clock = Clock()
    a = RateLimiter(first, [Window(2, 60)], name="t", clock=clock)
    b = RateLimiter(second, [Window(2, 60)], name="t", clock=clock)
    assert (await a.take("ip:x")).allowed
    assert (await b.take("ip:x")).allowed
    assert not (await a.take("ip:x")).allowed
    local = int(clock.now) + 7 * 3600
    ttl = await first._redis.ttl(f"{first._prefix}t:ip:x:60:{local - local % 60}")
    assert 0 < ttl <= 61


async def test_limits_hold_in_memory_while_redis_is_down(caplog: pytest.LogCaptureFixture) -> None:
    down = RedisCounterStore.from_url("redis://127.0.0.1:1/0")  # nothing listens there
    outage = OutageLog(logging.getLogger("t"), "redis (rate limits counted in memory meanwhile)")
    store = FallbackCounterStore(down, MemoryCounterStore(), outage)
    limiter = RateLimiter(store, [Window(3, 60)], name="t", clock=Clock())
    with caplog.at_level(logging.WARNING):
        results = [(await limiter.take("ip:a")).allowed for _ in range(10)]
    assert results == [True] * 3 + [False] * 7
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "redis" in warnings[0].getMessage()
    assert all(r.exc_info is None for r in caplog.records)  # no traceback per request
    await store.aclose()
