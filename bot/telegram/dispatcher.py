"""Where the Telegram side is assembled: the routers joined, the Bot and its session built."""

from __future__ import annotations

from aiogram import Bot, Dispatcher, F
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ChatType, ParseMode
from aiogram.types import BotCommand

from bot import texts_vi
from bot.ports import Responder
from bot.telegram import buttons, chat, commands, errors
from bot.telegram.callbacks import CallbackIds
from bot.telegram.retry import RetryMiddleware
from bot.telegram.session import api_server, create_session


def build_dispatcher(assistant: Responder, callback_ids: CallbackIds | None = None) -> Dispatcher:
    """A Dispatcher with the services as workflow data (handlers get them as arguments);
    ``callback_ids``: the deployment's store of long button payloads (memory by default)."""
    dp = Dispatcher(assistant=assistant, callback_ids=callback_ids or CallbackIds())
    # Citizens talk to the assistant one to one; in a group it would answer everyone's chatter.
    dp.message.filter(F.chat.type == ChatType.PRIVATE)
    # Commands before plain text; the catch-all of ``chat`` comes last.
    dp.include_routers(
        errors.create_router(),
        commands.create_router(),
        buttons.create_router(),
        chat.create_router(),
    )
    return dp


def create_bot(
    token: str, api_base: str = "", *, session: BaseSession | None = None, timeout: float = 30.0
) -> Bot:
    """A Bot with HTML parse mode, pointed at ``api_base`` when set, retrying transient faults."""
    if session is None:
        session = create_session(api_server(api_base), timeout=timeout)
    session.middleware(RetryMiddleware())
    return Bot(
        token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


async def set_commands(bot: Bot) -> None:
    """The command menu Telegram shows beside the input field."""
    await bot.set_my_commands(
        [BotCommand(command=name, description=text) for name, text in texts_vi.COMMANDS.items()]
    )
