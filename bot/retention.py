"""What is kept, and for how long: conversation state untouched for ``[privacy] conversation_days``
is deleted, and delivery-ledger keys once no retry can come; run at start and every few hours.

Only conversation rows for now (what a web session, a Telegram or Zalo chat left behind: the
last procedure asked about, a pending choice). Dossiers, subscriptions and the outbox are the
agency's records and keep their own rules.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from aiohttp import web

from bot.running import SERVICES
from storage.conversations_repo import delete_stale
from storage.engine import SessionFactory
from storage.zalo_repo import SqlWebhookLedger

log = logging.getLogger(__name__)

EVERY_S = 6 * 3600
LEDGER_KEEP = timedelta(days=2)  # Zalo's last retry comes about two hours after the first try


async def prune_once(sessions: SessionFactory, retention_days: int, now: datetime) -> int:
    """One pass; returns the conversation rows deleted."""
    deleted = 0
    if retention_days > 0:
        deleted = await delete_stale(sessions, now - timedelta(days=retention_days))
        if deleted:
            log.info(
                "retention: %d conversation states older than %d days deleted",
                deleted,
                retention_days,
            )
    await SqlWebhookLedger(sessions).prune(now - LEDGER_KEEP)
    return deleted


async def _forever(sessions: SessionFactory, retention_days: int, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await prune_once(sessions, retention_days, datetime.now(UTC))
        except Exception as exc:  # noqa: BLE001 - the database is down: next time
            log.warning("retention pass failed: %s", type(exc).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), EVERY_S)


async def retention_ctx(app: web.Application) -> AsyncIterator[None]:
    """A ``cleanup_ctx`` entry that runs the passes while the app runs."""
    services = app[SERVICES]
    days = services.settings.privacy.conversation_days
    stop = asyncio.Event()
    task = asyncio.create_task(_forever(services.sessions, days, stop), name="retention")
    yield
    stop.set()
    await asyncio.gather(task, return_exceptions=True)
