"""Messages of one user are answered one at a time and in order; other users are not held up."""

from __future__ import annotations

import asyncio

from bot.one_at_a_time import KeyedLock, OneAtATime
from handlers.messages import Incoming, Reply


class Slow:
    def __init__(self) -> None:
        self.running: dict[str, int] = {}
        self.most: dict[str, int] = {}
        self.order: list[str] = []

    async def handle(self, msg: Incoming) -> list[Reply]:
        user = msg.user_id
        self.running[user] = self.running.get(user, 0) + 1
        self.most[user] = max(self.most.get(user, 0), self.running[user])
        await asyncio.sleep(0.02)
        self.order.append(f"{user}:{msg.text}")
        self.running[user] -= 1
        return [Reply(msg.text or "")]


async def test_one_user_waits_others_do_not() -> None:
    core = Slow()
    serial = OneAtATime(core)
    msgs = [Incoming("telegram", u, text=str(i)) for i in range(4) for u in ("a", "b")]
    started = asyncio.get_running_loop().time()
    replies = await asyncio.gather(*(serial.handle(m) for m in msgs))
    elapsed = asyncio.get_running_loop().time() - started
    assert core.most == {"a": 1, "b": 1}
    assert [o for o in core.order if o.startswith("a")] == ["a:0", "a:1", "a:2", "a:3"]
    assert [r[0].text for r in replies] == [m.text for m in msgs]
    assert elapsed < 0.02 * 8 * 0.9  # the two users ran side by side
    assert serial.active_users == 0  # nothing kept once a user is idle


async def test_a_channel_holding_the_users_lock_passes_through_the_core_lock() -> None:
    core = Slow()
    serial = OneAtATime(core)
    order: list[str] = []

    async def channel_event(n: int) -> None:  # as the Zalo inbox does: its steps, then the core
        async with serial.locks.hold(("zalo", "u")):
            order.append(f"start {n}")
            await serial.handle(Incoming("zalo", "u", text=str(n)))
            order.append(f"end {n}")

    # Under one lock the core's turn does not wait on itself (it would never end otherwise).
    await asyncio.wait_for(asyncio.gather(*(channel_event(n) for n in range(3))), 5)
    assert order == ["start 0", "end 0", "start 1", "end 1", "start 2", "end 2"]
    assert core.most == {"u": 1} and len(serial.locks) == 0


async def test_a_task_started_under_a_hold_does_not_inherit_it() -> None:
    locks = KeyedLock()
    entered = asyncio.Event()

    async def child() -> None:
        async with locks.hold("k"):
            entered.set()

    async with locks.hold("k"):
        task = asyncio.create_task(child())
        await asyncio.sleep(0)  # let the child run up to the lock
        assert not entered.is_set()  # it waits: the hold is the parent's
    await asyncio.wait_for(task, 5)
    assert entered.is_set() and len(locks) == 0
