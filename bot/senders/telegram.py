"""Pushes outbox messages through the Telegram Bot API and classifies what went wrong.

No retry middleware here: the dispatcher owns waiting (429), backoff and pacing, so a failure
must come back at once as an outcome rather than be retried inside the request.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

from bot.telegram import NAME as TELEGRAM
from bot.telegram.callbacks import CallbackIds
from bot.telegram.render import render
from bot.telegram.session import api_server, create_session
from handlers.messages import Reply
from notifications.ports import SENT, Outcome, SendContext, SendResult

# A chat that no longer exists ends its subscriptions like a block does.
_GONE = ("chat not found", "user is deactivated", "bot was kicked")


def create_push_bot(token: str, api_base: str = "", *, timeout: float = 10.0) -> Bot:
    """A Bot for pushes: HTML parse mode, no retrying middleware, a short timeout."""
    session = create_session(api_server(api_base), timeout=timeout)
    return Bot(
        token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def push_bot_like(bot: Bot, *, timeout: float = 10.0) -> Bot:
    """A push Bot with ``bot``'s token and API server but a session of its own, so the chat
    side's retrying middleware never hides a 429 or a 5xx from the dispatcher."""
    session = create_session(bot.session.api, timeout=timeout)
    return Bot(
        bot.token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def classify(exc: Exception) -> SendResult:
    """Telegram's exception → what the dispatcher should do next."""
    error = f"{type(exc).__name__}: {exc}"[:300]
    if isinstance(exc, TelegramRetryAfter):
        return SendResult(Outcome.RETRY_AFTER, retry_after=float(exc.retry_after), error=error)
    if isinstance(exc, TelegramForbiddenError):
        return SendResult(Outcome.BLOCKED, error=error)
    if isinstance(exc, TelegramBadRequest):
        gone = any(marker in exc.message.lower() for marker in _GONE)
        return SendResult(Outcome.BLOCKED if gone else Outcome.PERMANENT, error=error)
    if isinstance(exc, TelegramServerError | TelegramNetworkError | TelegramAPIError):
        return SendResult(Outcome.TRANSIENT, error=error)
    return SendResult(Outcome.TRANSIENT, error=error)


class TelegramSender:
    """``notifications.ports.Sender`` for Telegram; the recipient is the chat id as text.

    Every part goes through aiogram's own ``bot.send_message``; ``callback_ids`` is the
    deployment's store of long button payloads, shared with the chat side.
    """

    def __init__(self, bot: Bot, callback_ids: CallbackIds | None = None) -> None:
        self.bot = bot
        self.callback_ids = callback_ids or CallbackIds()

    @property
    def channel(self) -> str:
        return TELEGRAM

    async def send(
        self, recipient: str, reply: Reply, context: SendContext | None = None
    ) -> SendResult:
        try:
            chat_id = int(recipient)
        except ValueError:
            return SendResult(Outcome.PERMANENT, error=f"not a Telegram chat id: {recipient!r}")
        try:
            for part in await render(reply, self.callback_ids):
                await self.bot.send_message(chat_id, part.html, reply_markup=part.markup)
        except Exception as exc:  # noqa: BLE001 - every failure is classified, none escapes
            return classify(exc)
        return SENT

    async def aclose(self) -> None:
        await self.bot.session.close()
