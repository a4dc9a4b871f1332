"""Messages of one user are answered one at a time and in order; other users are not held up."""

from __future__ import annotations

import asyncio

from bot.one_at_a_time import OneAtATime
from handlers.messages import Channel, Incoming, Reply


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
    msgs = [Incoming(Channel.TELEGRAM, u, text=str(i)) for i in range(4) for u in ("a", "b")]
    started = asyncio.get_running_loop().time()
    replies = await asyncio.gather(*(serial.handle(m) for m in msgs))
    elapsed = asyncio.get_running_loop().time() - started
    assert core.most == {"a": 1, "b": 1}
    assert [o for o in core.order if o.startswith("a")] == ["a:0", "a:1", "a:2", "a:3"]
    assert [r[0].text for r in replies] == [m.text for m in msgs]
    assert elapsed < 0.02 * 8 * 0.9  # the two users ran side by side
    assert serial.active_users == 0  # nothing kept once a user is idle
