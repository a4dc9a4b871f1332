"""``POST /webhooks/zalo``: verify the signature first, dedupe, answer 200 at once, and handle
the event in a tracked background task.

Status codes. Everything that reaches the handler is answered 200 except a database failure
(503, so that Zalo retries later). A delivery that is unsigned, forged, stale, malformed or a
repeat is answered 200 and changes nothing: Zalo's own console test POST carries no valid
signature and must get 200; a genuine delivery retried after the replay window (Zalo retries for
up to an hour with the original timestamp) would otherwise be retried until Zalo disables the
webhook; and a status code tells a forger nothing worth knowing. Rejections are logged (WARNING
for forged ones, so a wrong OA secret key shows) and counted in ``stats``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from aiohttp import web

from bot.zalo.events import BadEvent, ZaloEvent, parse
from bot.zalo.signature import HEADER, Verdict, verify

log = logging.getLogger(__name__)


class Ledger(Protocol):
    """storage.zalo_repo.SqlWebhookLedger: True the first time a key is seen (any replica)."""

    async def first_time(self, key: str, source: str) -> bool: ...


class EventHandler(Protocol):
    async def handle(self, event: ZaloEvent) -> None: ...


class ZaloWebhook:
    def __init__(
        self,
        *,
        app_id: str,
        oa_secret_key: str,
        ledger: Ledger,
        handler: EventHandler,
        window_s: float = 300,
        clock_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self._app_id = app_id
        self._secret = oa_secret_key
        self._ledger = ledger
        self._handler = handler
        self._window_s = window_s
        self._clock_ms = clock_ms
        self._tasks: set[asyncio.Task[None]] = set()
        self.stats: Counter[str] = Counter()

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()  # the exact bytes: the signature covers them
        checked = verify(
            request.headers.get(HEADER),
            raw,
            app_id=self._app_id,
            oa_secret_key=self._secret,
            now_ms=self._clock_ms(),
            window_s=self._window_s,
        )
        if not checked.ok:
            self.stats[checked.verdict.value] += 1
            level = logging.WARNING if checked.verdict is Verdict.FORGED else logging.INFO
            log.log(level, "zalo delivery not processed: %s (%d bytes)", checked.verdict,
                    len(raw))
            return _ok()
        try:
            event = parse(raw)
        except BadEvent as exc:
            self.stats["malformed"] += 1
            log.warning("signed zalo delivery unreadable: %s", exc)
            return _ok()
        try:
            first = await self._ledger.first_time(event.env.key, "zalo")
        except Exception:
            log.exception("webhook ledger unavailable; asking Zalo to retry")
            return web.Response(status=503, text="retry")
        if not first:
            self.stats["duplicate"] += 1
            log.info("zalo delivery %s already handled (retry %s)", event.env.name,
                     request.headers.get("num_retry", "?"))
            return _ok()
        self.stats["accepted"] += 1
        self._spawn(self._handler.handle(event), event.env.name)
        return _ok()

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(work, name=f"zalo:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            self.stats["failed"] += 1
            log.error("zalo event %s failed", task.get_name(), exc_info=exc)

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def drain(self, timeout: float = 10) -> None:
        """Waits for events in flight (on shutdown); cancels what is left after ``timeout``."""
        if not self._tasks:
            return
        _, late = await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in late:
            task.cancel()
        if late:
            log.warning("cancelled %d zalo events at shutdown", len(late))
            await asyncio.gather(*late, return_exceptions=True)


def _ok() -> web.Response:
    return web.json_response({"ok": True})
