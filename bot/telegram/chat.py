"""Ordinary messages: text questions, photos of a receipt's QR code, and everything else."""

from __future__ import annotations

import io
import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message, PhotoSize

from bot import texts_vi
from bot.ports import Responder
from bot.telegram import NAME as TELEGRAM
from bot.telegram.callbacks import CallbackIds
from bot.telegram.conversation import converse, send_replies, user_id
from handlers.messages import Incoming, Reply

logger = logging.getLogger(__name__)

MAX_TEXT = 1000  # a question longer than this is not a question
MAX_IMAGE_BYTES = 10 * 1024 * 1024


async def text_message(
    message: Message, bot: Bot, assistant: Responder, callback_ids: CallbackIds
) -> None:
    text = message.text or ""
    if len(text) > MAX_TEXT:
        reply = Reply(texts_vi.TOO_LONG.format(limit=MAX_TEXT))
        await send_replies(bot, message.chat.id, [reply], callback_ids)
        return
    msg = Incoming(TELEGRAM, user_id(message.chat.id), text=text)
    await converse(bot, message.chat.id, msg, assistant, callback_ids)


async def _download(bot: Bot, file_id: str, size: int | None) -> bytes | str:
    """The file's bytes, or the text to answer when it cannot be had."""
    if size is not None and size > MAX_IMAGE_BYTES:
        return texts_vi.IMAGE_TOO_BIG.format(limit_mb=MAX_IMAGE_BYTES // (1024 * 1024))
    buffer = io.BytesIO()
    try:
        await bot.download(file_id, destination=buffer)
    except (TelegramAPIError, OSError) as exc:  # aiohttp's ClientError is an OSError
        logger.warning("could not download a photo: %s", exc)
        return texts_vi.IMAGE_UNREADABLE
    data = buffer.getvalue()
    if len(data) > MAX_IMAGE_BYTES:
        return texts_vi.IMAGE_TOO_BIG.format(limit_mb=MAX_IMAGE_BYTES // (1024 * 1024))
    return data


async def _image_message(
    message: Message,
    bot: Bot,
    assistant: Responder,
    ids: CallbackIds,
    *,
    file_id: str,
    size: int | None,
) -> None:
    data = await _download(bot, file_id, size)
    if isinstance(data, str):
        await send_replies(bot, message.chat.id, [Reply(data)], ids)
        return
    msg = Incoming(TELEGRAM, user_id(message.chat.id), text=message.caption, image=data)
    await converse(bot, message.chat.id, msg, assistant, ids)


def _largest(sizes: list[PhotoSize]) -> PhotoSize:
    return max(sizes, key=lambda p: (p.width * p.height, p.file_size or 0))


async def photo_message(
    message: Message, bot: Bot, assistant: Responder, callback_ids: CallbackIds
) -> None:
    photo = _largest(message.photo or [])
    await _image_message(
        message, bot, assistant, callback_ids, file_id=photo.file_id, size=photo.file_size
    )


async def image_document(
    message: Message, bot: Bot, assistant: Responder, callback_ids: CallbackIds
) -> None:
    document = message.document
    assert document is not None  # the filter guarantees it
    await _image_message(
        message, bot, assistant, callback_ids, file_id=document.file_id, size=document.file_size
    )


async def anything_else(message: Message, bot: Bot, callback_ids: CallbackIds) -> None:
    await send_replies(bot, message.chat.id, [Reply(texts_vi.UNSUPPORTED)], callback_ids)


def create_router() -> Router:
    """A fresh router (a router joins one dispatcher only)."""
    router = Router(name=__name__)
    router.message.register(text_message, F.text)
    router.message.register(photo_message, F.photo)
    router.message.register(image_document, F.document.mime_type.startswith("image/"))
    router.message.register(anything_else)
    return router
