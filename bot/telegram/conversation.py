"""The one path every Telegram handler takes: ask the core (typing if slow), send the replies."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.utils.chat_action import ChatActionSender

from bot.ports import Responder
from bot.telegram.callbacks import CallbackIds
from bot.telegram.render import render
from handlers.messages import Incoming, Reply
from handlers.pseudonyms import pseudonym

logger = logging.getLogger(__name__)

TYPING_AFTER_S = 0.4


async def send_replies(bot: Bot, chat_id: int, replies: list[Reply], ids: CallbackIds) -> int:
    """Sends every part of every reply; returns how many went out.

    A chat that blocked the bot (403) stops the sending; a message Telegram refuses (400) is
    logged and skipped; other failures (after the retry middleware gave up) stop the sending.
    """
    sent = 0
    for reply in replies:
        for message in await render(reply, ids):
            try:
                await bot.send_message(chat_id, message.html, reply_markup=message.markup)
            except TelegramForbiddenError:
                logger.info("chat %s blocked the bot; not sending", pseudonym("telegram", chat_id))
                return sent
            except TelegramBadRequest as exc:
                logger.warning("telegram refused a message: %s", exc)
                continue
            except TelegramAPIError as exc:
                logger.error("could not send a message: %s", exc)
                return sent
            sent += 1
    return sent


async def converse(
    bot: Bot, chat_id: int, msg: Incoming, assistant: Responder, ids: CallbackIds
) -> int:
    """Adapt → core → render, in one place for all handlers. The core never raises: a
    failure comes back as its polite apology."""
    # "typing…" only when the answer takes longer than a blink.
    async with ChatActionSender.typing(chat_id, bot, initial_sleep=TYPING_AFTER_S):
        replies = await assistant.handle(msg)
    return await send_replies(bot, chat_id, replies, ids)


def user_id(chat_id: int) -> str:
    """Telegram's private chat id is the user id the core keys state and subscriptions by."""
    return str(chat_id)
