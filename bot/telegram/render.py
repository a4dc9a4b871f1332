"""Neutral replies as Telegram messages: HTML-escaped parts (≤ 4096 chars), inline keyboards."""

from __future__ import annotations

import html
from dataclasses import dataclass

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.callbacks import CALLBACK_LIMIT, CallbackIds
from handlers.messages import Reply
from handlers.split import split_text

__all__ = ["CALLBACK_LIMIT", "MESSAGE_LIMIT", "CallbackIds", "Outgoing", "keyboard", "render"]

MESSAGE_LIMIT = 4096  # characters after entity parsing, so split before escaping
_LABEL_LIMIT = 60


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One Telegram message: HTML text and an optional inline keyboard."""

    html: str
    markup: InlineKeyboardMarkup | None = None


async def keyboard(reply: Reply, ids: CallbackIds) -> InlineKeyboardMarkup | None:
    rows: list[list[InlineKeyboardButton]] = []
    for button in reply.buttons:
        label = button.label if len(button.label) <= _LABEL_LIMIT else button.label[:59] + "…"
        if button.url:
            rows.append([InlineKeyboardButton(text=label, url=button.url)])
        elif button.payload:
            rows.append(
                [InlineKeyboardButton(text=label, callback_data=await ids.encode(button.payload))]
            )
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


async def render(reply: Reply, ids: CallbackIds) -> list[Outgoing]:
    """The messages for one reply; the keyboard goes on the last part."""
    parts = split_text(reply.text, MESSAGE_LIMIT) or ["…"]
    markup = await keyboard(reply, ids)
    last = len(parts) - 1
    return [
        Outgoing(html.escape(part, quote=False), markup if i == last else None)
        for i, part in enumerate(parts)
    ]
