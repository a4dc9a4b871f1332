"""No personal data in any log line: a whole conversation on the web chat and on Telegram (the
fake Bot API), a lookup, a subscription and a push, logged at DEBUG through bot.logs, then every
line is searched for the name, phone, receipt code, session id and chat id used."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from channel_support import SIGNING_KEY
from fakes.bot_api import FakeBotAPI

from bot import logs
from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.config import load_settings
from bot.senders.setup import build_service, telegram_sender
from handlers.dossiers.ingest import Ingestor
from handlers.dossiers.tokens import make_payload
from knowledge.base import KnowledgeBase
from storage import dossiers_repo

NAME = "Hoàng Thị Xuân Mai"
PHONE = "0987654321"
RECEIPT = "000.00.20.H56-261124-0042"
SESSION = "privacyProbeSession_7Qx2"
CHAT = 738291046  # a distinctive chat id: a short one could match any timestamp


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Every log line at DEBUG, formatted as the server writes them (text and JSON)."""
    logs.configure(verbose=True)
    buffer = io.StringIO()
    text = logging.StreamHandler(buffer)
    text.setFormatter(logging.Formatter(logs.TEXT_FORMAT))
    as_json = logging.StreamHandler(buffer)
    as_json.setFormatter(logs.JsonFormatter())
    root = logging.getLogger()
    root.addHandler(text)
    root.addHandler(as_json)
    try:
        yield buffer
    finally:
        root.removeHandler(text)
        root.removeHandler(as_json)
        logs.configure(verbose=False)


async def _seed(sessions: object) -> None:
    now = datetime.now(UTC)
    row = {
        "receipt_code": RECEIPT,
        "procedure_code": "1.001193",
        "procedure_name": "Đăng ký khai sinh",
        "applicant_name": NAME,
        "applicant_phone": PHONE,
        "received_at": now - timedelta(days=2),
        "due_at": now + timedelta(days=5),
        "status": "processing",
        "status_at": now - timedelta(days=1),
    }
    async with sessions() as session, session.begin():  # type: ignore[operator]
        await dossiers_repo.upsert_dossiers(session, [row], now)


@pytest.mark.usefixtures("settings_env")
async def test_no_personal_data_in_any_log_line(
    monkeypatch: pytest.MonkeyPatch, kb: KnowledgeBase, captured: io.StringIO
) -> None:
    monkeypatch.setenv("MOTCUA_NOTIFICATIONS__QUIET_HOURS", "off")
    async with FakeBotAPI() as api:
        monkeypatch.setenv("MOTCUA_TELEGRAM__TOKEN", api.token)
        monkeypatch.setenv("MOTCUA_TELEGRAM__API_BASE", api.base_url)
        settings = load_settings()
        services = await bootstrap(settings, kb=kb, notifications=False)
        await _seed(services.sessions)
        client = TestClient(
            TestServer(create_app(services.settings, services=services), access_log=None)
        )
        await client.start_server()
        try:
            # The web chat: a question, the receipt code, the phone digits to follow it.
            for text in ("làm giấy khai sinh cần gì", RECEIPT, "xin chào"):
                resp = await client.post("/api/chat", json={"session": SESSION, "text": text})
                assert resp.status == 200
            # Telegram (polling the fake Bot API): a question, a lookup, the receipt's deep
            # link (which subscribes the chat), the dossiers followed.
            token = make_payload(RECEIPT, SIGNING_KEY.encode())
            for text in ("làm hộ chiếu cần gì", f"tra cứu {RECEIPT}", f"/start {token}", "/hoso"):
                before = len(api.sent(chat_id=CHAT))
                api.push_message(CHAT, text)
                await api.wait_for("sendMessage", before + 1, chat_id=CHAT, timeout=15)
            # A status change pushed to the subscribed chat.
            ingestor = Ingestor(services.sessions, services.calendar, services.knowledge)
            added, rejection = await ingestor.ingest_event(
                RECEIPT, {"status": "result_ready", "note": NAME}, datetime.now(UTC)
            )
            assert added and rejection is None
            sender = telegram_sender(settings)
            assert sender is not None
            try:
                service = build_service(settings, services.sessions, {"telegram": sender})
                before = len(api.sent(chat_id=CHAT))
                await service.run_once()
                await api.wait_for("sendMessage", before + 1, chat_id=CHAT, timeout=15)
            finally:
                await sender.aclose()
            pushed = api.sent(chat_id=CHAT)[-1]["text"]
            assert RECEIPT in pushed  # the push did happen, with the code in it
        finally:
            await client.close()
            await services.aclose()
    lines = captured.getvalue().splitlines()
    assert len(lines) > 20, "the conversation was logged"
    secrets = {
        "name": NAME,
        "phone": PHONE,
        "receipt code": RECEIPT,
        "receipt code's tail": "261124-0042",
        "deep-link token": token,
        "session id": SESSION,
        "chat id": str(CHAT),
    }
    leaks = [f"{what}: {line}" for line in lines for what, s in secrets.items() if s in line]
    assert leaks == []
