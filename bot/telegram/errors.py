"""The last line of defence: an error in any handler is logged and the bot keeps running."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.exceptions import TelegramForbiddenError
from aiogram.types import ErrorEvent

logger = logging.getLogger(__name__)


async def log_error(event: ErrorEvent) -> bool:
    if isinstance(event.exception, TelegramForbiddenError):
        logger.info("a user blocked the bot: %s", event.exception)
    else:
        logger.error("update %s failed", event.update.update_id, exc_info=event.exception)
    return True


def create_router() -> Router:
    """A fresh router (a router joins one dispatcher only)."""
    router = Router(name=__name__)
    router.errors.register(log_error)
    return router
