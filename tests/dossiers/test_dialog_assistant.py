"""Through the conversation core: a typed code, the subscribe button, the phone digits, /hoso,
and a /start deep link; the state survives between messages in the SQL store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from fakes.decisions import ScriptedDecision

from handlers.assistant import Assistant
from handlers.dossiers.dialog import DossierDialog
from handlers.dossiers.tokens import make_token
from handlers.messages import Incoming
from knowledge.model import Procedure
from storage import dossiers_repo
from storage.conversations_repo import SqlConversationStore
from storage.counters import MemoryCounterStore
from storage.dossier_store import SqlDossierStore
from storage.engine import SessionFactory

VN = timezone(timedelta(hours=7))
KEY = b"assistant-test-key"
CODE = "000.00.20.H56-261120-0042"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=VN).astimezone(UTC)


class NoProcedures:
    def get(self, code: str) -> Procedure | None:
        return None

    def decide(self, query: str) -> ScriptedDecision:
        return ScriptedDecision("abstain")


async def make_assistant(
    factory: SessionFactory, procedures: NoProcedures | None = None
) -> Assistant:
    async with factory() as session, session.begin():
        row = {
            "receipt_code": CODE,
            "procedure_name": "Cấp bản sao trích lục hộ tịch",
            "applicant_name": "Lê Thị Hoa",
            "applicant_phone": "+84 988 123 456",
            "received_at": datetime(2026, 11, 24, 8, 0, tzinfo=VN),
            "due_at": datetime(2026, 11, 24, 17, 0, tzinfo=VN),
            "status": "result_ready",
            "status_at": datetime(2026, 11, 24, 15, 0, tzinfo=VN),
        }
        await dossiers_repo.upsert_dossiers(session, [row], NOW)
    dialog = DossierDialog(
        SqlDossierStore(factory), signing_key=KEY, counters=MemoryCounterStore(), clock=lambda: NOW
    )
    search = procedures or NoProcedures()
    return Assistant(search, SqlConversationStore(factory), dossiers=dialog)


async def test_typed_code_then_subscribe_with_digits(session_factory: SessionFactory) -> None:
    bot = await make_assistant(session_factory)
    user = Incoming("zalo", "z1", text="tra cứu hồ sơ 000.00.20.h56-261120-0042 giúp tôi")
    first = await bot.handle(user)
    assert "Đã có kết quả, chờ trả" in first[0].text
    assert "L* T** H" in first[0].text
    assert "123 456" not in first[0].text and "3456" not in first[0].text
    payload = first[0].buttons[0].payload
    ask = await bot.handle(Incoming("zalo", "z1", payload=payload))
    assert "4 chữ số cuối" in ask[0].text
    wrong = await bot.handle(Incoming("zalo", "z1", text="1234"))
    assert "chưa khớp" in wrong[0].text
    ok = await bot.handle(Incoming("zalo", "z1", text="3456"))
    assert "sẽ nhận thông báo" in ok[0].text
    mine = await bot.handle(Incoming("zalo", "z1", text="/hoso"))
    assert CODE in mine[0].text
    assert mine[0].buttons[0].payload.startswith("ds:unsub:")


async def test_deep_link_subscribes(session_factory: SessionFactory) -> None:
    bot = await make_assistant(session_factory)
    start = Incoming(
        "telegram", "t1", payload="d_" + make_token(CODE, KEY, NOW.astimezone(VN).date())
    )
    replies = await bot.handle(start)
    assert CODE in replies[0].text
    assert "sẽ nhận thông báo" in replies[-1].text
    mine = await bot.handle(Incoming("telegram", "t1", text="/hoso"))
    assert CODE in mine[0].text


class RecordingSearch(NoProcedures):
    """No procedures, and a record of every question that reached the procedure search."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def decide(self, query: str) -> ScriptedDecision:
        self.asked.append(query)
        return ScriptedDecision("abstain")


async def test_codes_in_every_spelling_reach_the_dossier(session_factory: SessionFactory) -> None:
    search = RecordingSearch()
    bot = await make_assistant(session_factory, search)
    for n, typed in enumerate(
        (
            "000.00.20.H56–261120–0042",  # en dashes
            "mã hồ sơ 000.00.20.H56 — 261120 — 0042 ạ",  # em dashes with spaces
            "０００.００.２０.Ｈ５６-２６１１２０-００４２",  # full-width
            "000 . 00 . 20 . h56 - 261120 - 0042",
        )
    ):
        replies = await bot.handle(Incoming("web", f"w{n}", text=typed))
        assert CODE in replies[0].text and "Đã có kết quả, chờ trả" in replies[0].text, typed
    for n, typed in enumerate(("000.00.20.H56–261120–042", "000.00.20.H56", "261120 – 0042")):
        replies = await bot.handle(Incoming("web", f"m{n}", text=f"mã {typed}"))
        assert "chưa đúng dạng" in replies[0].text, typed  # the format help
    assert search.asked == []  # none of them was searched as a procedure question
