"""Load shedding: at most ``limit`` requests at work at once on the routes that do work; past
that a request is answered 503 with ``Retry-After`` at once, before its body is read.

Without it, requests past the server's capacity queue until their clients give up, and the
server then spends its time on answers nobody waits for: goodput collapses. With it, the
admitted requests are answered at capacity and the rest learn at once to come back later.
"""

from __future__ import annotations

import json
import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from bot import texts_vi
from handlers.outage import OutageLog

log = logging.getLogger(__name__)

RETRY_AFTER_S = 2


class LoadShedder:
    def __init__(
        self, limit: int, paths: tuple[str, ...], *, retry_after_s: int = RETRY_AFTER_S
    ) -> None:
        self.limit = limit
        self._paths = paths
        self._retry = str(retry_after_s)
        self._body = json.dumps({"error": texts_vi.WEB_OVERLOADED}, ensure_ascii=False).encode()
        self.in_flight = 0
        self.shed = 0
        self._episode = OutageLog(log, "capacity (requests answered 503)")

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if self.limit <= 0 or not request.path.startswith(self._paths):
            return await handler(request)
        if self.in_flight >= self.limit:
            self.shed += 1
            self._episode.failed(OverflowError(f"{self.in_flight} requests at work"))
            return web.Response(
                body=self._body,
                status=503,
                content_type="application/json",
                headers={"Retry-After": self._retry},
            )
        self.in_flight += 1
        try:
            return await handler(request)
        finally:
            self.in_flight -= 1
            if not self.in_flight:
                self._episode.ok()  # the queue emptied: the overload is over
