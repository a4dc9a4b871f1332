"""The fake Bot API answers a real aiogram Bot the way Telegram does, faults included."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from fakes.bot_api import FakeBotAPI


def _bot(api: FakeBotAPI, timeout: float = 5.0) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api.base_url), timeout=timeout)
    return Bot(api.token, session=session)


async def test_get_me_send_and_record() -> None:
    async with FakeBotAPI() as api:
        bot = _bot(api)
        try:
            me = await bot.get_me()
            markup = InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text="Lệ phí", callback_data="pa:1:fee")]]
            )
            msg = await bot.send_message(42, "Xin chào ông/bà", reply_markup=markup)
        finally:
            await bot.session.close()
    assert me.username == api.username
    assert msg.chat.id == 42
    sent = api.sent("sendMessage", chat_id=42)
    assert sent[0]["text"] == "Xin chào ông/bà"
    assert sent[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "pa:1:fee"


async def test_updates_long_poll_and_file_download() -> None:
    async with FakeBotAPI() as api:
        bot = _bot(api)
        try:
            waiting = asyncio.create_task(bot.get_updates(timeout=5))
            await asyncio.sleep(0.05)
            api.push_photo(7, b"\x89PNG big photo")
            updates = await waiting
            photo = updates[0].message.photo if updates[0].message else None
            assert photo is not None
            data = await bot.download(photo[-1])
            # The acknowledged offset drops the update from the queue.
            assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == []
        finally:
            await bot.session.close()
    assert data is not None and data.read() == b"\x89PNG big photo"
    assert [r.method for r in api.requests].count("downloadFile") == 1


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("retry_after", TelegramRetryAfter),
        ("server_error", TelegramServerError),
        ("blocked", TelegramForbiddenError),
    ],
)
async def test_faults_per_method_and_chat(kind: str, error: type[Exception]) -> None:
    async with FakeBotAPI() as api:
        api.fail("sendMessage", kind, chat_id=5, retry_after=3)  # type: ignore[arg-type]
        bot = _bot(api)
        try:
            await bot.send_message(6, "other chat is fine")
            with pytest.raises(error) as caught:
                await bot.send_message(5, "first try fails")
            await bot.send_message(5, "second try passes")
        finally:
            await bot.session.close()
    if isinstance(caught.value, TelegramRetryAfter):
        assert caught.value.retry_after == 3
    assert [p["text"] for p in api.sent(chat_id=5)] == ["second try passes"]
    assert len(api.sent(chat_id=5, ok_only=False)) == 2


async def test_slow_response_times_out() -> None:
    async with FakeBotAPI() as api:
        api.fail("sendMessage", "slow", delay=2.0)
        bot = _bot(api, timeout=0.3)
        try:
            with pytest.raises(TelegramNetworkError):
                await bot.send_message(1, "too slow")
        finally:
            await bot.session.close()
    assert [r.fault for r in api.calls("sendMessage")] == ["slow"]


async def test_wrong_token_is_unauthorized() -> None:
    async with FakeBotAPI() as api:
        bot = Bot(
            "999:wrong",
            session=AiohttpSession(api=TelegramAPIServer.from_base(api.base_url)),
        )
        try:
            with pytest.raises(Exception, match="Unauthorized"):
                await bot.get_me()
        finally:
            await bot.session.close()


async def test_message_limit_counts_visible_characters() -> None:
    async with FakeBotAPI() as api:
        bot = _bot(api)
        try:
            await bot.send_message(1, "&amp;" * 4000, parse_mode="HTML")  # 4000 visible
            with pytest.raises(TelegramBadRequest, match="too long"):
                await bot.send_message(1, "a" * 4097)
        finally:
            await bot.session.close()
    assert len(api.sent(chat_id=1)) == 1
