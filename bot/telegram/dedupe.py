"""Each Telegram update is handled once, on whichever replica gets it first: ``update_id`` is
recorded in the shared delivery ledger (the Zalo webhook's), and a repeat is dropped.

Telegram delivers an update again when a webhook answer was lost or slow, and polling replicas
can overlap after a restart. When the ledger cannot be reached the update is handled anyway
(better an answer twice than none), and the outage is logged once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update

from handlers.outage import OutageLog

log = logging.getLogger(__name__)
SOURCE = "telegram"


class Ledger(Protocol):
    """bot.ledger.BatchedLedger: True the first time a key is seen (any replica)."""

    async def first_time(self, key: str, source: str) -> bool: ...


class FirstDelivery(BaseMiddleware):
    """An outer middleware on ``dp.update``."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._outage = OutageLog(log, "the Telegram update ledger")
        self.duplicates = 0

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if isinstance(event, Update):
            bot = data.get("bot")
            bot_id = bot.id if isinstance(bot, Bot) else 0
            try:
                first = await self._ledger.first_time(f"tg:{bot_id}:{event.update_id}", SOURCE)
            except Exception as exc:  # noqa: BLE001 - the database is down: answer anyway
                self._outage.failed(exc)
                first = True
            else:
                self._outage.ok()
            if not first:
                self.duplicates += 1
                log.info("telegram update delivered again: dropped")
                return None
        return await handler(event, data)
