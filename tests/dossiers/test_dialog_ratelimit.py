"""Lookup rate limits: fixed windows, failures cost more, refusal until the window ends; Redis."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator

import pytest

from handlers.dossiers.ratelimit import (
    CounterStore,
    MemoryCounterStore,
    RateLimiter,
    RedisCounterStore,
    Window,
    check_all,
)

REDIS_URL = os.environ.get("MOTCUA_TEST_REDIS", "redis://127.0.0.1:6379/0")


class Clock:
    def __init__(self, start: float = 1_764_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[CounterStore]:
    if request.param == "memory":
        yield MemoryCounterStore()
        return
    prefix = f"motcua-test-{secrets.token_hex(6)}:"
    redis_store = RedisCounterStore.from_url(REDIS_URL, prefix=prefix)
    try:
        await redis_store.get_many(["ping"])
    except Exception as exc:  # noqa: BLE001 - any connection problem
        await redis_store.aclose()
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {REDIS_URL} is required under CI: {exc}")
        pytest.skip(f"Redis not reachable: {exc}")
    try:
        yield redis_store
    finally:
        client = redis_store._redis
        keys = [k async for k in client.scan_iter(match=prefix + "*")]
        if keys:
            await client.delete(*keys)
        await redis_store.aclose()


async def test_minute_limit_refuses_then_recovers(store: CounterStore) -> None:
    clock = Clock()
    limiter = RateLimiter(store, [Window(3, 60), Window(100, 86400)], name="t", clock=clock)
    for _ in range(3):
        assert (await limiter.check("web:u1")).allowed
        await limiter.spend("web:u1")
    refused = await limiter.check("web:u1")
    assert not refused.allowed
    assert refused.window_s == 60
    assert 1 <= refused.retry_after_s <= 60
    # Another user is not affected.
    assert (await limiter.check("web:u2")).allowed
    clock.now += refused.retry_after_s
    assert (await limiter.check("web:u1")).allowed


async def test_day_limit_names_the_day_window(store: CounterStore) -> None:
    clock = Clock()
    limiter = RateLimiter(store, [Window(100, 60), Window(5, 86400)], name="t", clock=clock)
    for _ in range(5):
        await limiter.spend("k")
        clock.now += 61
    decision = await limiter.check("k")
    assert not decision.allowed
    assert decision.window_s == 86400
    assert decision.retry_after_s > 60


async def test_failures_cost_more(store: CounterStore) -> None:
    limiter = RateLimiter(store, [Window(10, 60)], name="t", clock=Clock())
    for _ in range(3):
        await limiter.spend("k", cost=3)
    assert (await limiter.check("k")).allowed  # 9 of 10 spent
    await limiter.spend("k", cost=3)
    assert not (await limiter.check("k")).allowed


async def test_refused_checks_spend_nothing(store: CounterStore) -> None:
    clock = Clock()
    limiter = RateLimiter(store, [Window(2, 60)], name="t", clock=clock)
    await limiter.spend("k", cost=2)
    for _ in range(20):
        assert not (await limiter.check("k")).allowed
    clock.now += 60
    assert (await limiter.check("k")).allowed


async def test_redis_counters_are_shared_between_instances() -> None:
    prefix = f"motcua-test-{secrets.token_hex(6)}:"
    first = RedisCounterStore.from_url(REDIS_URL, prefix=prefix)
    second = RedisCounterStore.from_url(REDIS_URL, prefix=prefix)
    try:
        try:
            await first.get_many(["ping"])
        except Exception as exc:  # noqa: BLE001
            if os.environ.get("CI") == "true":
                pytest.fail(f"Redis required under CI: {exc}")
            pytest.skip(f"Redis not reachable: {exc}")
        clock = Clock()
        a = RateLimiter(first, [Window(2, 60)], name="t", clock=clock)
        b = RateLimiter(second, [Window(2, 60)], name="t", clock=clock)
        await a.spend("web:u")
        await b.spend("web:u")
        assert not (await a.check("web:u")).allowed
        local = int(clock.now) + 7 * 3600
        ttl = await first._redis.ttl(f"{prefix}t:web:u:60:{local - local % 60}")
        assert 0 < ttl <= 61
    finally:
        keys = [k async for k in first._redis.scan_iter(match=prefix + "*")]
        if keys:
            await first._redis.delete(*keys)
        await first.aclose()
        await second.aclose()


async def test_add_many_counts_each_key_with_its_expiry(store: CounterStore) -> None:
    await store.add_many([("a", 2, 60), ("b", 5, 60), ("a", 1, 60)])
    assert await store.get_many(["a", "b", "c"]) == [3, 5, 0]
    await store.add_many([])
    assert await store.get_many(["a"]) == [3]


async def test_check_all_returns_the_first_refusal(store: CounterStore) -> None:
    clock = Clock()
    user = RateLimiter(store, [Window(2, 60), Window(100, 86400)], name="u", clock=clock)
    channel = RateLimiter(store, [Window(3, 60)], name="c", clock=clock)
    assert (await check_all((user, "web:u1"), (channel, "web"))).allowed
    await channel.spend("web", cost=3)
    refused = await check_all((user, "web:u1"), (channel, "web"))
    assert not refused.allowed and refused.window_s == 60
    await user.spend("web:u1", cost=2)
    await channel.spend("web", cost=-3)  # the channel clears: the user's limit now refuses
    assert await channel.remaining("web") == 3
    assert not (await check_all((user, "web:u1"), (channel, "web"))).allowed
    assert (await check_all((user, "web:u2"), (channel, "web"))).allowed
    # Limiters over different stores are checked one by one, with the same answer.
    other = RateLimiter(MemoryCounterStore(clock=clock), [Window(1, 60)], name="o", clock=clock)
    await other.spend("x")
    assert not (await check_all((user, "web:u2"), (other, "x"))).allowed
    assert (await check_all((user, "web:u2"), (other, "y"))).allowed
