"""``POST /webhooks/zalo``: verify the signature first, dedupe, answer 200 at once, and handle
the event in the background: a queue served by a fixed number of workers, so that a burst never
starves the answers to Zalo (time-to-200) and the backlog is bounded.

Status codes. Everything that reaches the handler is answered 200 except a database failure or
a full backlog (503, so that Zalo retries later) and a body larger than any event (413). The
MAC is checked over the raw bytes before anything is parsed. A delivery that is unsigned,
forged, stale, malformed or a repeat is answered 200 and changes nothing: Zalo's own console
test POST carries no valid signature and must get 200; a genuine delivery retried after the
replay window (Zalo retries for up to an hour with the original timestamp) would otherwise be
retried until Zalo disables the webhook; and a status code tells a forger nothing worth
knowing. Rejections are logged (WARNING for forged ones, so a wrong OA secret key shows) and
counted in ``stats``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from typing import Protocol

from aiohttp import web

from bot.web.body import read_limited
from bot.zalo.events import BadEvent, ZaloEvent, parse
from bot.zalo.signature import HEADER, Verdict, verify

log = logging.getLogger(__name__)

# Zalo's events are a few kilobytes (texts at most 2,000 characters, images by URL).
MAX_BODY = 256 * 1024


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
        workers: int = 8,
        backlog: int = 10_000,
        ack_budget_s: float = 0.005,
        clock_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self._app_id = app_id
        self._secret = oa_secret_key
        self._ledger = ledger
        self._handler = handler
        self._window_s = window_s
        self._clock_ms = clock_ms
        self._queue: asyncio.Queue[tuple[ZaloEvent, asyncio.Future[bool] | None]] = asyncio.Queue(
            maxsize=backlog
        )
        self._ack_budget_s = ack_budget_s
        self._n_workers = workers
        self._workers: list[asyncio.Task[None]] = []
        self._busy = 0
        self.stats: Counter[str] = Counter()

    async def handle(self, request: web.Request) -> web.Response:
        raw = await read_limited(request, MAX_BODY)  # the exact bytes: the MAC covers them
        if raw is None:
            self.stats["too_large"] += 1
            log.info("zalo delivery refused: larger than %d bytes", MAX_BODY)
            return web.Response(status=413, text="too large")
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
            log.log(level, "zalo delivery not processed: %s (%d bytes)", checked.verdict, len(raw))
            return _ok()
        try:
            event = parse(raw)
            if str(event.env.timestamp_ms) != checked.timestamp:
                raise BadEvent("the signed timestamp is not the event's")
        except BadEvent as exc:
            self.stats["malformed"] += 1
            log.warning("signed zalo delivery unreadable: %s", exc)
            return _ok()
        if self._queue.full():
            self.stats["overloaded"] += 1
            log.error("zalo backlog full (%d events): asking Zalo to retry", self._queue.qsize())
            return web.Response(status=503, text="busy")
        # The dedupe verdict usually comes within the budget; when the database is slow the
        # 200 goes out anyway and the worker waits for the verdict before handling the event.
        verdict = asyncio.ensure_future(self._ledger.first_time(event.env.key, "zalo"))
        done, _ = await asyncio.wait({verdict}, timeout=self._ack_budget_s)
        if verdict in done:
            try:
                first = verdict.result()
            except Exception:
                log.exception("webhook ledger unavailable; asking Zalo to retry")
                return web.Response(status=503, text="retry")
            if not self._count(first, event, request.headers.get("num_retry")):
                return _ok()
            self._enqueue(event, None)
        else:
            self.stats["late_verdict"] += 1
            self._enqueue(event, verdict)
        return _ok()

    def _count(self, first: bool, event: ZaloEvent, retry: str | None) -> bool:
        if first:
            self.stats["accepted"] += 1
        else:
            self.stats["duplicate"] += 1
            log.info("zalo delivery %s already handled (retry %s)", event.env.name, retry or "?")
        return first

    def _enqueue(self, event: ZaloEvent, verdict: asyncio.Future[bool] | None) -> None:
        self._start_workers()
        self._queue.put_nowait((event, verdict))

    def _start_workers(self) -> None:
        if not self._workers:
            self._workers = [
                asyncio.create_task(self._work(), name=f"zalo-worker-{i}")
                for i in range(self._n_workers)
            ]

    async def _work(self) -> None:
        while True:
            event, verdict = await self._queue.get()
            self._busy += 1
            try:
                if verdict is not None and not self._count(await verdict, event, None):
                    continue
                await self._handler.handle(event)
            except Exception:
                self.stats["failed"] += 1
                log.exception("zalo event %s failed", event.env.name)
            finally:
                self._busy -= 1
                self._queue.task_done()

    @property
    def pending(self) -> int:
        """Events accepted and not yet handled (queued or in progress)."""
        return self._queue.qsize() + self._busy

    async def drain(self, timeout: float = 10) -> None:
        """Waits for the accepted events (on shutdown); gives up on the rest after ``timeout``."""
        try:
            await asyncio.wait_for(self._queue.join(), timeout)
        except TimeoutError:
            log.warning("%d zalo events left unhandled at shutdown", self.pending)
        for task in self._workers:
            task.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []


def _ok() -> web.Response:
    return web.json_response({"ok": True})
