"""What one ``motcua serve`` process runs: the channels (web), the notification jobs (worker)
or both.

``web`` answers HTTP (web chat, webhooks, the ingest API, the staff console) and runs no
scheduler; ``worker`` runs the scheduler, the outbox dispatcher and the retention jobs, with the
channels' push senders and only the probes on HTTP; ``all`` (the default, the embedded set-up)
does both. Replicas of either share the database and Redis, so any number of each may run.
bot.app.create_app appends what the role picks.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiohttp import web

    from bot.bootstrap import Services
    from bot.config import Settings

logger = logging.getLogger(__name__)


class Role(StrEnum):
    ALL = "all"
    WEB = "web"
    WORKER = "worker"

    @property
    def serves(self) -> bool:
        """The chat, the webhooks, the ingest API and the staff console (else only probes)."""
        return self is not Role.WORKER

    @property
    def runs_jobs(self) -> bool:
        """The scheduler, the outbox dispatcher and retention."""
        return self is not Role.WEB


def build_app(
    settings: Settings, role: Role, *, demo: bool = False, services: Services | None = None
) -> web.Application:
    """The aiohttp application for ``role`` (bot.app.create_app: it opens everything when it
    starts; ``services``: ready ones, for tests)."""
    from bot.app import create_app

    if (
        role is Role.WEB
        and settings.telegram.token.get_secret_value()
        and not settings.web.public_url
    ):
        # getUpdates answers one poller at a time: several web replicas need the webhook.
        logger.warning("telegram: polling from a web replica; run only one, or set web.public_url")
    return create_app(settings, role=role, demo=demo, services=services)
