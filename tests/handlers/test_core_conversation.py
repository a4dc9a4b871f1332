"""The conversation core on the real knowledge base: small talk, aspects, choices, follow-ups."""

from __future__ import annotations

from fakes.decisions import ScriptedDecision, ScriptedHit, ScriptedSearch

from handlers import texts_vi as t
from handlers.assistant import CHOOSE_PROCEDURE, Assistant
from handlers.conversation import ConversationState, MemoryConversationStore
from handlers.messages import Incoming, Reply
from handlers.outcome import OutcomeKind
from knowledge.base import KnowledgeBase

PORTAL = "https://dichvucong.gov.vn"  # the assistant fixture's (conftest.py)


KHAI_SINH = "1.001193"


def text(channel: str = "web", user: str = "u1", body: str = "") -> Incoming:
    return Incoming(channel=channel, user_id=user, text=body)


def press(payload: str, user: str = "u1") -> Incoming:
    return Incoming(channel="web", user_id=user, payload=payload)


def joined(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


async def state_of(store: MemoryConversationStore, user: str = "u1") -> ConversationState:
    return ConversationState.from_json(await store.load("web", user))


async def reach(
    bot: Assistant, store: MemoryConversationStore, question: str, code: str
) -> list[Reply]:
    """The answer about ``code`` to ``question``, in at most one press.

    The ranking is the knowledge base's business: whether the procedure comes first, among
    close candidates to choose from, or as an alternative beside the answer, it must be one
    step away, and the aspect asked must come with it.
    """
    replies = await bot.handle(text(body=question))
    if (await state_of(store)).last_procedure != code:
        payloads = [b.payload for r in replies for b in r.buttons]
        mine = [p for p in payloads if p.split(":")[1:2] == [code]]
        assert mine, f"{code} is not offered for {question!r}: {payloads}"
        replies = await bot.handle(press(mine[0]))
    assert (await state_of(store)).last_procedure == code
    return replies


# --- small talk ------------------------------------------------------------------------


async def test_greetings_in_any_spelling(assistant: Assistant) -> None:
    for greeting in ("chào", "Chào bạn!", "hi", "alo", "xin chao", "/start"):
        replies = await assistant.handle(text(body=greeting))
        assert replies == [Reply(t.GREETING)], greeting


async def test_help_explains_procedures_and_dossier_lookup(assistant: Assistant) -> None:
    for ask in ("/help", "trợ giúp", "huong dan"):
        out = joined(await assistant.handle(text(body=ask)))
        assert out == t.HELP
    assert "mã hồ sơ" in t.HELP and "ví dụ" in t.HELP


async def test_thanks_and_goodbye(assistant: Assistant) -> None:
    assert await assistant.handle(text(body="cảm ơn nhé")) == [Reply(t.THANKS)]
    assert await assistant.handle(text(body="tks")) == [Reply(t.THANKS)]
    assert await assistant.handle(text(body="tạm biệt")) == [Reply(t.GOODBYE)]


async def test_greeting_with_a_question_answers_the_question(
    assistant: Assistant, store: MemoryConversationStore
) -> None:
    replies = await reach(assistant, store, "chào bạn, đăng ký tạm trú mất bao lâu", "1.004194")
    out = joined(replies)
    assert "Đăng ký tạm trú" in out
    assert "3 ngày làm việc" in out


# --- aspects -----------------------------------------------------------------------------


async def test_deep_link_opens_the_procedure_overview_with_aspect_buttons(
    assistant: Assistant, store: MemoryConversationStore, kb: KnowledgeBase
) -> None:
    replies = await assistant.handle(press("p_1-001193"))
    procedure = kb.get(KHAI_SINH)
    assert procedure is not None and procedure.detail_url
    assert len(replies) == 1
    assert "Đăng ký khai sinh" in replies[0].text
    assert procedure.detail_url in replies[0].text
    payloads = {b.payload for b in replies[0].buttons}
    assert {"pa:1.001193:documents", "pa:1.001193:fee", "pa:1.001193:time"} <= payloads
    assert (await state_of(store)).last_procedure == KHAI_SINH
    # the same deep link typed after /start, or a payload coming back as text
    again = await assistant.handle(text(body="/start p_1-001193"))
    assert again[0].text == replies[0].text
    as_text = await assistant.handle(text(body="pa:1.001193:fee"))
    assert as_text[0].text.startswith("Phí, lệ phí của thủ tục “Đăng ký khai sinh”")


async def test_aspect_buttons_answer_each_aspect(assistant: Assistant) -> None:
    documents = joined(await assistant.handle(press("pa:1.001193:documents")))
    assert "Giấy chứng sinh" in documents
    time = joined(await assistant.handle(press("pa:1.001193:time")))
    assert t.TIME_BARE.format(raw="1") in time  # the record's "1", no unit it does not give
    fee = joined(await assistant.handle(press("pa:1.001193:fee")))
    assert "Miễn phí" in fee
    wedding_fee = joined(await assistant.handle(press("pa:1.000894:fee")))
    assert "• Miễn lệ phí" in wedding_fee and "281/2016/TT-BTC" in wedding_fee
    place = joined(await assistant.handle(press("pa:1.001193:place")))
    assert "Cấp xã" in place
    online = joined(await assistant.handle(press("pa:1.001193:online")))
    assert online.startswith("Có,")
    for out in (documents, time, fee, place, online):
        assert "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/" in out


async def test_question_with_aspect_answers_that_aspect(
    assistant: Assistant, store: MemoryConversationStore
) -> None:
    out = joined(await reach(assistant, store, "lệ phí đăng ký tạm trú", "1.004194"))
    assert "7.000 đồng" in out and "10.000 đồng" in out
    assert "Ghi chú" in out


async def test_two_aspects_in_one_question_are_both_answered_with_one_link(
    assistant: Assistant, store: MemoryConversationStore
) -> None:
    question = "đăng ký tạm trú mất bao lâu, lệ phí bao nhiêu"
    replies = await reach(assistant, store, question, "1.004194")
    out = replies[0].text
    assert "3 ngày làm việc" in out and "7.000 đồng" in out
    assert out.count("Thông tin chính thức") == 1
    payloads = {b.payload for b in replies[0].buttons}
    assert "pa:1.004194:documents" in payloads and "pa:1.004194:fee" not in payloads


async def test_driving_licence_fee_shows_the_note_despite_free(assistant: Assistant) -> None:
    out = joined(await assistant.handle(press("pa:3.000347:fee")))
    assert "135.000" in out
    assert t.FEE_FLAG_FREE_BUT_AMOUNT in out


async def test_no_diacritics_online_question(
    assistant: Assistant, store: MemoryConversationStore
) -> None:
    question = "dang ky tam tru online duoc khong"
    out = joined(await reach(assistant, store, question, "1.004194"))
    assert "Đăng ký tạm trú" in out
    assert "nộp trực tuyến được" in out


# --- follow-ups ---------------------------------------------------------------------------


async def test_follow_ups_refer_to_the_last_procedure(
    assistant: Assistant, store: MemoryConversationStore
) -> None:
    await assistant.handle(press("p_1-001193"))
    fee = joined(await assistant.handle(text(body="còn lệ phí thì sao?")))
    assert "thủ tục “Đăng ký khai sinh”" in fee and "Miễn phí" in fee
    where = joined(await assistant.handle(text(body="nop o dau")))
    assert where.startswith("Nơi nộp hồ sơ thủ tục “Đăng ký khai sinh”")
    how_long = joined(await assistant.handle(text(body="mất bao lâu")))
    assert t.TIME_BARE.format(raw="1") in how_long
    papers = joined(await assistant.handle(text(body="cần giấy tờ gì")))
    assert papers.startswith("Hồ sơ cần chuẩn bị cho thủ tục “Đăng ký khai sinh”")
    assert (await state_of(store)).last_procedure == KHAI_SINH


async def test_a_new_procedure_with_an_aspect_is_not_taken_for_a_follow_up(
    assistant: Assistant, store: MemoryConversationStore
) -> None:
    await assistant.handle(press("p_1-001193"))
    out = joined(await assistant.handle(text(body="lệ phí đăng ký tạm trú bao nhiêu")))
    # answered, or offered among close candidates, but never the birth registration again
    assert "Đăng ký tạm trú" in out
    assert "khai sinh" not in out


async def test_aspect_without_any_procedure_asks_which_one(assistant: Assistant) -> None:
    assert await assistant.handle(text(body="lệ phí bao nhiêu?")) == [Reply(t.ASK_WHICH_PROCEDURE)]


# --- abstaining ----------------------------------------------------------------------------


async def test_out_of_scope_question_gets_an_honest_answer_with_the_portal(
    kb: KnowledgeBase,
) -> None:
    store = MemoryConversationStore()
    bot = Assistant(ScriptedSearch(kb), store, portal_url=PORTAL)
    replies = await bot.handle(text(body="đăng ký hợp đồng mua bán điện thế nào"))
    assert replies == [Reply(t.NOT_IN_KNOWLEDGE_BASE.format(portal_url=PORTAL))]
    assert PORTAL in replies[0].text
    assert (await state_of(store)).last_procedure is None
    # with a procedure discussed before, an unknown one with an aspect is still not guessed
    await bot.handle(press("p_1-001193"))
    replies = await bot.handle(text(body="lệ phí cấp phép xây dựng nhà"))
    assert replies == [Reply(t.NOT_IN_KNOWLEDGE_BASE.format(portal_url=PORTAL))]
    # but an aspect with one word naming nothing else stays with the last procedure
    replies = await bot.handle(text(body="còn lệ phí cho bé thì sao"))
    assert replies[0].text.startswith("Phí, lệ phí của thủ tục “Đăng ký khai sinh”")


async def test_out_of_scope_says_who_handles_it_instead(assistant: Assistant) -> None:
    """A topic the records lack whose handler is known (the water supplier, a bank, a court):
    the answer says where to go, and still offers the portal for other procedures."""
    for question, kind in (
        (
            "Nghi đồng hồ nước bị hỏng. Tôi cần liên hệ ai để kiểm tra lại đồng hồ nước?",
            "utilities",
        ),
        ("vay vốn ngân hàng mua nhà lãi suất bao nhiêu", "banks"),
        ("xin visa nhật bản đi du lịch", "abroad"),
        ("kham suc khoe de doi bang lai o benh vien nao re nhat", "shopping"),
    ):
        replies = await assistant.handle(text(body=question))
        expected = t.OUT_OF_SCOPE_HANDLED_BY[kind] + t.OUT_OF_SCOPE_PORTAL.format(
            portal_url=PORTAL
        )
        assert replies == [Reply(expected)], question
    # an out-of-scope topic without a known handler keeps the plain answer
    replies = await assistant.handle(text(body="hợp pháp hóa lãnh sự bằng đại học"))
    assert replies == [Reply(t.NOT_IN_KNOWLEDGE_BASE.format(portal_url=PORTAL))]


def test_every_kind_of_handler_has_its_words() -> None:
    """Each kind the lexicon names has a text, and each text a kind (a kind without one would
    silently fall back to the plain answer)."""
    from knowledge.lexicon import default_lexicon

    kinds = {kind for kind, phrases in default_lexicon().out_of_scope_kinds if phrases}
    assert kinds == set(t.OUT_OF_SCOPE_HANDLED_BY)
    assert all(
        "ông/bà" in text.lower() or "tôi" in text for text in t.OUT_OF_SCOPE_HANDLED_BY.values()
    )


async def test_unknown_deep_link_code(assistant: Assistant) -> None:
    out = joined(await assistant.handle(press("p_9-999999")))
    assert "9.999999" in out and PORTAL in out


# --- choices ----------------------------------------------------------------------------


async def test_close_scores_offer_a_choice_answered_by_button_or_digit(
    kb: KnowledgeBase,
) -> None:
    store = MemoryConversationStore()
    search = ScriptedSearch(kb, default=("choice", ["1.001193", "1.000894"]))
    bot = Assistant(search, store, portal_url=PORTAL)
    replies = await bot.handle(text(body="thủ tục gì đó mất bao lâu"))
    assert [b.payload for b in replies[0].buttons] == ["pc:1.001193", "pc:1.000894"]
    assert "1. Đăng ký khai sinh" in replies[0].text
    assert "2. Đăng ký kết hôn" in replies[0].text
    state = await state_of(store)
    assert state.pending == CHOOSE_PROCEDURE and state.pending_data == {"aspects": "time"}
    # by digit: the aspect asked with the question is answered for the chosen procedure
    chosen = joined(await bot.handle(text(body="2")))
    assert chosen.startswith("Thời hạn giải quyết thủ tục “Đăng ký kết hôn”")
    state = await state_of(store)
    assert state.pending is None and state.choices == []
    assert state.last_procedure == "1.000894"
    # by button
    await bot.handle(text(body="thủ tục gì đó"))
    by_button = joined(await bot.handle(press("pc:1.001193")))
    assert by_button.startswith("Thủ tục “Đăng ký khai sinh”")


async def test_a_digit_out_of_range_asks_again(kb: KnowledgeBase) -> None:
    search = ScriptedSearch(kb, default=("choice", ["1.001193", "1.000894"]))
    bot = Assistant(search, MemoryConversationStore(), portal_url=PORTAL)
    await bot.handle(text(body="thủ tục gì đó"))
    assert await bot.handle(text(body="5")) == [Reply(t.CHOICE_OUT_OF_RANGE.format(count=2))]


async def test_an_answer_is_one_procedure_without_a_choice(kb: KnowledgeBase) -> None:
    search = ScriptedSearch(kb, default=("answer", ["1.001193"]))
    bot = Assistant(search, MemoryConversationStore(), portal_url=PORTAL)
    turn = await bot.respond(text(body="khai sinh"))
    assert len(turn.replies) == 1 and turn.replies[0].text.startswith(
        "Thủ tục “Đăng ký khai sinh”"
    )
    assert turn.outcome.kind is OutcomeKind.PROCEDURE
    assert turn.outcome.procedures == ("1.001193",) and turn.outcome.rule == "scripted"


async def test_an_answer_at_one_level_names_it_and_offers_the_others(kb: KnowledgeBase) -> None:
    """The same procedure kept at several levels is one answer: the level shown is said, and
    each other level is one tap away (with the aspect asked)."""
    province, centre = kb.get("1.001456"), kb.get("1.001471")
    assert province is not None and centre is not None

    class Levels(ScriptedSearch):
        def decide(self, query: str) -> ScriptedDecision:
            asked = "tỉnh" in query
            hit = ScriptedHit(province, siblings=(centre,), level="Cấp tỉnh", level_asked=asked)
            return ScriptedDecision("answer", hits=(hit,))

    store = MemoryConversationStore()
    bot = Assistant(Levels(kb), store, portal_url=PORTAL)
    replies = await bot.handle(text(body="lệ phí làm hộ chiếu"))
    assert "Cấp hộ chiếu phổ thông" in replies[0].text and "Phí, lệ phí" in replies[0].text
    assert replies[1].text == t.LEVEL_FOR_CITIZENS.format(level="cấp tỉnh")
    assert [b.payload for b in replies[1].buttons] == ["pa:1.001471:fee"]
    assert replies[1].buttons[0].label == t.LEVEL_BUTTON.format(level="Cấp bộ")
    named = await bot.handle(text(user="u2", body="làm hộ chiếu cấp tỉnh"))
    assert named[1].text == t.LEVEL_ASKED.format(level="cấp tỉnh")
    assert [b.payload for b in named[1].buttons] == ["pc:1.001471"]
    switched = joined(await bot.handle(press("pa:1.001471:fee")))
    assert switched.startswith("Phí, lệ phí") and (await state_of(store)).last_procedure == (
        "1.001471"
    )


async def test_a_new_question_drops_an_unanswered_choice(kb: KnowledgeBase) -> None:
    store = MemoryConversationStore()
    search = ScriptedSearch(kb, default=("choice", ["1.001193", "1.000894"]))
    bot = Assistant(search, store, portal_url=PORTAL)
    await bot.handle(text(body="thủ tục gì đó"))
    await bot.handle(text(body="cảm ơn"))
    state = await state_of(store)
    assert state.choices == [] and state.pending is None


# --- state per (channel, user) ------------------------------------------------------------


async def test_state_is_kept_apart_per_user_and_channel(
    assistant: Assistant, store: MemoryConversationStore
) -> None:
    await assistant.handle(press("p_1-001193", user="alice"))
    await assistant.handle(Incoming("telegram", "bob", payload="p_1-004194"))
    alice = joined(await assistant.handle(text(user="alice", body="còn lệ phí thì sao?")))
    assert "Đăng ký khai sinh" in alice
    bob = joined(await assistant.handle(Incoming("telegram", "bob", text="lệ phí?")))
    assert "Đăng ký tạm trú" in bob
    # the same user id on another channel is another person
    other = await assistant.handle(Incoming("zalo", "alice", text="còn lệ phí thì sao?"))
    assert other == [Reply(t.ASK_WHICH_PROCEDURE)]
    assert (await store.load("zalo", "bob")) is None


async def test_an_aspect_before_choosing_asks_the_choice_again_for_it(
    kb: KnowledgeBase,
) -> None:
    store = MemoryConversationStore()
    search = ScriptedSearch(kb, default=("choice", ["1.001193", "1.000894"]))
    bot = Assistant(search, store, portal_url=PORTAL)
    await bot.handle(press("p_1-004194"))  # an earlier topic must not capture the follow-up
    await bot.handle(text(body="thủ tục gì đó"))
    again = await bot.handle(text(body="còn lệ phí thì sao?"))
    assert again[0].text.startswith(t.CHOOSE_AGAIN.split("\n", 1)[0])
    assert [b.payload for b in again[0].buttons] == ["pc:1.001193", "pc:1.000894"]
    chosen = joined(await bot.handle(text(body="1")))
    assert chosen.startswith("Phí, lệ phí của thủ tục “Đăng ký khai sinh”")


async def test_a_digit_with_nothing_to_choose(assistant: Assistant) -> None:
    assert await assistant.handle(text(body="2")) == [Reply(t.NO_CHOICE_PENDING)]
