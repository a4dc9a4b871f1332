"""What one ``motcua serve`` process runs: the channels (web), the notification jobs (worker)
or both.

``web`` answers HTTP (web chat, webhooks, the ingest API, the staff console) and runs no
scheduler; ``worker`` runs the scheduler, the outbox dispatcher and the retention jobs, with only
the probes on HTTP; ``all`` (the default, the embedded set-up) does both. Replicas of either
share the database and Redis, so any number of each may run.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from aiohttp import web

from bot.app import SERVICES, create_app, notifications_ctx
from bot.bootstrap import Services
from bot.health import setup_health
from bot.retention import retention_ctx

logger = logging.getLogger(__name__)


class Role(StrEnum):
    ALL = "all"
    WEB = "web"
    WORKER = "worker"


def build_app(services: Services, role: Role) -> web.Application:
    """The aiohttp application for ``role``; the services close with it (the caller's hook)."""
    if role is Role.WORKER:
        return worker_app(services)
    if role is Role.WEB:
        services.notifications = False
        if services.telegram is not None and not services.settings.web.public_url:
            # getUpdates answers one poller at a time: several web replicas need the webhook.
            logger.warning(
                "telegram: polling from a web replica; run only one, or set web.public_url"
            )
    return create_app(services)


def worker_app(services: Services) -> web.Application:
    """The notification jobs, and /healthz, /readyz, /metrics for the orchestrator."""
    services.notifications = True
    app = web.Application()
    app[SERVICES] = services
    setup_health(app, services)
    settings = services.settings
    app.cleanup_ctx.append(retention_ctx(services.sessions, settings.privacy.conversation_days))
    app.cleanup_ctx.append(notifications_ctx)
    return app
