"""The webhook's gate: forged, unsigned, stale and replayed deliveries change nothing; a retried
delivery is answered once, also when retries race (or reach another replica)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest
from fakes.zalo_api import FakeZaloAPI, ZaloHarness
from sqlalchemy import func, select

from bot.zalo.render import MAX_BUTTONS
from bot.zalo.signature import expected_mac
from handlers import texts_vi as t
from handlers.assistant import Assistant
from handlers.conversation import MemoryConversationStore
from handlers.messages import Incoming, Reply
from knowledge.base import KnowledgeBase
from storage.engine import SessionFactory
from storage.models import WebhookEvent
from storage.zalo_repo import SqlWebhookLedger


class Echo:
    """A core that answers every message with its text, and remembers what it saw."""

    def __init__(self) -> None:
        self.seen: list[Incoming] = []

    async def handle(self, msg: Incoming) -> list[Reply]:
        self.seen.append(msg)
        return [Reply(f"echo: {msg.text or msg.payload}")]


@pytest.fixture
async def gate(session_factory: SessionFactory) -> AsyncIterator[tuple[ZaloHarness, Echo]]:
    echo = Echo()
    async with (
        FakeZaloAPI() as api,
        ZaloHarness(api, session_factory, echo, MemoryConversationStore()) as h,
    ):
        yield h, echo


def _text_event(
    api: FakeZaloAPI, text: str = "xin chào", msg_id: str = "m-1", **kw: object
) -> dict[str, object]:
    return api.delivery("user_send_text", message={"text": text, "msg_id": msg_id}, **kw)


async def _ledger_rows(factory: SessionFactory) -> int:
    async with factory() as session:
        return int(
            (await session.execute(select(func.count()).select_from(WebhookEvent))).scalar_one()
        )


async def test_signed_delivery_is_answered(gate: tuple[ZaloHarness, Echo]) -> None:
    h, echo = gate
    assert await h.deliver(_text_event(h.api)) == 200
    await h.settle()
    assert [m.text for m in echo.seen] == ["xin chào"]
    assert [c.text for c in h.api.sent("message/cs")] == ["echo: xin chào"]


async def test_rejected_deliveries_change_nothing(
    gate: tuple[ZaloHarness, Echo], session_factory: SessionFactory
) -> None:
    h, echo = gate
    api = h.api
    body = _text_event(api)
    raw, headers = api.signed(body)
    # unsigned (also what the console's test POST looks like): 200, nothing processed
    assert await h.deliver(body, signed=False) == 200
    # forged: a made-up mac, and a mac made with the wrong key
    assert await h.deliver(raw, headers={"X-ZEvent-Signature": "mac=" + "f" * 64}) == 200
    wrong = expected_mac(api.app_id, raw, body["timestamp"], "guessed")  # type: ignore[arg-type]
    assert await h.deliver(raw, headers={"X-ZEvent-Signature": f"mac={wrong}"}) == 200
    # the body altered after signing
    tampered = raw.replace("xin chào".encode(), "chuyển tiền".encode())
    assert await h.deliver(tampered, headers=headers) == 200
    # stale: signed correctly, but 10 minutes old (a replay of a captured delivery)
    old = _text_event(api, msg_id="m-old", timestamp_ms=int(time.time() * 1000) - 600_000)
    assert await h.deliver(old) == 200
    # signed but not JSON we understand
    assert await h.deliver(b"[1, 2]", headers={"X-ZEvent-Signature": "mac=00"}) == 200
    await h.settle()
    assert echo.seen == []
    assert api.sent() == []
    assert await _ledger_rows(session_factory) == 0
    stats = h.channel.webhook.stats
    assert stats["unsigned"] == 1 and stats["forged"] == 3 and stats["stale"] == 1
    assert stats["accepted"] == 0


async def test_retried_delivery_is_answered_once(
    gate: tuple[ZaloHarness, Echo], session_factory: SessionFactory
) -> None:
    h, echo = gate
    body = _text_event(h.api, msg_id="m-retry")
    assert await h.deliver(body) == 200
    await h.settle()
    # Zalo retries the same body with num_retry; and a burst of racing retries
    assert await h.deliver(body, headers={"num_retry": "1"}) == 200
    statuses = await asyncio.gather(
        *(h.deliver(body, headers={"num_retry": "2"}) for _ in range(5))
    )
    await h.settle()
    assert statuses == [200] * 5
    assert len(echo.seen) == 1
    assert len(h.api.sent("message/cs")) == 1
    assert h.channel.webhook.stats["duplicate"] == 6
    assert await _ledger_rows(session_factory) == 1


async def test_events_without_msg_id_dedupe_on_name_user_and_time(
    gate: tuple[ZaloHarness, Echo],
) -> None:
    h, _ = gate
    follow = h.api.delivery("follow", user_id="u7")
    assert await h.deliver(follow) == 200
    assert await h.deliver(follow) == 200
    later = dict(follow, timestamp=str(int(follow["timestamp"]) + 5))  # type: ignore[call-overload]
    assert await h.deliver(later) == 200
    await h.settle()
    assert len(h.api.sent("message/cs", user_id="u7")) == 2


async def test_another_replica_sees_the_same_ledger(session_factory: SessionFactory) -> None:
    one, two = SqlWebhookLedger(session_factory), SqlWebhookLedger(session_factory)
    results = await asyncio.gather(
        *(ledger.first_time("zalo:user_send_text:x", "zalo") for ledger in (one, two, one, two))
    )
    assert sorted(results) == [False, False, False, True]


async def test_receipts_and_echoes_are_never_answered(gate: tuple[ZaloHarness, Echo]) -> None:
    h, echo = gate
    for name in ("user_received_message", "user_seen_message", "oa_send_text"):
        body = h.api.delivery(name, message={"msg_id": f"r-{name}"})
        assert await h.deliver(body) == 200
    anon = h.api.delivery(
        "anonymous_send_text", message={"text": "hi", "msg_id": "a1", "conversation_id": "c1"}
    )
    assert await h.deliver(anon) == 200
    await h.settle()
    assert echo.seen == [] and h.api.sent() == []


async def test_ledger_down_asks_zalo_to_retry(gate: tuple[ZaloHarness, Echo]) -> None:
    h, echo = gate

    class Down:
        async def first_time(self, key: str, source: str) -> bool:
            raise ConnectionError("database unreachable")

    h.channel.webhook._ledger = Down()
    assert await h.deliver(_text_event(h.api, msg_id="m-down")) == 503
    await h.settle()
    assert echo.seen == []


async def test_slow_handling_does_not_delay_the_200(gate: tuple[ZaloHarness, Echo]) -> None:
    h, echo = gate
    release = asyncio.Event()
    original = echo.handle

    async def slow(msg: Incoming) -> list[Reply]:
        await release.wait()
        return await original(msg)

    echo.handle = slow  # type: ignore[method-assign]
    started = time.perf_counter()
    assert await h.deliver(_text_event(h.api, msg_id="m-slow")) == 200
    assert time.perf_counter() - started < 1.0
    assert h.channel.webhook.pending == 1
    release.set()
    await h.settle()
    assert [c.text for c in h.api.sent()] == ["echo: xin chào"]


async def test_shutdown_drains_events_in_flight(session_factory: SessionFactory) -> None:
    echo = Echo()
    async with FakeZaloAPI() as api:
        async with ZaloHarness(api, session_factory, echo, MemoryConversationStore()) as h:
            api.latency_s = 0.2
            assert await h.deliver(_text_event(api, msg_id="m-drain")) == 200
            assert h.channel.webhook.pending == 1
        # the app's cleanup waited for the reply to go out
        assert [c.text for c in api.sent()] == ["echo: xin chào"]
    assert json.loads(json.dumps(api.sent()[0].body))["recipient"]["user_id"] == "u1"


async def test_a_slow_ledger_delays_neither_the_200_nor_dedupe(
    gate: tuple[ZaloHarness, Echo],
) -> None:
    """The verdict comes after the 200 (database under load): still handled exactly once."""
    h, echo = gate
    inner = h.channel.webhook._ledger

    class Slow:
        async def first_time(self, key: str, source: str) -> bool:
            await asyncio.sleep(0.3)
            return bool(await inner.first_time(key, source))

    h.channel.webhook._ledger = Slow()
    body = _text_event(h.api, msg_id="m-slow-ledger")
    started = time.perf_counter()
    statuses = await asyncio.gather(*(h.deliver(body) for _ in range(3)))
    assert statuses == [200, 200, 200]
    assert time.perf_counter() - started < 0.25
    await h.settle()
    assert len(echo.seen) == 1
    stats = h.channel.webhook.stats
    assert stats["late_verdict"] == 3 and stats["accepted"] == 1 and stats["duplicate"] == 2


async def test_zalo_senders_join_the_notification_senders(
    gate: tuple[ZaloHarness, Echo],
) -> None:
    from bot.senders.zalo import ZaloSender

    h, _ = gate
    from bot.channel import SENDERS

    senders = h.client.server.app[SENDERS]
    assert isinstance(senders["zalo"], ZaloSender)
    assert "zns" not in senders  # no ZNS template configured


async def test_a_digit_picks_from_the_latest_numbered_list_only(
    session_factory: SessionFactory, kb: KnowledgeBase
) -> None:
    """More buttons than Zalo shows: the core numbers them (its one digit mechanism)."""
    store = MemoryConversationStore()
    core = Assistant(kb, store, max_buttons={"zalo": MAX_BUTTONS})
    answers: list[str] = []
    async with FakeZaloAPI() as api, ZaloHarness(api, session_factory, core, store) as h:
        for n, text in enumerate(("1.001193", "2", "9", "xin chào", "2")):
            before = len(api.sent())
            body = api.delivery("user_send_text", message={"text": text, "msg_id": f"d{n}"})
            assert await h.deliver(body) == 200
            await h.settle()
            sent = api.sent()[before:]
            assert sent and all(m.buttons == [] or len(m.buttons) <= MAX_BUTTONS for m in sent)
            answers.append("\n".join(m.text for m in sent))
    overview, picked, out_of_range, hello, stale = answers
    # The procedure's aspect buttons, numbered: "2" is the second, "Thời hạn".
    assert t.CHOOSE_BY_NUMBER in overview and f"2. {t.ASPECT_BUTTONS['time']}" in overview
    assert picked != overview and t.NO_CHOICE_PENDING not in picked
    listed = sum(1 for line in picked.splitlines() if line[:1].isdigit() and line[1:3] == ". ")
    assert out_of_range == t.CHOICE_OUT_OF_RANGE.format(count=listed)
    assert hello == t.GREETING
    # After a plain answer the old list is gone: a digit picks nothing.
    assert stale == t.NO_CHOICE_PENDING


async def test_batched_ledger_groups_a_burst_into_few_inserts(
    session_factory: SessionFactory,
) -> None:
    from bot.ledger import BatchedLedger

    sql = SqlWebhookLedger(session_factory)
    calls: list[int] = []

    class Counting:
        async def first_time_many(self, keys: list[str], source: str) -> set[str]:
            calls.append(len(keys))
            return await sql.first_time_many(keys, source)

    ledger = BatchedLedger(Counting())
    keys = [f"k{i % 50}" for i in range(200)]  # every key four times
    results = await asyncio.gather(*(ledger.first_time(k, "zalo") for k in keys))
    assert sum(results) == 50
    assert {k for k, first in zip(keys, results, strict=True) if first} == set(keys)
    assert len(calls) <= 3 and sum(calls) == 200
    assert await _ledger_rows(session_factory) == 50

    class Broken:
        async def first_time_many(self, keys: list[str], source: str) -> set[str]:
            raise ConnectionError("down")

    broken = BatchedLedger(Broken())
    outcome = await asyncio.gather(broken.first_time("x", "zalo"), return_exceptions=True)
    assert isinstance(outcome[0], ConnectionError)
