"""Quiet failure: one warning when a dependency (the database, Redis) starts failing, a count
while it keeps failing, one line when it is back; never a traceback per request."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

# While an outage lasts, how often a line says it still does (with the count so far).
REMIND_EVERY_S = 60.0


class OutageLog:
    """Call ``failed`` on each failure of one dependency and ``ok`` on each success."""

    def __init__(
        self,
        logger: logging.Logger,
        what: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        remind_every_s: float = REMIND_EVERY_S,
    ) -> None:
        self._log = logger
        self._what = what
        self._clock = clock
        self._remind = remind_every_s
        self._failures = 0
        self._since = 0.0
        self._reminded = 0.0

    @property
    def failing(self) -> bool:
        return self._failures > 0

    def failed(self, exc: BaseException) -> None:
        now = self._clock()
        self._failures += 1
        if self._failures == 1:
            self._since = self._reminded = now
            # The exception's class and first line only: its text never holds personal data
            # from our side (queries are parametrised), and a traceback says nothing new.
            self._log.warning("%s unavailable: %s", self._what, _describe(exc))
        elif now - self._reminded >= self._remind:
            self._reminded = now
            self._log.warning(
                "%s still unavailable after %.0f s (%d failures so far): %s",
                self._what,
                now - self._since,
                self._failures,
                _describe(exc),
            )

    def ok(self) -> None:
        if self._failures:
            self._log.warning(
                "%s back after %.0f s (%d failures)",
                self._what,
                self._clock() - self._since,
                self._failures,
            )
            self._failures = 0


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200]}" if text else type(exc).__name__
