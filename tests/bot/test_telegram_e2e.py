"""Telegram end to end: the real aiogram stack polling the fake Bot API over loopback HTTP."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import pytest
import segno
from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from aiohttp import web
from channel_support import RECEIPT, SIGNING_KEY, seed_dossier
from fakes.bot_api import FakeBotAPI

from bot.app import create_app
from bot.bootstrap import Services, bootstrap
from bot.config import Settings, load_settings
from bot.telegram.channel import TELEGRAM
from bot.telegram.dispatcher import create_bot
from handlers.dossiers.tokens import make_payload
from knowledge.base import KnowledgeBase

CHAT = 1001


class Handled(BaseMiddleware):
    """The dispatcher's outermost step: notes each update whose handling has ended (its
    answers sent, retries and all), so that a test waits for that instead of for a quiet."""

    def __init__(self) -> None:
        self.ids: set[int] = set()
        self._changed = asyncio.Event()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        try:
            return await handler(event, data)
        finally:
            assert isinstance(event, Update)
            self.ids.add(event.update_id)
            self._changed.set()

    async def wait(self, ids: Iterable[int], timeout: float = 15.0) -> None:
        wanted = set(ids)
        async with asyncio.timeout(timeout):
            while not wanted <= self.ids:
                self._changed.clear()
                await self._changed.wait()


@dataclass
class Running:
    api: FakeBotAPI
    services: Services
    handled: Handled

    async def say(self, text: str, chat: int = CHAT) -> list[dict[str, Any]]:
        """Sends ``text`` as the user; returns the messages the bot sent in answer."""
        before = len(self.api.sent(chat_id=chat))
        self.api.push_message(chat, text)
        return await self.answers(chat, before)

    async def answers(self, chat: int, before: int) -> list[dict[str, Any]]:
        """What the bot sent ``chat`` since ``before`` once every update pushed was handled."""
        await self.handled.wait(self.api.pushed)
        return self.api.sent(chat_id=chat)[before:]


def _env(monkeypatch: pytest.MonkeyPatch, api: FakeBotAPI) -> Settings:
    monkeypatch.setenv("MOTCUA_TELEGRAM__TOKEN", api.token)
    monkeypatch.setenv("MOTCUA_TELEGRAM__API_BASE", api.base_url)
    return load_settings()


@asynccontextmanager
async def running_bot(
    monkeypatch: pytest.MonkeyPatch, kb: KnowledgeBase, *, timeout: float | None = None
) -> AsyncIterator[Running]:
    async with FakeBotAPI() as api:
        services = await bootstrap(_env(monkeypatch, api), kb=kb, notifications=False)
        if timeout is not None:  # a short client timeout for the slow-server test
            assert services.telegram is not None
            await services.telegram.session.close()
            services = replace(
                services, telegram=create_bot(api.token, api.base_url, timeout=timeout)
            )
        app = create_app(services.settings, services=services)
        runner = web.AppRunner(app, handle_signals=False)
        await runner.setup()  # builds the dispatcher and starts polling in the app's lifespan
        handled = Handled()  # before any update is pushed; aiogram reads its list per update
        app[TELEGRAM].dispatcher.update.outer_middleware(handled)
        try:
            yield Running(api, services, handled)
        finally:
            await runner.cleanup()
            await services.aclose()


def _texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m["text"] for m in messages)


def _callback_buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row if "callback_data" in b]


def _qr_png(text: str) -> bytes:
    out = io.BytesIO()
    segno.make_qr(text).save(out, kind="png", scale=8, border=4)
    return out.getvalue()


@pytest.mark.usefixtures("settings_env")
async def test_a_whole_conversation(monkeypatch: pytest.MonkeyPatch, kb: KnowledgeBase) -> None:
    async with running_bot(monkeypatch, kb) as bot:
        await seed_dossier(bot.services.sessions)
        api = bot.api

        greeting = await bot.say("/start")
        assert "Trợ lý Một cửa" in _texts(greeting)
        commands = api.calls("setMyCommands")[0].params["commands"]
        assert [c["command"] for c in commands] == ["start", "hoso", "help"]
        assert greeting[0]["parse_mode"] == "HTML"

        answer = await bot.say("làm giấy khai sinh cần gì")
        assert "khai sinh" in _texts(answer).lower()
        buttons = _callback_buttons(answer[-1])
        assert buttons, "the answer offers choices as inline buttons"
        assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)

        # Press the first button: the query is answered and the core answers the payload.
        before = len(api.sent(chat_id=CHAT))
        query_id = api.push_callback(CHAT, buttons[0]["callback_data"])
        pressed = await bot.answers(CHAT, before)
        assert any(p["callback_query_id"] == query_id for p in api.sent("answerCallbackQuery"))
        assert pressed and pressed[0]["text"] != answer[-1]["text"]

        fee = await bot.say("còn lệ phí thì sao")
        assert "lệ phí" in _texts(fee).lower()

        lookup = await bot.say(f"tra cứu hồ sơ {RECEIPT}")
        assert RECEIPT in _texts(lookup)
        assert "Nguyễn Văn An" not in _texts(lookup)  # the name is masked

        # A photo of the receipt's QR code: the largest size is downloaded and decoded.
        link = f"https://t.me/{api.username}?start={make_payload(RECEIPT, SIGNING_KEY.encode())}"
        before = len(api.sent(chat_id=CHAT))
        api.push_photo(CHAT, _qr_png(link))
        photo = await bot.answers(CHAT, before)
        assert RECEIPT in _texts(photo)
        downloads = api.calls("downloadFile")
        assert downloads and api.calls("getFile")[-1].params["file_id"] != "file1"

        # Deep links: a dossier token and a procedure.
        token_answer = await bot.say("/start " + make_payload(RECEIPT, SIGNING_KEY.encode()))
        assert RECEIPT in _texts(token_answer)
        procedure = await bot.say("/start p_1-001193")
        assert "khai sinh" in _texts(procedure).lower()

        help_text = await bot.say("/help")
        assert "/hoso" in _texts(help_text)
        mine = await bot.say("/hoso")
        assert RECEIPT in _texts(mine)  # the token deep link subscribed this chat


@pytest.mark.usefixtures("settings_env")
async def test_hostile_and_odd_messages_get_polite_answers(
    monkeypatch: pytest.MonkeyPatch, kb: KnowledgeBase
) -> None:
    async with running_bot(monkeypatch, kb) as bot:
        huge = await bot.say("a" * 3000)
        assert "dài quá" in _texts(huge)
        markup = await bot.say("<b>làm hộ chiếu</b> & <script>alert(1)</script>")
        assert "<script>" not in _texts(markup)
        before = len(bot.api.sent(chat_id=CHAT))
        sticker = {
            "file_id": "s1",
            "file_unique_id": "s1",
            "type": "regular",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
        }
        bot.api.push_update(bot.api.message_update(CHAT, sticker=sticker))
        odd = await bot.answers(CHAT, before)
        assert "ảnh" in _texts(odd)
        # A forged callback short id reads as an expired button, not a crash.
        bot.api.push_callback(CHAT, "~notAKnownShortId")
        answered = await bot.api.wait_for(
            "answerCallbackQuery", where=lambda p: bool(p.get("text"))
        )
        assert "cũ" in answered[-1]["text"]


@pytest.mark.usefixtures("settings_env")
async def test_429_is_retried_after_retry_after(
    monkeypatch: pytest.MonkeyPatch, kb: KnowledgeBase
) -> None:
    async with running_bot(monkeypatch, kb) as bot:
        bot.api.fail("sendMessage", "retry_after", retry_after=1, chat_id=CHAT)
        answer = await bot.say("/help")
        assert answer
        calls = bot.api.calls("sendMessage", chat_id=CHAT)
        assert [c.fault for c in calls[:2]] == ["retry_after", None]
        assert calls[1].at - calls[0].at >= 0.95


@pytest.mark.usefixtures("settings_env")
async def test_500_and_getupdates_failures_are_survived(
    monkeypatch: pytest.MonkeyPatch, kb: KnowledgeBase
) -> None:
    async with running_bot(monkeypatch, kb) as bot:
        bot.api.fail("sendMessage", "server_error", times=2)
        assert await bot.say("/help")
        faults = [c.fault for c in bot.api.calls("sendMessage")]
        assert faults[:3] == ["server_error", "server_error", None]
        bot.api.fail("getUpdates", "server_error", times=2)
        assert await bot.say("/start")


@pytest.mark.usefixtures("settings_env")
async def test_blocked_chat_stops_sending_and_others_go_on(
    monkeypatch: pytest.MonkeyPatch, kb: KnowledgeBase
) -> None:
    async with running_bot(monkeypatch, kb) as bot:
        blocked = 2002
        bot.api.fail("sendMessage", "blocked", times=None, chat_id=blocked)
        bot.api.fail("sendChatAction", "blocked", times=None, chat_id=blocked)
        question = bot.api.push_message(blocked, "làm giấy khai sinh cần gì")
        assert await bot.say("/start")  # another chat is served meanwhile
        await bot.handled.wait([question])  # the blocked chat's answer was tried and given up
        # One try only: a 403 is never retried, and the remaining parts are not attempted.
        assert len(bot.api.calls("sendMessage", chat_id=blocked)) == 1
        bot.api.clear_faults()
        assert await bot.say("/help", chat=blocked)  # unblocked later: answered again


@pytest.mark.usefixtures("settings_env")
async def test_timeout_is_retried(monkeypatch: pytest.MonkeyPatch, kb: KnowledgeBase) -> None:
    async with running_bot(monkeypatch, kb, timeout=1.0) as bot:
        bot.api.fail("sendMessage", "slow", delay=3.0, chat_id=CHAT)
        assert await bot.say("/help")
        calls = bot.api.calls("sendMessage", chat_id=CHAT)
        assert len(calls) >= 2 and calls[0].fault == "slow"
        assert await bot.say("/start")  # still alive
