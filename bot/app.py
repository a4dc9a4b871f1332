"""The aiohttp application: the channels, the ingest API, the staff console, the scheduler
(each process runs what its role picks: bot.roles)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence

from aiohttp import web

from bot.api import mount_api
from bot.bootstrap import CHANNELS, Services, bootstrap
from bot.channel import SENDERS
from bot.channel import Channel as ChannelPort
from bot.config import Settings
from bot.health import setup_health, webhook_timer
from bot.retention import retention_ctx
from bot.roles import Role
from bot.running import SERVICES
from bot.staff.setup import mount_staff
from bot.telegram.channel import TELEGRAM, Telegram, webhook_secret
from bot.telegram.webhook import WEBHOOK_PATH
from bot.web.shedding import LoadShedder
from knowledge.base import KnowledgeBase
from notifications.ports import Sender

__all__ = ["SENDERS", "SERVICES", "TELEGRAM", "WEBHOOK_PATH", "Role", "Telegram", "create_app"]
__all__ += ["notifications_ctx", "webhook_secret"]

logger = logging.getLogger(__name__)

# Ingest batches and QR photos are the largest bodies; web chat JSON is capped lower itself.
MAX_BODY = 10 * 1024 * 1024
# The routes whose requests do work (and wait in line for the CPU or the database).
SHED_PATHS = ("/api/chat", "/api/v1/", WEBHOOK_PATH)

SHEDDER = web.AppKey("shedder", LoadShedder)
CleanupCtx = Callable[[web.Application], AsyncIterator[None]]


def create_app(
    settings: Settings,
    *,
    role: Role = Role.ALL,
    demo: bool = False,
    kb: KnowledgeBase | None = None,
    channels: Sequence[ChannelPort] = CHANNELS,
    services: Services | None = None,
) -> web.Application:
    """The channels, the API and the jobs ``role`` runs on one HTTP server, built from the
    settings alone: nothing is opened until the app starts.

    Its first ``cleanup_ctx`` bootstraps the services (migrations, engine, knowledge base,
    Redis, the Bot API client) and closes them after everything else; routes find them at
    request time (bot.running). ``role`` (bot.roles): ``web`` mounts the shared routes and the
    channels and runs no jobs; ``worker`` serves only the probes and runs the channels'
    lifespans (their push senders), retention and the notifications; ``all`` both. ``demo``
    loads the demo dossiers; ``kb`` a loaded knowledge base (tests share one); ``channels``
    those the settings may turn on. ``services``: ready ones instead (tests sharing them
    across apps), which the app neither opens nor closes.
    """
    running = tuple(c for c in channels if c.configured(settings))
    app = web.Application(
        client_max_size=MAX_BODY, middlewares=[webhook_timer(lambda r: r.app[SERVICES].metrics)]
    )
    # First in, last out: every later entry finds the services, and they close after it.
    app.cleanup_ctx.append(
        _services(
            settings,
            services,
            demo=demo,
            kb=kb,
            channels=running,
            notifications=role.runs_jobs,
            replicas=role is Role.WEB,  # other processes answer the same users
        )
    )
    if role.serves:
        # The outermost middleware: a request over capacity costs no more than its headers.
        shedder = LoadShedder(settings.web.max_in_flight, SHED_PATHS)
        app[SHEDDER] = shedder
        app.middlewares.append(shedder.middleware)
    setup_health(app, settings)  # /healthz, /readyz, /metrics
    if role.serves:
        mount_api(app)  # ingest API
        mount_staff(app)  # the staff console at /staff/
        for channel in running:
            channel.mount(app, settings)
    app.cleanup_ctx.append(_lifespans(running))  # a worker's too: the push senders
    if role.runs_jobs:
        app.cleanup_ctx.append(retention_ctx)
        app.cleanup_ctx.append(notifications_ctx)
    return app


def _services(
    settings: Settings,
    given: Services | None,
    *,
    demo: bool,
    kb: KnowledgeBase | None,
    channels: Sequence[ChannelPort],
    notifications: bool,
    replicas: bool,
) -> CleanupCtx:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        if given is not None:
            app[SERVICES] = given  # whoever built them closes them
            yield
            return
        services = await bootstrap(
            settings,
            demo=demo,
            kb=kb,
            channels=channels,
            notifications=notifications,
            replicas=replicas,
        )
        app[SERVICES] = services
        # finally: should a later entry fail to start, closing the loop's async generators
        # (web.run_app does) still closes the services.
        try:
            yield
        finally:
            await services.aclose()

    return ctx


def _lifespans(channels: Sequence[ChannelPort]) -> CleanupCtx:
    """Each running channel's lifespan; their push senders gathered in ``app[SENDERS]``."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        services = app[SERVICES]
        async with contextlib.AsyncExitStack() as stack:
            senders: dict[str, Sender] = {}
            for channel in channels:
                senders.update(await stack.enter_async_context(channel.lifespan(app, services)))
            app[SENDERS] = senders
            yield

    return ctx


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
