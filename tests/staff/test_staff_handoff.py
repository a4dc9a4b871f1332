"""Hand-off on SQLite and PostgreSQL: a citizen asks for a person (with or without diacritics)
or taps "Hỏi cán bộ" after a "not found", gets a ticket code and the office hours; the
conversation lands on the ticket; an officer's answer goes through the outbox to the citizen's
own channel (the web chat's inbox here, Zalo's card when its window is closed); the citizen asks
"phiếu của tôi"; closing ends the transcript."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestClient, TestServer
from fakes.zalo_api import FakeZaloAPI
from sqlalchemy import select

from bot.app import create_app
from bot.bootstrap import Services
from bot.senders.setup import build_service
from bot.senders.zalo import ZaloSender
from bot.zalo.client import ZaloClient
from handlers import texts_vi as t
from handlers.conversation import ConversationState
from handlers.dossiers.calendar import WorkCalendar
from handlers.helpdesk.desk import ASK_PAYLOAD, HelpDesk
from handlers.helpdesk.intents import asks_ticket, ticket_code, wants_person
from handlers.messages import Incoming, Reply
from handlers.staff.audit import Actor, Forbidden, Refused
from notifications.handoffs import RULE_HANDOFF_REPLY, Tickets
from notifications.ports import Outcome, SendContext
from storage import handoff_repo, questions_repo
from storage.counters import MemoryCounterStore
from storage.models import OutboxMessage

OFFICER = Actor(1, "lan", "officer")
VIEWER = Actor(2, "xem", "viewer")
WEB_USER = "web-session-handoff-0001"
CODE = re.compile(r"HT-[2-9A-HJKMNP-Z]{6}")


async def _say(services: Services, text: str, user: str = WEB_USER) -> str:
    replies = await services.assistant.handle(Incoming("web", user, text=text))
    return "\n".join(r.text for r in replies)


@pytest.mark.parametrize(
    "text",
    [
        "cho tôi gặp cán bộ",
        "Tôi muốn hỏi người thật",
        "cho toi noi chuyen voi can bo",
        "GAP CAN BO",
        "ad ơi cho mình gặp cán bộ với",
    ],
)
def test_asking_for_a_person_is_recognised(text: str) -> None:
    assert wants_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "xác nhận cán bộ quân đội nghỉ hưu",
        "bổ nhiệm cán bộ",
        "làm giấy khai sinh cần gì",
        "phiếu lý lịch tư pháp",
    ],
)
def test_procedure_questions_are_not_hand_offs(text: str) -> None:
    assert not wants_person(text) and not asks_ticket(text)


def test_ticket_questions_and_codes() -> None:
    assert asks_ticket("phiếu của tôi") and asks_ticket("phieu cua toi den dau roi")
    assert ticket_code("phiếu ht 4f7k9q thế nào") == "HT-4F7K9Q"
    assert ticket_code("HT-4F7K90") is None  # 0 is not in the alphabet
    assert ticket_code("000.00.20.H56-261110-0001") is None


async def test_a_person_is_asked_for_and_answered_on_the_web_chat(
    staff_services: Services,
) -> None:
    services = staff_services
    opened = await _say(services, "cho tôi gặp cán bộ")
    code = CODE.search(opened)
    assert code is not None, opened
    assert "Giờ làm việc" in opened and t.HANDOFF_DESCRIBE in opened
    described = await _say(services, "Sổ đỏ nhà tôi bị ghi sai tên, số 0912345678")
    assert described == t.HANDOFF_ADDED.format(code=code.group(0))
    follow = await _say(services, "làm giấy khai sinh cần gì")
    assert "khai sinh" in follow.lower()  # the assistant still answers meanwhile
    again = await _say(services, "hoi nguoi that")
    assert code.group(0) in again and "đang có phiếu" in again

    tickets = Tickets(services.sessions)
    (line,) = await tickets.listing(OFFICER)
    assert line.ticket.code == code.group(0) and line.ticket.channel == "web"
    assert line.last_text == "hoi nguoi that"  # the citizen's latest words
    view = await tickets.view(OFFICER, code.group(0))
    said = [(m.author, m.text) for m in view.messages]
    # Personal data stays as the citizen typed it: the ticket is for the officer who answers.
    assert ("citizen", "Sổ đỏ nhà tôi bị ghi sai tên, số 0912345678") in said
    assert ("citizen", "làm giấy khai sinh cần gì") in said
    assert any(a == "assistant" and "khai sinh" in x.lower() for a, x in said)
    with pytest.raises(Forbidden):
        await tickets.view(VIEWER, code.group(0))

    await tickets.answer(OFFICER, code.group(0), "Ông/bà mang sổ đỏ đến Bộ phận Một cửa.")
    async with services.sessions() as session:
        (row,) = (await session.execute(select(OutboxMessage))).scalars()
    assert (row.rule, row.channel, row.recipient) == (RULE_HANDOFF_REPLY, "web", WEB_USER)
    assert row.dossier_id is None and row.key.startswith(code.group(0))

    stats = await build_service(services.settings, services.sessions, {}).dispatcher.run_once()
    assert stats.sent == 1
    async with TestClient(TestServer(create_app(services.settings, services=services))) as client:
        inbox = await client.post("/api/chat/inbox", json={"session": WEB_USER, "after": 0})
        (message,) = (await inbox.json())["messages"]
        (pushed,) = message["replies"]
        assert "mang sổ đỏ" in pushed["text"] and code.group(0) in pushed["text"]
        later = await client.post(
            "/api/chat/inbox", json={"session": WEB_USER, "after": message["id"]}
        )
        assert (await later.json())["messages"] == []
        other = await client.post(
            "/api/chat/inbox", json={"session": "another-session-00001", "after": 0}
        )
        assert (await other.json())["messages"] == []
        bad = await client.post("/api/chat/inbox", json={"session": "short"})
        assert bad.status == 400

    state = await _say(services, "phiếu của tôi")
    assert "cán bộ đã trả lời" in state and "mang sổ đỏ" in state

    await tickets.close(OFFICER, code.group(0), "Đã hướng dẫn")
    with pytest.raises(Refused):
        await tickets.answer(OFFICER, code.group(0), "muộn")
    await _say(services, "cảm ơn")
    view = await tickets.view(OFFICER, code.group(0))
    assert "cảm ơn" not in [m.text for m in view.messages]  # closed: nothing more is added
    assert "đã đóng" in await _say(services, "phiếu của tôi")


async def test_not_found_offers_a_person_and_stores_the_question_redacted(
    staff_services: Services,
) -> None:
    services = staff_services
    question = "Tôi là Nguyễn Văn An, xin giấy phép nuôi chim yến, gọi 0912345678"
    replies = await services.assistant.handle(Incoming("web", WEB_USER, text=question))
    assert replies[-1].buttons[-1].label == t.HANDOFF_BUTTON
    assert replies[-1].buttons[-1].payload == ASK_PAYLOAD
    async with services.sessions() as session:
        (stored,) = await questions_repo.list_questions(session, ("new",))
    assert stored.text == "Tôi là [họ tên], xin giấy phép nuôi chim yến, gọi [số điện thoại]"
    assert "0912345678" not in stored.key and "nguyen" not in stored.key

    pressed = await services.assistant.handle(Incoming("web", WEB_USER, payload=ASK_PAYLOAD))
    code = CODE.search(pressed[0].text)
    assert code is not None and t.HANDOFF_DESCRIBE not in pressed[0].text
    view = await Tickets(services.sessions).view(OFFICER, code.group(0))
    assert [m.text for m in view.messages] == [question]  # the question, as typed

    # A button pressed on an old message (the question no longer waiting) still opens none twice.
    again = await services.assistant.handle(Incoming("web", WEB_USER, payload=ASK_PAYLOAD))
    assert code.group(0) in again[0].text


async def test_a_question_from_a_channel_no_officer_reaches_is_not_learned(
    staff_services: Services,
) -> None:
    """The terminal (``motcua chat``, ``ask``) is no channel the app runs: not a citizen."""
    services = staff_services
    question = "xin giấy phép nuôi chim yến"
    replies = await services.assistant.handle(Incoming("cli", "terminal", text=question))
    assert all(b.payload != ASK_PAYLOAD for r in replies for b in r.buttons)
    async with services.sessions() as session:
        assert await questions_repo.list_questions(session, ("new",)) == []
    web = await services.assistant.handle(Incoming("web", WEB_USER, text=question))
    assert web[-1].buttons[-1].payload == ASK_PAYLOAD  # the same question, from a citizen
    async with services.sessions() as session:
        assert len(await questions_repo.list_questions(session, ("new",))) == 1


async def test_tickets_per_citizen_are_limited_and_cli_cannot_hand_off(
    staff_services: Services,
) -> None:
    services = staff_services
    calendar = WorkCalendar()
    desk = HelpDesk(
        services.sessions,
        calendar,
        MemoryCounterStore(),
        reachable={"web"},
        contact="1900 0000",
        per_user_per_day=2,
    )
    tickets = Tickets(services.sessions)
    state_codes = []
    for _ in range(2):
        state = ConversationState()
        replies = await desk.on_text(Incoming("web", "u-limit-0000000001"), "gặp cán bộ", state)
        assert replies is not None
        found = CODE.search(replies[0].text)
        assert found is not None
        state_codes.append(found.group(0))
        await tickets.close(OFFICER, found.group(0), "xong")
    refused = await desk.on_text(
        Incoming("web", "u-limit-0000000001"), "gặp cán bộ", ConversationState()
    )
    assert refused is not None and "1900 0000" in refused[0].text
    assert CODE.search(refused[0].text) is None
    cli = await desk.on_text(Incoming("cli", "cli"), "gặp cán bộ", ConversationState())
    assert cli is not None and cli[0].text == t.HANDOFF_UNAVAILABLE.format(contact="1900 0000")
    async with services.sessions() as session:
        assert await handoff_repo.count_by_status(session) == {"closed": 2}


def test_office_hours_say_when_the_desk_opens() -> None:
    calendar = WorkCalendar()
    desk = HelpDesk(None, calendar, MemoryCounterStore(), reachable=(), contact="")  # type: ignore[arg-type]
    tz = calendar.tz
    assert desk.next_opening(datetime(2026, 12, 7, 9, 30, tzinfo=tz)) is None  # Monday morning
    # The default office periods ([calendar.office_hours]): 07:30-11:30 and 13:30-17:00.
    assert desk.next_opening(datetime(2026, 12, 7, 12, 30, tzinfo=tz)) == datetime(
        2026, 12, 7, 13, 30, tzinfo=tz
    )
    # Friday evening: Monday 7:30.
    assert desk.next_opening(datetime(2026, 12, 11, 18, 0, tzinfo=tz)) == datetime(
        2026, 12, 14, 7, 30, tzinfo=tz
    )
    # New Year's Day 2027 is a Friday holiday: the desk opens on Monday the 4th.
    assert desk.next_opening(datetime(2026, 12, 31, 17, 30, tzinfo=tz)) == datetime(
        2027, 1, 4, 7, 30, tzinfo=tz
    )


async def test_zalo_answer_outside_the_window_goes_as_a_transaction_card(
    zalo: tuple[FakeZaloAPI, ZaloClient],
) -> None:
    api, client = zalo
    noon = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)  # 12:00 in Vietnam
    sender = ZaloSender(client, clock=lambda: noon)
    answer = Reply(
        t.HANDOFF_REPLY.format(code="HT-4F7K9Q", text="Ông/bà mang sổ đỏ đến Bộ phận Một cửa.")
    )
    context = SendContext(f"HT-4F7K9Q:{RULE_HANDOFF_REPLY}:7:zalo:u1", None, RULE_HANDOFF_REPLY)
    assert (await sender.send("u1", answer, context)).outcome is Outcome.SENT
    (text,) = api.sent("message/cs")  # inside the 7-day window: a plain message
    assert "mang sổ đỏ" in text.text

    api.fail("message/cs", -230)  # the window closed
    assert (await sender.send("u1", answer, context)).outcome is Outcome.SENT
    (card,) = api.sent("message/transaction")
    payload = card.body["message"]["attachment"]["payload"]
    table = next(e for e in payload["elements"] if e["type"] == "table")["content"]
    assert table[0] == {"key": "Mã phiếu", "value": "HT-4F7K9Q"}
    texts = [e["content"] for e in payload["elements"] if e["type"] == "text"]
    assert any("mang sổ đỏ" in x for x in texts)
    assert all(len(x) <= 250 for x in texts)


async def test_the_lists_order_open_by_waiting_and_closed_by_closing(
    staff_services: Services,
) -> None:
    """Open tickets: the citizen who has waited longest first, with how many lines and their
    latest words. Closed ones: the latest closed first."""
    services = staff_services
    codes = []
    for n in range(3):
        opened = await _say(services, "gặp cán bộ", user=f"web-order-{n:013d}")
        found = CODE.search(opened)
        assert found is not None
        codes.append(found.group(0))
        await _say(services, f"câu hỏi số {n}", user=f"web-order-{n:013d}")
    await _say(services, "tôi vẫn đang chờ", user=f"web-order-{0:013d}")  # 0 waits less now
    tickets = Tickets(services.sessions)
    lines = await tickets.listing(OFFICER)
    assert [line.ticket.code for line in lines] == [codes[1], codes[2], codes[0]]
    assert [line.last_text for line in lines] == [
        "câu hỏi số 1",
        "câu hỏi số 2",
        "tôi vẫn đang chờ",
    ]
    assert lines[2].messages == lines[0].messages + 2  # the citizen's line and the answer
    await tickets.close(OFFICER, codes[2], "xong")
    await tickets.close(OFFICER, codes[0], "xong")
    closed = await tickets.listing(OFFICER, closed=True)
    assert [line.ticket.code for line in closed] == [codes[0], codes[2]]
    assert [line.ticket.code for line in await tickets.listing(OFFICER)] == [codes[1]]
