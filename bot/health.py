"""``GET /healthz`` (the process is alive), ``GET /readyz`` (it can serve: the database
answers, the knowledge base has procedures, Redis answers when configured; else 503) and
``GET /metrics`` (Prometheus text, bot.metrics)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware

from bot.config import Settings
from bot.metrics import WEBHOOKS, Metrics, content_type
from bot.running import SERVICES
from storage.counters import RedisProbe
from storage.engine import ping

log = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 2.0  # a dependency slower than this is not ready for citizens either
REDIS = web.AppKey("health_redis", RedisProbe)


async def healthz(_: web.Request) -> web.Response:
    return web.json_response({"status": "alive"})


async def readyz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    checks: dict[str, Any] = {}
    database = await _within(ping(services.sessions))
    checks["database"] = "ok" if database else "unavailable"
    procedures = len(services.knowledge)
    checks["knowledge"] = f"{procedures} procedures" if procedures else "empty"
    ready = bool(database and procedures)
    if services.settings.redis.url:
        redis_ok = await _within(request.app[REDIS].ping())
        checks["redis"] = "ok" if redis_ok else "unavailable"
        ready = ready and redis_ok
    status = 200 if ready else 503
    body = {"status": "ready" if ready else "unavailable", "checks": checks}
    return web.json_response(body, status=status)


async def prometheus(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    metrics = services.metrics
    metrics.procedures.set(len(services.knowledge))
    try:
        await _within(metrics.read_outbox(services.sessions), raise_=True)
    except Exception as exc:  # the counters still tell something; say the gauges are stale
        log.warning("metrics: outbox backlog not read: %s", type(exc).__name__)
    return web.Response(body=metrics.exposition(), headers={"Content-Type": content_type()})


async def _within(awaitable: Any, *, raise_: bool = False) -> Any:
    try:
        return await asyncio.wait_for(awaitable, CHECK_TIMEOUT_S)
    except Exception:
        if raise_:
            raise
        return False


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def webhook_timer(metrics: Callable[[web.Request], Metrics]) -> Middleware:
    """An aiohttp middleware timing the platforms' webhook requests (into ``metrics(request)``:
    the running app's)."""

    @web.middleware
    async def timed(request: web.Request, handler: Handler) -> web.StreamResponse:
        channel = WEBHOOKS.get(request.path)
        if channel is None:
            return await handler(request)
        started = time.perf_counter()
        try:
            return await handler(request)
        finally:
            metrics(request).webhook_latency.labels(channel).observe(time.perf_counter() - started)

    return timed


def setup_health(app: web.Application, settings: Settings) -> None:
    """The probes; they read the running app's services (bot.running) at request time."""
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", prometheus)
    url = settings.redis.url
    if url:

        async def redis_client(app: web.Application) -> AsyncIterator[None]:
            app[REDIS] = RedisProbe(url, CHECK_TIMEOUT_S)
            yield
            with contextlib.suppress(Exception):
                await app[REDIS].aclose()

        app.cleanup_ctx.append(redis_client)
