"""Sends paced in Redis across dispatchers (bot/senders/gate.py), and the drain on SIGTERM."""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from db_support import require_redis
from fakes.bot_api import FakeBotAPI
from notify_support import enqueue_plain, outbox_rows
from redis.asyncio import Redis

from bot.senders.gate import Pace, RedisSendGate
from bot.senders.telegram import TelegramSender, create_push_bot
from notifications.dispatcher import ChannelLimits, Dispatcher, DispatcherConfig
from storage.engine import SessionFactory
from storage.send_pacing import RedisPacer

REDIS_URL = os.environ.get("MOTCUA_TEST_REDIS", "redis://127.0.0.1:6379/14")
ARRIVAL_JITTER_S = 0.05  # how late one arrival may be at the fake, beside its booked slot


@pytest.fixture
async def gate_prefix() -> AsyncIterator[str]:
    """A key prefix of this test's own in the test Redis db; its keys deleted after."""
    client = await require_redis(REDIS_URL)
    prefix = f"test:send:{secrets.token_hex(4)}"
    yield prefix
    keys = [key async for key in client.scan_iter(f"{prefix}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


def gate(prefix: str, per_second: float, interval: float) -> RedisSendGate:
    pace = Pace(1.0 / per_second if per_second else 0.0, interval, "telegram")
    pacer = RedisPacer(Redis.from_url(REDIS_URL), prefix=prefix)
    return RedisSendGate(pacer, {"telegram": pace})


def worker(
    factory: SessionFactory, api: FakeBotAPI, name: str, shared: RedisSendGate | None, **kw: object
) -> tuple[Dispatcher, TelegramSender]:
    sender = TelegramSender(create_push_bot(api.token, api.base_url, timeout=5.0))
    config = DispatcherConfig(worker_id=name, lease=timedelta(seconds=60), **kw)  # type: ignore[arg-type]
    # Each dispatcher alone would allow 20/s: only the gate keeps the two together under it.
    limits = {"telegram": ChannelLimits(20, 0.4)}
    return Dispatcher(factory, {"telegram": sender}, limits, config, gate=shared), sender


async def test_two_dispatchers_keep_one_rate_and_one_spacing_per_chat(
    session_factory: SessionFactory, fake_api: FakeBotAPI, gate_prefix: str
) -> None:
    await enqueue_plain(session_factory, 40, chats=8, when=datetime.now(UTC))
    gates = [gate(gate_prefix, 20, 0.4), gate(gate_prefix, 20, 0.4)]
    pairs = [
        worker(session_factory, fake_api, f"w{i}", g, batch_size=10, concurrency=4)
        for i, g in enumerate(gates)
    ]
    try:
        await asyncio.gather(*(d.run_once() for d, _ in pairs))
    finally:
        for (_, sender), g in zip(pairs, gates, strict=True):
            await sender.aclose()
            await g.aclose()
    calls = fake_api.calls("sendMessage")
    assert Counter(str(r.params["text"]) for r in calls) == Counter(
        f"tin nhắn số {i}" for i in range(40)
    )
    times = sorted(r.at for r in calls)
    # 40 messages at 20/s between both: at least 39 intervals of 1/20 s (alone: half that).
    assert times[-1] - times[0] >= 39 / 20 * 0.95
    # Slots are booked 0.4 s apart where sends start; the fake sees them after two event loops
    # and the network, whose lateness on a loaded machine shifts one arrival by tens of ms
    # (0.37997 s was seen). Without the gate, a chat's messages arrive milliseconds apart.
    for chat in {r.chat_id for r in calls}:
        at = [r.at for r in calls if r.chat_id == chat]
        assert min(b - a for a, b in itertools.pairwise(sorted(at))) >= 0.4 - ARRIVAL_JITTER_S


async def test_an_unreachable_gate_falls_back_to_this_process_pacing(
    session_factory: SessionFactory, fake_api: FakeBotAPI
) -> None:
    await enqueue_plain(session_factory, 6, chats=3, when=datetime.now(UTC))
    down = RedisSendGate(
        RedisPacer(Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)),
        {"telegram": Pace(0.05, 0.4, "telegram")},
    )
    d, sender = worker(session_factory, fake_api, "w", down)
    try:
        stats = await d.run_once()
    finally:
        await sender.aclose()
        await down.aclose()
    assert stats.sent == 6 and d.gate_outage.failing


async def test_drain_finishes_the_send_in_flight_and_gives_the_rest_back(
    session_factory: SessionFactory, fake_api: FakeBotAPI
) -> None:
    await enqueue_plain(session_factory, 12, chats=12, when=datetime.now(UTC))
    fake_api.fail("sendMessage", "slow", times=1, delay=1.0)  # the first send is in flight
    d, sender = worker(session_factory, fake_api, "w", None, concurrency=1)
    try:
        running = asyncio.create_task(d.run_once())
        await fake_api.wait_for(count=1, timeout=10)  # a request has reached the API
        assert await d.drain(timeout=10)
        stats = await running
        assert (await d.run_once()).claimed == 0  # a drained dispatcher claims nothing
    finally:
        await sender.aclose()
    rows = await outbox_rows(session_factory)
    sent = [r for r in rows if r["status"] == "sent"]
    assert stats.sent == len(sent) >= 1  # the one in flight finished and was recorded
    assert {r["status"] for r in rows} <= {"sent", "pending"}  # nothing left claimed
    assert len(fake_api.calls("sendMessage")) == len(sent)  # nothing sent unrecorded


async def test_a_flood_wait_holds_the_bucket_for_every_worker(gate_prefix: str) -> None:
    first, other = gate(gate_prefix, 20, 0.4), gate(gate_prefix, 20, 0.4)
    try:
        assert (await other.reserve("telegram", "1")).wait < 0.2
        await first.pause("telegram", 2.0)  # a 429 with retry_after=2 seen by the first
        slot = await other.reserve("telegram", "2")
        assert slot.booked and 1.8 <= slot.wait <= 2.1
        busy = await other.reserve("telegram", "2")  # the same chat again: 0.4 s later, unbooked
        assert not busy.booked and 0.3 <= busy.wait - slot.wait <= 0.45
    finally:
        await first.aclose()
        await other.aclose()
