"""The Telegram adapter on its own: typing shown only for slow answers, a failing core still
answers, long payloads round-trip through short callback ids, photos reach the core as bytes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot
from aiogram.types import Update
from fakes.bot_api import FakeBotAPI

from bot.ports import Responder
from bot.telegram.dispatcher import build_dispatcher, create_bot
from handlers.assistant import Assistant
from handlers.conversation import MemoryConversationStore
from handlers.messages import Button, Incoming, Reply

LONG = "ds:sub:000.00.20.H56-261120-0007:" + "x" * 60


class Scripted:
    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.seen: list[Incoming] = []

    async def handle(self, msg: Incoming) -> list[Reply]:
        self.seen.append(msg)
        await asyncio.sleep(self.delay)
        return [Reply("Trả lời <ok>", (Button("Theo dõi", LONG),))]


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as fake:
        yield fake


class ExplodingKB:
    """A knowledge base port that fails: the core's own failure, not a fake core's."""

    def get(self, code: str) -> None:
        raise RuntimeError("kb bug")

    def decide(self, query: str) -> None:
        raise RuntimeError("kb bug")


async def _feed(api: FakeBotAPI, core: Responder, updates: list[dict[str, Any]]) -> None:
    bot: Bot = create_bot(api.token, api.base_url)
    dp = build_dispatcher(core)
    try:
        for raw in updates:
            await dp.feed_update(bot, Update.model_validate(raw, context={"bot": bot}))
    finally:
        await bot.session.close()


async def test_typing_only_when_the_answer_is_slow(api: FakeBotAPI) -> None:
    await _feed(api, Scripted(), [api.message_update(1, text="nhanh")])
    assert api.calls("sendChatAction") == []
    await _feed(api, Scripted(delay=0.7), [api.message_update(2, text="chậm")])
    assert [c.params["action"] for c in api.calls("sendChatAction", chat_id=2)] == ["typing"]
    assert api.sent(chat_id=2)[0]["text"] == "Trả lời &lt;ok&gt;"


async def test_a_failing_core_still_answers_politely(api: FakeBotAPI) -> None:
    # The apology is the core's (its one boundary); the adapter sends what the core returns.
    core = Assistant(ExplodingKB(), MemoryConversationStore())  # type: ignore[arg-type]
    await _feed(api, core, [api.message_update(3, text="đăng ký khai sinh cần gì")])
    assert "Xin lỗi" in api.sent(chat_id=3)[0]["text"]


async def test_long_payload_round_trips_through_a_short_id(api: FakeBotAPI) -> None:
    core = Scripted()
    bot: Bot = create_bot(api.token, api.base_url)
    dp = build_dispatcher(core)
    try:
        first = api.message_update(4, text="hồ sơ")
        await dp.feed_update(bot, Update.model_validate(first, context={"bot": bot}))
        button = api.sent(chat_id=4)[0]["reply_markup"]["inline_keyboard"][0][0]
        assert len(button["callback_data"].encode()) <= 64
        api.push_callback(4, button["callback_data"])
        (update,) = api.take_updates()  # fed directly instead of polled
        await dp.feed_update(bot, Update.model_validate(update, context={"bot": bot}))
    finally:
        await bot.session.close()
    assert core.seen[-1].payload == LONG
    assert api.calls("answerCallbackQuery")


async def test_photo_and_image_document_reach_the_core_as_bytes(api: FakeBotAPI) -> None:
    core = Scripted()
    api.push_photo(6, b"large-photo-bytes", caption="mã QR")
    (photo,) = api.take_updates()
    file_id = api.add_file(b"document-image")
    document = api.message_update(
        6, document={"file_id": file_id, "file_unique_id": "d", "mime_type": "image/png"}
    )
    await _feed(api, core, [photo, document])
    assert [m.image for m in core.seen] == [b"large-photo-bytes", b"document-image"]
    assert core.seen[0].text == "mã QR"


async def test_group_chatter_is_ignored(api: FakeBotAPI) -> None:
    core = Scripted()
    group = api.message_update(-100, text="làm giấy khai sinh cần gì")
    group["message"]["chat"] = {"id": -100, "type": "group", "title": "Tổ dân phố"}
    await _feed(api, core, [group])
    assert core.seen == []
    assert api.sent(chat_id=-100) == []
