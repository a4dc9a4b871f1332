"""The core hands dossier messages to the DossierPort (a recording fake) and survives its crash."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import pytest

from handlers import texts_vi as t
from handlers.assistant import Assistant
from handlers.conversation import ConversationState, MemoryConversationStore
from handlers.messages import Incoming, Reply
from handlers.payloads import DossierPayload
from handlers.ports import DossierPort
from knowledge.base import KnowledgeBase

PORTAL = "https://dichvucong.gov.vn"  # the assistant fixture's (conftest.py)


CODE = re.compile(r"\d{3}\.\d{2}\.\d{2}\.[A-Za-z]\d{2}[- ]?\d{6}[- ]?\d{4}")


@dataclass
class RecordingDossiers:
    """Answers every call with a reply naming the method; records (method, argument)."""

    calls: list[tuple[str, str]] = field(default_factory=list)
    pending_answer: bool = True
    explode: bool = False

    def _reply(self, method: str, arg: str) -> list[Reply]:
        self.calls.append((method, arg))
        if self.explode:
            raise RuntimeError("database is down")
        return [Reply(f"dossier:{method}")]

    def find_code(self, text: str) -> str | None:
        match = CODE.search(text)
        return match.group(0) if match else None

    async def on_receipt_code(
        self, msg: Incoming, raw: str, state: ConversationState
    ) -> list[Reply]:
        state.pending = "dossier_phone_digits"
        return self._reply("on_receipt_code", raw)

    async def on_token(self, msg: Incoming, token: str, state: ConversationState) -> list[Reply]:
        return self._reply("on_token", token)

    async def on_image(self, msg: Incoming, state: ConversationState) -> list[Reply]:
        return self._reply("on_image", str(len(msg.image or b"")))

    async def on_pending(self, msg: Incoming, state: ConversationState) -> list[Reply] | None:
        if not self.pending_answer:
            self.calls.append(("on_pending", msg.text or ""))
            state.pending = None
            return None
        return self._reply("on_pending", msg.text or "")

    async def on_payload(
        self, msg: Incoming, payload: DossierPayload, state: ConversationState
    ) -> list[Reply]:
        return self._reply("on_payload", payload.encode())

    async def on_my_dossiers(self, msg: Incoming, state: ConversationState) -> list[Reply]:
        return self._reply("on_my_dossiers", "")


@pytest.fixture
def dossiers() -> RecordingDossiers:
    return RecordingDossiers()


@pytest.fixture
def bot(kb: KnowledgeBase, dossiers: RecordingDossiers) -> Assistant:
    port: DossierPort = dossiers  # the fake satisfies the Protocol (mypy checks this line)
    return Assistant(kb, MemoryConversationStore(), dossiers=port, portal_url=PORTAL)


def msg(
    text: str | None = None, payload: str | None = None, image: bytes | None = None
) -> Incoming:
    return Incoming("telegram", "42", text=text, payload=payload, image=image)


async def test_receipt_code_in_free_text(bot: Assistant, dossiers: RecordingDossiers) -> None:
    replies = await bot.handle(msg("hồ sơ 000.00.20.H56-210615-0001 của tôi đến đâu rồi"))
    assert replies == [Reply("dossier:on_receipt_code")]
    assert dossiers.calls == [("on_receipt_code", "000.00.20.H56-210615-0001")]
    other_user = Incoming("web", "43", text="hồ sơ của tôi mã 000.00.20.H56-210615-0002")
    mine = await bot.handle(other_user)
    assert mine == [Reply("dossier:on_receipt_code")]


async def test_pending_dossier_step_gets_the_next_message(
    bot: Assistant, dossiers: RecordingDossiers
) -> None:
    await bot.handle(msg("000.00.20.H56-210615-0001"))
    assert await bot.handle(msg("5678")) == [Reply("dossier:on_pending")]
    assert dossiers.calls[-1] == ("on_pending", "5678")


async def test_pending_step_declined_falls_back_to_the_procedure_talk(
    bot: Assistant, dossiers: RecordingDossiers
) -> None:
    dossiers.pending_answer = False
    await bot.handle(msg("000.00.20.H56-210615-0001"))
    replies = await bot.handle(msg("chào"))
    assert replies == [Reply(t.GREETING)]
    assert dossiers.calls[-1] == ("on_pending", "chào")


async def test_payloads_tokens_images_and_my_dossiers(
    bot: Assistant, dossiers: RecordingDossiers
) -> None:
    assert await bot.handle(msg(payload="d_AbC-123_xyz")) == [Reply("dossier:on_token")]
    assert await bot.handle(msg(text="/start d_AbC-123_xyz")) == [Reply("dossier:on_token")]
    assert await bot.handle(msg(payload="ds:sub:000.00.20.H56-210615-0001")) == [
        Reply("dossier:on_payload")
    ]
    assert await bot.handle(msg(image=b"\x89PNG....")) == [Reply("dossier:on_image")]
    assert await bot.handle(msg("/hoso")) == [Reply("dossier:on_my_dossiers")]
    assert await bot.handle(msg("Hồ sơ của tôi")) == [Reply("dossier:on_my_dossiers")]
    assert dossiers.calls == [
        ("on_token", "AbC-123_xyz"),
        ("on_token", "AbC-123_xyz"),
        ("on_payload", "ds:sub:000.00.20.H56-210615-0001"),
        ("on_image", "8"),
        ("on_my_dossiers", ""),
        ("on_my_dossiers", ""),
    ]


async def test_asking_for_a_status_without_a_code_explains_how(
    bot: Assistant, dossiers: RecordingDossiers
) -> None:
    for ask in ("tra cứu hồ sơ", "hồ sơ đến đâu rồi ạ", "kiem tra ho so khai sinh"):
        assert await bot.handle(msg(ask)) == [Reply(t.LOOKUP_HOW)], ask
    assert dossiers.calls == []


async def test_unknown_dossier_button_is_answered(
    bot: Assistant, dossiers: RecordingDossiers
) -> None:
    assert await bot.handle(msg(payload="ds:unknown")) == [Reply(t.STALE_BUTTON)]
    assert dossiers.calls == []  # a payload no kind reads never reaches the dialog


async def test_procedure_questions_and_codes_do_not_reach_the_dossiers(
    bot: Assistant, dossiers: RecordingDossiers
) -> None:
    out = await bot.handle(msg("1.001193"))  # a procedure code is not a receipt code
    assert "Đăng ký khai sinh" in out[0].text
    await bot.handle(msg("đăng ký kết hôn cần giấy tờ gì"))
    await bot.handle(msg(payload="p_1-001193"))
    assert dossiers.calls == []


async def test_a_crashing_dialog_gives_a_polite_apology_and_a_log(
    bot: Assistant, dossiers: RecordingDossiers, caplog: pytest.LogCaptureFixture
) -> None:
    dossiers.explode = True
    with caplog.at_level(logging.ERROR):
        replies = await bot.handle(msg("mã hồ sơ 000.00.20.H56-210615-0001"))
    assert replies == [Reply(t.INTERNAL_ERROR)]
    assert "conversation failed" in caplog.text
    assert "210615" not in caplog.text  # no receipt code (nor any text) in the log
    # the half-done step was not kept: the next message is answered normally
    dossiers.explode = False
    assert await bot.handle(msg("chào")) == [Reply(t.GREETING)]


async def test_without_a_dossier_port_the_citizen_is_told_where_to_ask(
    assistant: Assistant,
) -> None:
    for incoming in (msg("/hoso"), msg(payload="d_abc"), msg(payload="ds:sub:x")):
        assert await assistant.handle(incoming) == [Reply(t.DOSSIERS_UNAVAILABLE)]
    assert await assistant.handle(msg(image=b"img")) == [Reply(t.IMAGE_UNSUPPORTED)]


async def test_a_code_without_a_dossier_port_is_never_a_procedure_question(
    assistant: Assistant,
) -> None:
    for typed in ("000.00.20.H56–210615–0001", "mã 000.00.20.H56 - 210615 - 001"):
        assert await assistant.handle(msg(typed)) == [Reply(t.DOSSIERS_UNAVAILABLE)]
