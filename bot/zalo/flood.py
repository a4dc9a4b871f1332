"""A per-user flood limit for Zalo messages on the shared request-side limiter (Redis when
configured, so replicas count together): past it, one notice, then silence until there is room."""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum

from bot.zalo import NAME
from handlers.ratelimit import CounterStore, RateLimiter, Window


class Verdict(StrEnum):
    ALLOW = "allow"
    NOTIFY = "notify"  # the first message past the limit: say so once
    SILENT = "silent"  # later ones in the same flood: drop without a word


class FloodGate:
    """At most ``limit`` messages a user in any ``window_s`` seconds are handled.

    Refused messages are not counted, so a user who keeps typing is let in again as soon as
    the window has room. The notice is itself a limit of one in any ``window_s`` seconds: a
    flood gets one, wherever its messages land, and no replica keeps a flag of its own.
    """

    def __init__(
        self,
        counters: CounterStore,
        limit: int = 20,
        window_s: int = 60,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        within = (Window(limit, window_s, sliding=True),)
        self._messages = RateLimiter(counters, within, name=f"{NAME}-flood", clock=clock)
        once = (Window(1, window_s, sliding=True),)
        self._notices = RateLimiter(counters, once, name=f"{NAME}-flooded", clock=clock)

    async def check(self, user_id: str) -> Verdict:
        if (await self._messages.take(user_id)).allowed:
            return Verdict.ALLOW
        if (await self._notices.take(user_id)).allowed:
            return Verdict.NOTIFY
        return Verdict.SILENT
