"""Inline keyboard presses: answer the callback at once, then hand the payload to the core."""

from __future__ import annotations

import contextlib

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery

from bot import texts_vi
from bot.ports import Responder
from bot.telegram import NAME as TELEGRAM
from bot.telegram.callbacks import CallbackIds
from bot.telegram.conversation import converse, user_id
from handlers.messages import Incoming


async def button_pressed(
    query: CallbackQuery, bot: Bot, assistant: Responder, callback_ids: CallbackIds
) -> None:
    payload = await callback_ids.decode(query.data or "")
    chat_id = query.message.chat.id if query.message else query.from_user.id
    # Stop the button's spinner first; an old query (> 15 min) can no longer be answered.
    with contextlib.suppress(TelegramAPIError):
        await query.answer(texts_vi.BUTTON_EXPIRED if payload is None else None)
    if payload is None:
        return
    msg = Incoming(TELEGRAM, user_id(chat_id), payload=payload)
    await converse(bot, chat_id, msg, assistant, callback_ids)


def create_router() -> Router:
    """A fresh router (a router joins one dispatcher only)."""
    router = Router(name=__name__)
    router.callback_query.register(button_pressed, F.data)
    return router
