"""Neutral replies as Telegram messages: HTML-escaped parts (≤ 4096 chars), inline keyboards."""

from __future__ import annotations

import base64
import hashlib
import html
from collections import OrderedDict
from dataclasses import dataclass

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.messages import Reply
from handlers.split import split_text

MESSAGE_LIMIT = 4096  # characters after entity parsing, so split before escaping
CALLBACK_LIMIT = 64  # bytes of callback_data
_SHORT_PREFIX = "~"
_LABEL_LIMIT = 60


class CallbackIds:
    """Maps button payloads longer than Telegram's 64 bytes to short ids and back.

    Short ids are a hash of the payload, so the same payload always gets the same id; the map
    is bounded (oldest forgotten first) and a forgotten id reads as an expired button.
    """

    def __init__(self, capacity: int = 50_000) -> None:
        self._capacity = capacity
        self._payloads: OrderedDict[str, str] = OrderedDict()

    def encode(self, payload: str) -> str:
        if len(payload.encode()) <= CALLBACK_LIMIT and not payload.startswith(_SHORT_PREFIX):
            return payload
        digest = hashlib.sha256(payload.encode()).digest()[:18]
        short = _SHORT_PREFIX + base64.urlsafe_b64encode(digest).decode()
        self._payloads[short] = payload
        self._payloads.move_to_end(short)
        while len(self._payloads) > self._capacity:
            self._payloads.popitem(last=False)
        return short

    def decode(self, data: str) -> str | None:
        """The payload behind ``data``; None when it is a short id no longer known."""
        if not data.startswith(_SHORT_PREFIX):
            return data
        return self._payloads.get(data)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One Telegram message: HTML text and an optional inline keyboard."""

    html: str
    markup: InlineKeyboardMarkup | None = None


def keyboard(reply: Reply, ids: CallbackIds) -> InlineKeyboardMarkup | None:
    rows: list[list[InlineKeyboardButton]] = []
    for button in reply.buttons:
        label = button.label if len(button.label) <= _LABEL_LIMIT else button.label[:59] + "…"
        if button.url:
            rows.append([InlineKeyboardButton(text=label, url=button.url)])
        elif button.payload:
            rows.append(
                [InlineKeyboardButton(text=label, callback_data=ids.encode(button.payload))]
            )
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def render(reply: Reply, ids: CallbackIds) -> list[Outgoing]:
    """The messages for one reply; the keyboard goes on the last part."""
    parts = split_text(reply.text, MESSAGE_LIMIT) or ["…"]
    markup = keyboard(reply, ids)
    last = len(parts) - 1
    return [
        Outgoing(html.escape(part, quote=False), markup if i == last else None)
        for i, part in enumerate(parts)
    ]
