"""/start (with or without a deep-link payload), /help and /hoso."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message

from bot.ports import Responder
from bot.telegram import NAME as TELEGRAM
from bot.telegram.callbacks import CallbackIds
from bot.telegram.conversation import converse, user_id
from handlers.messages import Incoming
from handlers.payloads import CORE


async def start_with_payload(
    message: Message,
    bot: Bot,
    command: CommandObject,
    assistant: Responder,
    callback_ids: CallbackIds,
) -> None:
    payload = (command.args or "").strip()
    if CORE.parse(payload) is not None:  # a link we never made is a plain /start
        msg = Incoming(TELEGRAM, user_id(message.chat.id), payload=payload)
    else:
        msg = Incoming(TELEGRAM, user_id(message.chat.id), text="/start")
    await converse(bot, message.chat.id, msg, assistant, callback_ids)


async def plain_command(
    message: Message,
    bot: Bot,
    command: CommandObject,
    assistant: Responder,
    callback_ids: CallbackIds,
) -> None:
    # The core knows these commands by their text.
    msg = Incoming(TELEGRAM, user_id(message.chat.id), text=f"/{command.command}")
    await converse(bot, message.chat.id, msg, assistant, callback_ids)


def create_router() -> Router:
    """A fresh router (a router joins one dispatcher only)."""
    router = Router(name=__name__)
    router.message.register(start_with_payload, CommandStart(deep_link=True))
    router.message.register(plain_command, CommandStart())
    router.message.register(plain_command, Command("help", "hoso"))
    return router
