"""What a citizen sees from the core: small talk answered on topic, one screen first, the rest
one tap away, and facts as of the day the core's clock gives."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from handlers import render
from handlers import texts_vi as t
from handlers.assistant import Assistant
from handlers.conversation import ConversationState, MemoryConversationStore
from handlers.intents import SmallTalk
from handlers.messages import Incoming, Reply
from handlers.payloads import FullText
from knowledge import shipped
from knowledge.base import KnowledgeBase
from knowledge.compressed import open_text

PORTAL = "https://dichvucong.gov.vn"
POPULAR_CSV = shipped.popularity_path()


@pytest.fixture
def assistant(kb: KnowledgeBase, store: MemoryConversationStore) -> Assistant:
    return Assistant(kb, store, portal_url=PORTAL, today=lambda: date(2026, 12, 5))


def say(body: str, user: str = "u1") -> Incoming:
    return Incoming(channel="web", user_id=user, text=body)


def press(payload: str, user: str = "u1") -> Incoming:
    return Incoming(channel="web", user_id=user, payload=payload)


async def state_of(store: MemoryConversationStore, user: str = "u1") -> ConversationState:
    return ConversationState.from_json(await store.load("web", user))


@pytest.mark.parametrize(
    ("message", "answer"),
    [
        ("ok", t.ACK),
        ("bạn là ai", t.IDENTITY),
        ("thời tiết ngày mai thế nào", t.WEATHER),
        ("giá vàng hôm nay", t.PRICES),
        ("kể chuyện cười đi", t.JOKE),
        ("đồ ngu", t.INSULT),
        ("xổ số miền bắc hôm nay", t.OFF_TOPIC),
    ],
)
async def test_small_talk_gets_a_short_on_topic_reply_never_a_procedure(
    assistant: Assistant, store: MemoryConversationStore, message: str, answer: str
) -> None:
    await assistant.handle(press("p_1-001193"))  # a procedure discussed before
    replies = await assistant.handle(say(message))
    assert replies == [Reply(answer)]
    assert len(answer) <= render.FIRST_MESSAGE_LIMIT
    assert "ví dụ" in answer or "nhắn" in answer  # the next step is said
    assert (await state_of(store)).last_procedure == "1.001193"  # the topic is kept


def test_every_small_talk_kind_has_an_answer() -> None:
    from handlers.assistant import _SMALL_TALK_ANSWERS

    handled_elsewhere = {SmallTalk.MY_DOSSIERS, SmallTalk.LOOKUP_HELP}
    assert set(_SMALL_TALK_ANSWERS) | handled_elsewhere == set(SmallTalk)
    for text in _SMALL_TALK_ANSWERS.values():
        assert len(text) <= render.FIRST_MESSAGE_LIMIT and "ông/bà" in text.lower()


async def test_a_shortened_answer_offers_its_full_text(
    assistant: Assistant, store: MemoryConversationStore
) -> None:
    replies = await assistant.handle(press("pa:1.001193:documents"))
    first = replies[0]
    assert len(first.text) <= render.FIRST_MESSAGE_LIMIT
    full_buttons = [b for b in first.buttons if b.payload.startswith(FullText.PREFIX)]
    assert [b.label for b in full_buttons] == [t.FULL_BUTTON]
    assert first.buttons[0] is full_buttons[0]  # first, where the eye goes
    full = await assistant.handle(press(full_buttons[0].payload))
    assert len(full[0].text) > len(first.text)
    assert "mang thai hộ" in full[0].text and t.DOCUMENTS_NOTES_TITLE in full[0].text
    assert all(not b.payload.startswith(FullText.PREFIX) for b in full[0].buttons)
    assert (await state_of(store)).last_procedure == "1.001193"
    # a payload that came back as text, or a stale one, is handled
    assert (await assistant.handle(say(full_buttons[0].payload)))[0].text == full[0].text
    assert await assistant.handle(press("pf:9.999999:fee")) == [Reply(t.STALE_BUTTON)]
    # an answer that says everything offers nothing more
    short = await assistant.handle(press("pa:1.010041:fee"))
    assert all(not b.payload.startswith(FullText.PREFIX) for b in short[0].buttons)


async def test_the_clock_the_core_is_given_decides_what_is_in_force(
    kb: KnowledgeBase,
) -> None:
    # 3.000347: a lower online fee "Kể từ ngày 01/12/2023 đến hết ngày 31/12/2025".
    then = Assistant(kb, MemoryConversationStore(), today=lambda: date(2025, 6, 1))
    now = Assistant(kb, MemoryConversationStore(), today=lambda: date(2026, 12, 5))
    assert "115.000" in (await then.handle(press("pa:3.000347:fee")))[0].text
    assert "115.000" not in (await now.handle(press("pa:3.000347:fee")))[0].text


def _popular_codes(kb: KnowledgeBase, count: int) -> list[str]:
    with open_text(POPULAR_CSV, newline="") as handle:
        codes = [row["ma_thu_tuc"] for row in csv.DictReader(handle)]
    return [c for c in codes if kb.get(c) is not None][:count]


async def test_the_most_used_procedures_fit_one_screen_for_every_aspect(
    assistant: Assistant, kb: KnowledgeBase
) -> None:
    codes = _popular_codes(kb, 30)
    assert len(codes) == 30
    for code in codes:
        replies = await assistant.handle(press(f"p_{code.replace('.', '-')}"))
        assert len(replies[0].text) <= render.FIRST_MESSAGE_LIMIT
        for aspect in [*render.BUTTON_ASPECTS, "legal"]:
            replies = await assistant.handle(press(f"pa:{code}:{aspect}"))
            assert len(replies[0].text) <= render.FIRST_MESSAGE_LIMIT, (code, aspect)
            for button in replies[0].buttons:
                assert len(button.payload.encode()) <= 64
