"""Shows "typing…" in a chat while a slow answer is being prepared, and never fails the answer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiogram import Bot
from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramAPIError

logger = logging.getLogger(__name__)

# Telegram shows an action for 5 s; repeat a little earlier while the answer is still coming.
_REPEAT_S = 4.5


async def _keep_typing(bot: Bot, chat_id: int, delay: float) -> None:
    await asyncio.sleep(delay)
    while True:
        try:
            await bot.send_chat_action(chat_id=chat_id, action=ChatAction.TYPING)
        except TelegramAPIError as exc:
            logger.debug("chat action failed: %s", exc)
            return
        await asyncio.sleep(_REPEAT_S)


@contextlib.asynccontextmanager
async def typing_while_slow(bot: Bot, chat_id: int, delay: float = 0.4) -> AsyncIterator[None]:
    """Sends the typing action only if the body takes longer than ``delay`` seconds."""
    task = asyncio.create_task(_keep_typing(bot, chat_id, delay))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
