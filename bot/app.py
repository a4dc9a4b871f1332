"""The aiohttp application: the channels, the ingest API, the staff console, the scheduler
(each process runs what its role picks: bot.roles)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot.api import setup_api
from bot.bootstrap import Services
from bot.channel import SENDERS
from bot.health import setup_health, webhook_timer
from bot.retention import retention_ctx
from bot.roles import Role
from bot.staff.setup import setup_staff
from bot.telegram.channel import TELEGRAM, Telegram, webhook_secret
from bot.telegram.webhook import WEBHOOK_PATH
from bot.web.shedding import LoadShedder
from notifications.ports import Sender

__all__ = ["SENDERS", "SERVICES", "TELEGRAM", "WEBHOOK_PATH", "Role", "Telegram", "create_app"]
__all__ += ["notifications_ctx", "webhook_secret"]

logger = logging.getLogger(__name__)

# Ingest batches and QR photos are the largest bodies; web chat JSON is capped lower itself.
MAX_BODY = 10 * 1024 * 1024
# The routes whose requests do work (and wait in line for the CPU or the database).
SHED_PATHS = ("/api/chat", "/api/v1/", WEBHOOK_PATH)

SERVICES = web.AppKey("services", Services)
SHEDDER = web.AppKey("shedder", LoadShedder)


def create_app(
    services: Services, *, owns_services: bool = False, role: Role = Role.ALL
) -> web.Application:
    """The channels, the API and the jobs ``role`` runs on one HTTP server; what runs lives in
    ``cleanup_ctx``.

    ``role`` (bot.roles): ``web`` mounts the shared routes and the channels and runs no jobs;
    ``worker`` serves only the probes and runs the channels' lifespans (their push senders),
    retention and the notifications; ``all`` both. ``owns_services``: the services close with
    the app (``motcua serve``); tests that share them across apps close them themselves.
    """
    settings = services.settings
    app = web.Application(client_max_size=MAX_BODY, middlewares=[webhook_timer(services.metrics)])
    app[SERVICES] = services
    if role.serves:
        # The outermost middleware: a request over capacity costs no more than its headers.
        shedder = LoadShedder(settings.web.max_in_flight, SHED_PATHS)
        app[SHEDDER] = shedder
        app.middlewares.append(shedder.middleware)
    setup_health(app, services)  # /healthz, /readyz, /metrics
    if role.serves:
        setup_api(app, services)  # ingest API
        setup_staff(app, services)  # the staff console at /staff/
        for channel in services.channels:
            channel.mount(app, services)
    if owns_services:
        app.cleanup_ctx.append(_services)  # first in, last out: closes after everything
    app.cleanup_ctx.append(_channels)  # a worker's too: the push senders
    if role.runs_jobs:
        app.cleanup_ctx.append(
            retention_ctx(services.sessions, settings.privacy.conversation_days)
        )
        app.cleanup_ctx.append(notifications_ctx)
    return app


async def _services(app: web.Application) -> AsyncIterator[None]:
    yield
    await app[SERVICES].aclose()


async def _channels(app: web.Application) -> AsyncIterator[None]:
    """Each channel's lifespan; their push senders gathered in ``app[SENDERS]``."""
    services = app[SERVICES]
    async with contextlib.AsyncExitStack() as stack:
        senders: dict[str, Sender] = {}
        for channel in services.channels:
            senders.update(await stack.enter_async_context(channel.lifespan(app, services)))
        app[SENDERS] = senders
        yield


async def notifications_ctx(app: web.Application) -> AsyncIterator[None]:
    """The single place where the notification scheduler starts and stops with the app."""
    from bot.senders.setup import start_worker

    services = app[SERVICES]
    if not services.notifications:
        yield
        return
    senders = app[SENDERS]  # every running channel's
    worker = start_worker(
        services.settings,
        services.sessions,
        senders=senders,
        observe=services.metrics.sender,  # sends by channel and outcome for /metrics
    )
    logger.info("notifications: scheduler started")
    try:
        yield
    finally:
        await worker.stop()  # SIGTERM: the sends in flight finish, claimed rows go back
