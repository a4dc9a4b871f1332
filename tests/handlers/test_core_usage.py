"""The core counts what it did through the UsageRecorder port: one kind per question, lookups
at routing; a failing recorder costs no answer; through the batched writer the counts reach
the period report on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fakes.decisions import ScriptedSearch

from handlers import texts_vi as t
from handlers.assistant import Assistant
from handlers.conversation import MemoryConversationStore
from handlers.dossiers.dialog import DossierDialog
from handlers.messages import Incoming, Reply
from handlers.usage import NoUsage, UsageKind
from knowledge.base import KnowledgeBase
from storage import report_repo
from storage.dossier_store import SqlDossierStore
from storage.engine import SessionFactory
from storage.usage_repo import BatchedUsageWriter

PORTAL = "https://dichvucong.gov.vn"
KHAI_SINH, KET_HON = "1.001193", "1.000894"
VAGUE = "thủ tục gì đó"  # the scripted search offers a choice for this one
RECEIPT = "000.00.20.H56-210615-0001"


def scripted(kb: KnowledgeBase) -> ScriptedSearch:
    """The real records with fixed decisions, so the counts do not hang on the search tuning:
    VAGUE is a choice of two, a question not scripted fits nothing."""
    return ScriptedSearch(
        kb,
        {
            "lệ phí đăng ký kết hôn": ("answer", [KET_HON]),
            "làm khai sinh cho con cần giấy tờ gì": ("answer", [KHAI_SINH]),
            VAGUE: ("choice", [KHAI_SINH, KET_HON]),
        },
    )


class ListRecorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, str | None]] = []

    def record(self, channel: str, kind: str, procedure_code: str | None = None) -> None:
        self.events.append((channel, kind, procedure_code))


class BrokenRecorder:
    def record(self, channel: str, kind: str, procedure_code: str | None = None) -> None:
        raise RuntimeError("counter is down")


class FakeDossiers:
    """Answers every dossier call with a fixed reply (the routing is what is tested here)."""

    def find_code(self, text: str) -> str | None:
        return RECEIPT if RECEIPT in text else None

    async def on_receipt_code(self, msg: Incoming, raw: str, state: object) -> list[Reply]:
        return [Reply("dossier")]

    async def on_token(self, msg: Incoming, token: str, state: object) -> list[Reply]:
        return [Reply("token")]

    async def on_image(self, msg: Incoming, state: object) -> list[Reply]:
        return [Reply("image")]

    async def on_pending(self, msg: Incoming, state: object) -> list[Reply] | None:
        return None

    async def on_payload(self, msg: Incoming, payload: str, state: object) -> list[Reply] | None:
        return None

    async def on_my_dossiers(self, msg: Incoming, state: object) -> list[Reply]:
        return [Reply("mine")]


def say(body: str, channel: str = "web", user: str = "u1") -> Incoming:
    return Incoming(channel=channel, user_id=user, text=body)


def press(payload: str, user: str = "u1") -> Incoming:
    return Incoming(channel="web", user_id=user, payload=payload)


async def test_each_question_is_counted_once_with_its_outcome(kb: KnowledgeBase) -> None:
    usage = ListRecorder()
    bot = Assistant(scripted(kb), MemoryConversationStore(), portal_url=PORTAL, usage=usage)
    answered = await bot.handle(say("lệ phí đăng ký kết hôn", "telegram"))
    assert answered[0].buttons  # a real answer
    abstained = await bot.handle(say("đăng ký hợp đồng mua bán điện thế nào"))
    assert abstained == [Reply(t.NOT_IN_KNOWLEDGE_BASE.format(portal_url=PORTAL))]
    await bot.handle(say(VAGUE))
    await bot.handle(say("2"))  # the choice taken by digit opens a procedure
    await bot.handle(say(VAGUE, user="u2"))
    await bot.handle(press(f"pc:{KHAI_SINH}", user="u2"))  # ... or by button
    await bot.handle(say("cảm ơn"))  # small talk is not a question
    assert await bot.handle(say("lệ phí bao nhiêu?", user="u3")) == [Reply(t.ASK_WHICH_PROCEDURE)]
    kinds = [(c, k) for c, k, _ in usage.events]
    assert kinds == [
        ("telegram", UsageKind.QUESTION_ANSWERED),
        ("web", UsageKind.QUESTION_ABSTAINED),
        ("web", UsageKind.CHOICE_OFFERED),
        ("web", UsageKind.PROCEDURE_OPENED),
        ("web", UsageKind.CHOICE_OFFERED),
        ("web", UsageKind.PROCEDURE_OPENED),
        ("web", UsageKind.QUESTION_ABSTAINED),
    ]
    assert [e[2] for e in usage.events[:4]] == [KET_HON, None, None, KET_HON]
    assert usage.events[5][2] == KHAI_SINH


async def test_a_follow_up_on_the_same_procedure_counts_as_answered(kb: KnowledgeBase) -> None:
    usage = ListRecorder()
    bot = Assistant(kb, MemoryConversationStore(), portal_url=PORTAL, usage=usage)
    await bot.handle(press(f"p_{KHAI_SINH.replace('.', '-')}"))
    await bot.handle(say("còn lệ phí thì sao?"))
    await bot.handle(say(KHAI_SINH))  # a procedure code typed
    await bot.handle(press("p_9-999999"))  # a link to a code we do not have: nothing opened
    assert usage.events == [
        ("web", UsageKind.PROCEDURE_OPENED, KHAI_SINH),
        ("web", UsageKind.QUESTION_ANSWERED, KHAI_SINH),
        ("web", UsageKind.QUESTION_ANSWERED, KHAI_SINH),
    ]


async def test_dossier_lookups_are_counted_at_routing(kb: KnowledgeBase) -> None:
    usage = ListRecorder()
    bot = Assistant(
        kb, MemoryConversationStore(), dossiers=FakeDossiers(), portal_url=PORTAL, usage=usage
    )
    assert await bot.handle(say(f"tra hồ sơ {RECEIPT}")) == [Reply("dossier")]
    assert await bot.handle(press("d_abcdef")) == [Reply("token")]
    photo = Incoming(channel="zalo", user_id="z", image=b"\x89PNG")
    assert await bot.handle(photo) == [Reply("image")]
    await bot.handle(say("/hoso"))  # the user's own list is not a lookup
    assert usage.events == [
        ("web", UsageKind.LOOKUP_ATTEMPT, None),
        ("web", UsageKind.LOOKUP_LINK, None),
        ("zalo", UsageKind.LOOKUP_PHOTO, None),
    ]


async def test_a_failing_recorder_costs_no_answer(
    kb: KnowledgeBase, caplog: pytest.LogCaptureFixture
) -> None:
    quiet = Assistant(kb, MemoryConversationStore(), portal_url=PORTAL, usage=NoUsage())
    broken = Assistant(kb, MemoryConversationStore(), portal_url=PORTAL, usage=BrokenRecorder())
    question = say("lệ phí đăng ký tạm trú bao nhiêu")
    with caplog.at_level(logging.ERROR):
        assert await broken.handle(question) == await quiet.handle(question)
    assert "usage not recorded" in caplog.text


async def test_a_real_conversation_shows_up_in_the_period_report(
    kb: KnowledgeBase, session_factory: SessionFactory
) -> None:
    writer = BatchedUsageWriter(session_factory)
    dialog = DossierDialog(
        SqlDossierStore(session_factory), signing_key=b"usage-test-key", usage=writer
    )
    bot = Assistant(
        scripted(kb),
        MemoryConversationStore(),
        dossiers=dialog,
        portal_url=PORTAL,
        usage=writer,
    )
    try:
        await bot.handle(say("lệ phí đăng ký kết hôn", "telegram", "a"))
        await bot.handle(say("làm khai sinh cho con cần giấy tờ gì", "zalo", "b"))
        await bot.handle(say("đăng ký hợp đồng mua bán điện thế nào", "web", "c"))
        await bot.handle(say(VAGUE, "web", "d"))
        await bot.handle(say("1", "web", "d"))
        await bot.handle(say(f"tra cứu hồ sơ {RECEIPT}", "web", "e"))  # unknown code
        malformed = await bot.handle(say("mã 000.00.20.H56-21061-0001", "web", "f"))
        assert "000.00.20.H56-21061-0001" in malformed[0].text
    finally:
        await writer.aclose()
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    start = datetime.combine(today, datetime.min.time(), ZoneInfo("Asia/Ho_Chi_Minh"))
    async with session_factory() as session:
        report = await report_repo.period_report(session, start, start + timedelta(days=1))
        # An earlier day does not see today's events.
        before = await report_repo.period_report(session, start - timedelta(days=1), start)
    assert report["questions"] == {
        "asked": 4,
        "answered": 2,
        "abstained": 1,
        "choices_offered": 1,
        "procedures_opened": 1,
    }
    lookups = report["lookups"]
    assert isinstance(lookups, dict)
    assert lookups["typed_codes"] == 2
    assert (lookups["found"], lookups["unknown"], lookups["malformed"]) == (0, 1, 1)
    assert before["questions"]["asked"] == 0
    assert before["lookups"]["typed_codes"] == 0
