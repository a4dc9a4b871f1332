"""Hostile or broken input is answered politely in Vietnamese; a failing port never escapes."""

from __future__ import annotations

import logging

import pytest

from handlers import texts_vi as t
from handlers.assistant import MAX_MESSAGE_CHARS, Assistant, clean_text
from handlers.conversation import ConversationState, MemoryConversationStore
from handlers.messages import Incoming, Reply
from knowledge.base import KnowledgeBase

PORTAL = "https://dichvucong.gov.vn"  # the assistant fixture's (conftest.py)


def said(body: str | None, payload: str | None = None) -> Incoming:
    return Incoming(channel="web", user_id="h1", text=body, payload=payload)


def _polite(replies: list[Reply]) -> None:
    assert replies, "no reply at all"
    for reply in replies:
        assert reply.text.strip()
        assert reply.text != t.INTERNAL_ERROR


@pytest.mark.parametrize(
    "body",
    [
        None,
        "",
        "   \n\t  ",
        "\x00\x00\x00",
        "\u200f\u200e\u202e",  # RTL / LTR marks and an override alone
    ],
)
async def test_empty_messages_ask_for_a_question(assistant: Assistant, body: str | None) -> None:
    assert await assistant.handle(said(body)) == [Reply(t.EMPTY_MESSAGE)]


@pytest.mark.parametrize("body", ["😀😀😀", "🙏", "!!!???", "...", "🇻🇳❤️"])
async def test_emoji_or_punctuation_only_is_not_understood_politely(
    assistant: Assistant, body: str
) -> None:
    assert await assistant.handle(said(body)) == [Reply(t.NOT_UNDERSTOOD)]


@pytest.mark.parametrize(
    "body",
    [
        "'; DROP TABLE dossiers; --",
        "1 OR 1=1; SELECT * FROM conversations",
        "<script>alert(1)</script>",
        "\x1b[31mđăng ký\x1b[0m khai sinh\x07",
        "đăng\x00 ký khai\x00sinh",
        "\u202eđăng ký khai sinh\u202c",
        "\udcff\udcfe khai sinh",  # lone surrogates from a bad decode
        bytes(range(256)).decode("latin-1"),
        "a" * 5000,
        "%s %d {0} {name} {{}}",
        "null",
        "١٢٣ مرحبا",
    ],
)
async def test_garbage_gets_a_polite_answer(assistant: Assistant, body: str) -> None:
    _polite(await assistant.handle(said(body)))


async def test_100_kb_message_is_cut_before_searching_and_says_so(assistant: Assistant) -> None:
    body = "đăng ký khai sinh cần giấy tờ gì " * 3200  # ~100 kB
    assert len(body.encode()) > 100_000
    replies = await assistant.handle(said(body))
    assert replies[0] == Reply(t.TOO_LONG)
    _polite(replies[1:])


def test_clean_text_drops_invisible_characters_and_cuts_at_a_word() -> None:
    cleaned, cut = clean_text("\ufeffđăng\u200b ký\x00  khai\tsinh\u202e")
    assert (cleaned, cut) == ("đăng ký khai sinh", False)
    long, cut = clean_text("từ " * 1000)
    assert cut and len(long) <= MAX_MESSAGE_CHARS and long.endswith("từ")
    decomposed, _ = clean_text("khai sinh ky\u0301")
    assert decomposed == "khai sinh ký"  # NFC


@pytest.mark.parametrize(
    "payload", ["pa:", "pa:1.001193:", "pa::fee", "pc:", "p_", "zz:1", "x" * 500, "p_../../etc"]
)
async def test_odd_payloads_are_answered(assistant: Assistant, payload: str) -> None:
    _polite(await assistant.handle(said(None, payload=payload)))


async def test_a_start_link_we_never_made_is_a_greeting(assistant: Assistant) -> None:
    assert await assistant.handle(said("/start ref_facebook_ad")) == [Reply(t.GREETING)]


async def test_a_corrupt_stored_state_is_replaced(
    kb: KnowledgeBase,
) -> None:
    store = MemoryConversationStore()
    await store.save("web", "h1", "{not json")
    bot = Assistant(kb, store, portal_url=PORTAL)
    assert await bot.handle(said("chào")) == [Reply(t.GREETING)]
    assert ConversationState.from_json(await store.load("web", "h1")) == ConversationState()


class BrokenStore:
    async def load(self, channel: str, user_id: str) -> str | None:
        raise ConnectionError("database down")

    async def save(self, channel: str, user_id: str, state: str) -> None:
        raise ConnectionError("database down")

    async def forget(self, channel: str, user_id: str) -> None:
        raise ConnectionError("database down")


async def test_a_failing_store_still_gets_an_answer(
    kb: KnowledgeBase, caplog: pytest.LogCaptureFixture
) -> None:
    bot = Assistant(kb, BrokenStore(), portal_url=PORTAL)
    with caplog.at_level(logging.WARNING):
        replies = await bot.handle(said(None, payload="p_1-001193"))
        again = await bot.handle(said(None, payload="p_1-001193"))
    assert "Đăng ký khai sinh" in replies[0].text and again == replies
    # The outage is said once, without a traceback (not once per load and save).
    assert [r.getMessage() for r in caplog.records] == [
        "the database unavailable: ConnectionError: database down"
    ]
    assert caplog.records[0].exc_info is None


class ExplodingSearch:
    def get(self, code: str) -> None:
        return None

    def decide(self, query: str) -> object:
        raise RuntimeError("index corrupted")


async def test_a_crash_inside_the_search_is_an_apology_and_a_log_without_the_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    search = ExplodingSearch()
    bot = Assistant(search, MemoryConversationStore(), portal_url=PORTAL)  # type: ignore[arg-type]
    secret = "Nguyễn Văn An 0912345678 đăng ký khai sinh"
    with caplog.at_level(logging.ERROR):
        replies = await bot.handle(Incoming("zalo", "84912345678", text=secret))
    assert replies == [Reply(t.INTERNAL_ERROR)]
    logged = caplog.text
    assert "conversation failed" in logged
    assert "0912345678" not in logged and "84912345678" not in logged
    assert "Nguyễn" not in logged
