"""The per-user flood limit on Zalo messages: past it one notice, then silence until the window
has room; other users, and a withdrawal, are never held back."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fakes.zalo_api import FakeZaloAPI, ZaloHarness
from sqlalchemy import func, select

from bot.zalo import texts_vi as ZT
from bot.zalo.flood import FloodGate, Verdict
from handlers.conversation import MemoryConversationStore
from handlers.messages import Incoming, Reply
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
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_gate_notifies_once_then_lets_in_when_the_window_has_room() -> None:
    clock = Clock()
    gate = FloodGate(3, 60, clock=clock)
    assert [gate.check("a") for _ in range(3)] == [Verdict.ALLOW] * 3
    assert gate.check("a") is Verdict.NOTIFY
    assert gate.check("a") is Verdict.SILENT
    assert gate.check("b") is Verdict.ALLOW  # another user has their own window
    clock.now += 30
    assert gate.check("a") is Verdict.SILENT
    clock.now += 31  # the first three are out of the window now
    assert gate.check("a") is Verdict.ALLOW
    assert [gate.check("a") for _ in range(3)] == [Verdict.ALLOW, Verdict.ALLOW, Verdict.NOTIFY]


def test_gate_forgets_quiet_users() -> None:
    clock = Clock()
    gate = FloodGate(2, 60, clock=clock)
    for n in range(50):
        gate.check(f"u{n}")
    assert len(gate) == 50
    clock.now += 61
    gate.check("late")
    assert len(gate) == 1


@pytest.fixture
async def world(session_factory: SessionFactory) -> AsyncIterator[tuple[ZaloHarness, Echo]]:
    echo = Echo()
    async with (
        FakeZaloAPI() as api,
        ZaloHarness(api, session_factory, echo, MemoryConversationStore()) as h,
    ):
        yield h, echo


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
