"""Pushes outbox messages through the Telegram Bot API and classifies what went wrong.

No retry middleware here: the dispatcher owns waiting (429), backoff and pacing, so a failure
must come back at once as an outcome rather than be retried inside the request.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Any
from urllib.parse import urlencode

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendMessage
from aiohttp import ClientError, ClientTimeout

from bot.telegram.render import CallbackIds, Outgoing, render
from handlers.messages import Channel, Reply
from notifications.ports import SENT, Outcome, SendContext, SendResult

# A chat that no longer exists ends its subscriptions like a block does.
_GONE = ("chat not found", "user is deactivated", "bot was kicked")


def create_push_bot(token: str, api_base: str = "", *, timeout: float = 10.0) -> Bot:
    """A Bot for pushes: HTML parse mode, no retrying middleware, a short timeout."""
    api = TelegramAPIServer.from_base(api_base) if api_base else None
    session = AiohttpSession(api=api, timeout=timeout) if api else AiohttpSession(timeout=timeout)
    return Bot(
        token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def push_bot_like(bot: Bot, *, timeout: float = 10.0) -> Bot:
    """A push Bot with ``bot``'s token and API server but a session of its own, so the chat
    side's retrying middleware never hides a 429 or a 5xx from the dispatcher."""
    session = AiohttpSession(api=bot.session.api, timeout=timeout)
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


_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _static_fields(bot: Bot) -> dict[str, Any]:
    """The form fields aiogram sends with every plain sendMessage besides chat_id and text
    (parse mode, link preview from the bot's defaults), encoded by aiogram itself once."""
    method = SendMessage(chat_id=0, text="-")
    fields: dict[str, Any] = {}
    for key, value in method.model_dump(warnings=False).items():
        prepared = bot.session.prepare_value(value, bot=bot, files={})
        if prepared and key not in ("chat_id", "text"):
            # As aiohttp's FormData writes it: an enum (ParseMode) by its value.
            fields[key] = prepared.value if isinstance(prepared, Enum) else str(prepared)
    return fields


class TelegramSender:
    """``notifications.ports.Sender`` for Telegram; the recipient is the chat id as text.

    A part without a keyboard (nearly every push), on a session without request middleware,
    goes out on a lean path: the form aiogram would build, encoded once per sender rather than
    through pydantic and a multipart writer per call, posted on aiogram's own aiohttp session,
    and a success recognised from the JSON without building a ``Message`` model (~80 µs of CPU
    a message instead of ~200 µs). Any other answer goes through aiogram's ``check_response``,
    so errors are raised and classified exactly as on the ordinary path; parts with a keyboard
    use ``send_message``.
    """

    def __init__(self, bot: Bot, callback_ids: CallbackIds | None = None) -> None:
        self.bot = bot
        self.callback_ids = callback_ids or CallbackIds()
        # Only aiogram's aiohttp session has an aiohttp client to post on (tests may mock it).
        self._lean = isinstance(bot.session, AiohttpSession)
        # Encoded as aiohttp's FormData would (urlencode, UTF-8), once instead of per message.
        self._form_tail = urlencode(_static_fields(bot))
        self._url = bot.session.api.api_url(token=bot.token, method="sendMessage")
        self._timeout = ClientTimeout(total=bot.session.timeout)  # what aiohttp makes of it

    @property
    def channel(self) -> str:
        return Channel.TELEGRAM.value

    async def send(
        self, recipient: str, reply: Reply, context: SendContext | None = None
    ) -> SendResult:
        try:
            chat_id = int(recipient)
        except ValueError:
            return SendResult(Outcome.PERMANENT, error=f"not a Telegram chat id: {recipient!r}")
        try:
            for part in render(reply, self.callback_ids):
                # A session with request middleware keeps the ordinary path, which runs it.
                if part.markup is None and self._lean and not len(self.bot.session.middleware):
                    await self._send_plain(chat_id, part)
                else:
                    await self.bot.send_message(chat_id, part.html, reply_markup=part.markup)
        except Exception as exc:  # noqa: BLE001 - every failure is classified, none escapes
            return classify(exc)
        return SENT

    async def _send_plain(self, chat_id: int, part: Outgoing) -> None:
        """``bot.send_message(chat_id, part.html)`` without the per-call model churn; raises
        the same aiogram exceptions."""
        session = self.bot.session
        assert isinstance(session, AiohttpSession)
        http = await session.create_session()
        form = urlencode({"chat_id": chat_id, "text": part.html})
        data = f"{form}&{self._form_tail}".encode() if self._form_tail else form.encode()
        try:
            async with http.post(
                self._url, data=data, headers=_FORM, timeout=self._timeout
            ) as resp:
                status, raw = resp.status, await resp.text()
        except TimeoutError as exc:
            method = SendMessage(chat_id=chat_id, text=part.html)
            raise TelegramNetworkError(method=method, message="Request timeout error") from exc
        except ClientError as exc:
            method = SendMessage(chat_id=chat_id, text=part.html)
            raise TelegramNetworkError(
                method=method, message=f"{type(exc).__name__}: {exc}"
            ) from exc
        if 200 <= status <= 226:
            try:
                if json.loads(raw).get("ok") is True:
                    return
            except (ValueError, AttributeError):
                pass
        # Not a plain success: let aiogram decode it and raise what it would have raised.
        method = SendMessage(chat_id=chat_id, text=part.html)
        session.check_response(bot=self.bot, method=method, status_code=status, content=raw)

    async def aclose(self) -> None:
        await self.bot.session.close()
