"""A per-user flood limit for Zalo messages: past it, one notice, then silence until the window
has room again (kept in this process; each replica counts what it receives)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class Verdict(StrEnum):
    ALLOW = "allow"
    NOTIFY = "notify"  # the first message past the limit: say so once
    SILENT = "silent"  # later ones in the same flood: drop without a word


@dataclass(slots=True)
class _User:
    times: deque[float] = field(default_factory=deque)
    notified: bool = False


class FloodGate:
    """Sliding window: at most ``limit`` messages a user in any ``window_s`` seconds are handled.

    Refused messages are not counted, so a user who keeps typing is let in again as soon as
    the window has room, and the notice is sent again only after that.
    """

    def __init__(
        self,
        limit: int = 20,
        window_s: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limit = limit
        self._window_s = window_s
        self._clock = clock
        self._users: dict[str, _User] = {}
        self._next_sweep = 0.0

    def check(self, user_id: str) -> Verdict:
        now = self._clock()
        self._sweep(now)
        user = self._users.setdefault(user_id, _User())
        while user.times and user.times[0] <= now - self._window_s:
            user.times.popleft()
        if len(user.times) < self._limit:
            user.times.append(now)
            user.notified = False
            return Verdict.ALLOW
        if user.notified:
            return Verdict.SILENT
        user.notified = True
        return Verdict.NOTIFY

    def __len__(self) -> int:
        """Users currently tracked (for tests and a memory check)."""
        return len(self._users)

    def _sweep(self, now: float) -> None:
        """Forgets users quiet for a whole window, at most once a window (bounded memory)."""
        if now < self._next_sweep:
            return
        self._next_sweep = now + self._window_s
        stale = [
            key
            for key, user in self._users.items()
            if not user.times or user.times[-1] <= now - self._window_s
        ]
        for key in stale:
            del self._users[key]
