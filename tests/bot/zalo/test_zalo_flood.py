"""The per-user flood limit on Zalo messages, on the shared counters (memory or Redis): past it
one notice, then silence until the window has room; replicas count a user together; other
users, and sharing a phone, are never held back."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from fakes.zalo_api import FakeZaloAPI, ZaloHarness
from sqlalchemy import func, select

from bot.zalo import texts_vi as ZT
from bot.zalo.flood import FloodGate, Verdict
from handlers.conversation import MemoryConversationStore
from handlers.messages import Incoming, Reply
from handlers.ratelimit import CounterStore
from storage.counters import MemoryCounterStore
from storage.engine import SessionFactory
from storage.models import Contact


class Echo:
    def __init__(self) -> None:
        self.seen: list[Incoming] = []

    async def handle(self, msg: Incoming) -> list[Reply]:
        self.seen.append(msg)
        return [Reply(f"echo: {msg.text}")]


class Clock:
    def __init__(self) -> None:
        self.now = 1_764_000_000.0  # a minute's start in Vietnam: windows are aligned to it

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
def counters(request: pytest.FixtureRequest) -> Callable[[], CounterStore]:
    """Counter stores as two replicas see them: one in memory, or two clients of one Redis."""
    if request.param == "memory":
        shared = MemoryCounterStore()
        return lambda: shared
    make: Callable[[], CounterStore] = request.getfixturevalue("redis_counters")
    return make


async def test_gate_notifies_once_then_lets_in_when_the_window_has_room(
    counters: Callable[[], CounterStore],
) -> None:
    clock = Clock()
    gate = FloodGate(counters(), 3, 60, clock=clock)
    assert [await gate.check("a") for _ in range(3)] == [Verdict.ALLOW] * 3
    assert await gate.check("a") is Verdict.NOTIFY
    assert await gate.check("a") is Verdict.SILENT
    assert await gate.check("b") is Verdict.ALLOW  # another user has their own window
    clock.now += 30
    assert await gate.check("a") is Verdict.SILENT
    clock.now += 31  # a new minute, but the last 60 s still held three: no room, no notice
    assert await gate.check("a") is Verdict.SILENT
    clock.now += 60  # a whole minute without one handled
    assert await gate.check("a") is Verdict.ALLOW
    assert [await gate.check("a") for _ in range(3)] == [
        Verdict.ALLOW,
        Verdict.ALLOW,
        Verdict.NOTIFY,
    ]


async def test_replicas_count_one_user_together(counters: Callable[[], CounterStore]) -> None:
    clock = Clock()
    first, second = (FloodGate(counters(), 3, 60, clock=clock) for _ in range(2))
    assert [await first.check("a"), await second.check("a"), await first.check("a")] == [
        Verdict.ALLOW
    ] * 3
    assert await second.check("a") is Verdict.NOTIFY  # the flood is one, wherever it lands
    assert await first.check("a") is Verdict.SILENT


async def test_gate_forgets_quiet_users() -> None:
    clock = Clock()
    store = MemoryCounterStore(clock)
    gate = FloodGate(store, 2, 60, clock=clock)
    for n in range(50):
        await gate.check(f"u{n}")
    assert len(store) == 50
    clock.now += 180  # past the minute and the one that still counts it
    await gate.check("late")
    assert len(store) == 1


@pytest.fixture
async def world(
    session_factory: SessionFactory, counters: Callable[[], CounterStore]
) -> AsyncIterator[tuple[ZaloHarness, Echo]]:
    echo = Echo()
    async with (
        FakeZaloAPI() as api,
        ZaloHarness(api, session_factory, echo, MemoryConversationStore(), counters()) as h,
    ):
        yield h, echo


async def test_the_webhook_counts_on_the_apps_shared_counters(
    world: tuple[ZaloHarness, Echo], counters: Callable[[], CounterStore]
) -> None:
    h, echo = world
    other_replica = FloodGate(counters())  # the same limit, as another process runs it
    assert {await other_replica.check("busy") for _ in range(20)} == {Verdict.ALLOW}
    body = h.api.delivery("user_send_text", user_id="busy", message={"text": "m", "msg_id": "b"})
    assert await h.deliver(body) == 200
    await h.settle()
    assert [m for m in echo.seen if m.user_id == "busy"] == []
    assert [c.text for c in h.api.sent("message/cs", user_id="busy")] == [ZT.FLOODED]


async def test_a_flood_gets_one_notice_and_nothing_more(
    world: tuple[ZaloHarness, Echo], session_factory: SessionFactory
) -> None:
    h, echo = world
    api = h.api
    for n in range(25):
        body = api.delivery(
            "user_send_text", user_id="flooder", message={"text": f"m{n}", "msg_id": f"f-{n}"}
        )
        assert await h.deliver(body) == 200
    calm = api.delivery("user_send_text", user_id="calm", message={"text": "hi", "msg_id": "c"})
    assert await h.deliver(calm) == 200
    # Sharing a phone is never held back by the limit.
    shared = api.delivery("user_submit_info", user_id="flooder", info={"phone": "0912345678"})
    assert await h.deliver(shared) == 200
    await h.settle()
    handled = [m.text for m in echo.seen if m.user_id == "flooder"]
    # Twenty distinct messages handled (their order may vary when a dedupe verdict is late).
    assert len(handled) == len(set(handled)) == 20
    assert set(handled) <= {f"m{n}" for n in range(25)}
    texts = [c.text for c in api.sent("message/cs", user_id="flooder")]
    assert texts.count(ZT.FLOODED) == 1
    assert sum(t.startswith("echo:") for t in texts) == 20
    assert [c.text for c in api.sent("message/cs", user_id="calm")] == ["echo: hi"]
    assert h.channel.inbox.stats["flooded"] == 5
    async with session_factory() as session:
        stmt = select(func.count()).select_from(Contact).where(Contact.user_id == "flooder")
        assert (await session.execute(stmt)).scalar_one() == 1
