"""A whole Zalo conversation through the signed webhook, on SQLite and PostgreSQL: follow,
question, choice by button payload and by digit, receipt code, QR photo, phone sharing,
subscription, status push, withdrawal."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
import segno
from fakes.zalo_api import Call, FakeZaloAPI, ZaloHarness
from sqlalchemy import func, select

from bot.senders.zalo import ZaloSender
from handlers.assistant import Assistant
from handlers.dossiers.dialog import DossierDialog
from handlers.dossiers.tokens import make_payload
from handlers.messages import Reply
from knowledge import shipped
from knowledge.base import KnowledgeBase
from knowledge.compressed import open_text
from notifications.ports import Outcome
from storage import dossiers_repo
from storage.conversations_repo import SqlConversationStore
from storage.counters import MemoryCounterStore
from storage.dossier_store import SqlDossierStore
from storage.engine import SessionFactory
from storage.models import Contact, Conversation, Subscription, WebhookEvent

VN = timezone(timedelta(hours=7))
KEY = b"zalo-test-key"
CODE = "000.00.20.H56-261120-0007"
OTHER = "000.00.20.H56-261121-0003"  # filed with the same phone, never looked up
USER = "246845883529197922"


@pytest.fixture(scope="module")
def small_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The birth, marriage and death registrations: enough for a question and its aspects."""
    with open_text(shipped.export_paths()[0]) as handle:
        lines = handle.read().splitlines()
    keep = [ln for ln in lines if any(w in ln[:600] for w in ("khai sinh", "kết hôn", "khai tử"))]
    path = tmp_path_factory.mktemp("kb") / "small.jsonl"
    path.write_text("\n".join(keep[:40]) + "\n", encoding="utf-8")
    kb = KnowledgeBase.from_files([path])
    assert len(kb) > 3
    return kb


@pytest.fixture
async def world(
    session_factory: SessionFactory, small_kb: KnowledgeBase
) -> AsyncIterator[ZaloHarness]:
    now = datetime.now(UTC)
    async with session_factory() as session, session.begin():
        await dossiers_repo.upsert_dossiers(
            session,
            [
                {
                    "receipt_code": code,
                    "procedure_code": "1.001193",
                    "procedure_name": "Đăng ký khai sinh",
                    "applicant_name": "Nguyễn Văn An",
                    "applicant_phone": "0912345678",
                    "received_at": now - timedelta(days=3),
                    "due_at": now + timedelta(days=5),
                    "status": "processing",
                    "status_at": now - timedelta(days=2),
                    "submitted_via": "direct",
                    "agency": None,
                    "note": None,
                    "apology_reason": None,
                    "new_due_at": None,
                }
                for code in (CODE, OTHER)
            ],
            now,
        )
    store = SqlConversationStore(session_factory)
    dialog = DossierDialog(
        SqlDossierStore(session_factory), signing_key=KEY, counters=MemoryCounterStore()
    )
    assistant = Assistant(small_kb, store, dossiers=dialog)
    async with FakeZaloAPI() as api, ZaloHarness(api, session_factory, assistant, store) as h:
        yield h


async def _say(h: ZaloHarness, text: str) -> list[Call]:
    """The user types ``text`` (or a button sends it); returns the messages sent in answer."""
    return await _deliver(
        h,
        h.api.delivery(
            "user_send_text",
            user_id=USER,
            message={"text": text, "msg_id": f"msg-{len(h.api.calls)}-{text}"},
        ),
    )


async def _deliver(h: ZaloHarness, body: dict[str, object]) -> list[Call]:
    before = len(h.api.sent())
    assert await h.deliver(body) == 200
    await h.settle()
    return h.api.sent()[before:]


def _text(calls: list[Call]) -> str:
    return "\n".join(c.text for c in calls)


async def _count(factory: SessionFactory, model: type, **where: str) -> int:
    async with factory() as session:
        stmt = select(func.count()).select_from(model)
        for name, value in where.items():
            stmt = stmt.where(getattr(model, name) == value)
        return int((await session.execute(stmt)).scalar_one())


async def test_whole_conversation(world: ZaloHarness, session_factory: SessionFactory) -> None:
    h, api = world, world.api
    # follow: a welcome with the button that asks for the phone
    (welcome,) = await _deliver(h, api.delivery("follow", user_id=USER))
    assert welcome.user_id == USER and "Trợ lý Một cửa" in welcome.text
    assert [b["payload"] for b in welcome.buttons] == ["zl:phone"]
    assert welcome.access_token == "AT-1"

    # a question; when close candidates come as Zalo buttons (at most four), press one:
    # its payload comes back as typed text (oa.query.show) and the core opens that procedure
    opened = await _say(h, "đăng ký khai sinh")
    assert "khai sinh" in _text(opened).lower()
    if opened[-1].buttons:
        assert 2 <= len(opened[-1].buttons) <= 4
        assert {b["type"] for b in opened[-1].buttons} == {"oa.query.show"}
        chosen = opened[-1].buttons[0]
        opened = await _say(h, chosen["payload"])
        code = chosen["payload"].split(":", 1)[1]  # "pc:<procedure code>"
        assert code in _text(opened)
    # seven aspect choices do not fit four buttons: a numbered list, answered with a digit
    assert opened[-1].buttons == [] and "\n1. " in opened[-1].text
    assert "\n5. " in opened[-1].text
    documents = await _say(h, "1")
    assert "hồ sơ" in _text(documents).lower() and _text(documents) != _text(opened)
    assert all(len(c.text) <= 2000 for c in api.sent())
    # an aspect button of another procedure, pressed later
    fee = await _say(h, "pa:1.001193:fee")
    assert "phí" in _text(fee).lower()

    # a typed receipt code: the status, never the phone, and a "follow" button
    status = await _say(h, f"tra cứu hồ sơ {CODE.lower()}")
    assert CODE in _text(status) and "Đang xử lý" in _text(status)
    assert "0912345678" not in _text(status)
    (follow,) = [b for b in status[-1].buttons if b["payload"].startswith("ds:sub:")]
    # pressing it: the core asks for the phone's last four digits (proof of possession)
    asked_digits = await _say(h, follow["payload"])
    assert "4" in _text(asked_digits)
    assert await _count(session_factory, Subscription, channel="zalo", user_id=USER) == 0
    await _say(h, "5678")
    assert await _count(session_factory, Subscription, channel="zalo", user_id=USER) == 1

    # a photo of the receipt's QR code
    png = io.BytesIO()
    segno.make(f"https://t.me/motcua_bot?start={make_payload(CODE, KEY)}").save(
        png, kind="png", scale=6
    )
    url = api.add_image(png.getvalue())
    photo = await _deliver(
        h,
        api.delivery(
            "user_send_image",
            user_id=USER,
            message={
                "msg_id": "photo-1",
                "attachments": [{"type": "image", "payload": {"url": url}}],
            },
        ),
    )
    assert CODE in _text(photo)
    assert await _count(session_factory, Subscription, channel="zalo", user_id=USER) == 1

    # a sticker gets the polite "I read text and QR photos"
    sticker = await _deliver(
        h, api.delivery("user_send_sticker", user_id=USER, message={"msg_id": "st-1"})
    )
    assert "ảnh chụp mã QR" in _text(sticker)

    # the phone button sends the request_user_info form; the answer links the dossiers
    (form,) = await _say(h, "zl:phone")
    assert form.template_type == "request_user_info"
    (offer,) = await _deliver(
        h,
        api.delivery(
            "user_submit_info",
            user_id=USER,
            info={"name": "Nguyễn Văn An", "phone": "84912345678", "address": "", "city": ""},
        ),
    )
    assert "2 hồ sơ" in offer.text
    assert len(offer.buttons) == 1  # the one already followed is not offered again
    follow_payload = offer.buttons[0]["payload"]
    assert follow_payload.startswith("zs:") and OTHER in offer.buttons[0]["title"]
    assert await _count(session_factory, Contact, user_id=USER) == 1

    done = _text(await _say(h, follow_payload))
    assert "Đã đăng ký" in done and OTHER in done
    assert await _count(session_factory, Subscription, channel="zalo", user_id=USER) == 2

    # a status push to the subscriber through the outbox sender
    sender = ZaloSender(h.channel.client, clock=lambda: datetime(2026, 11, 25, 10, 0, tzinfo=VN))
    result = await sender.send(USER, Reply(f"Hồ sơ {CODE}: Đã có kết quả, chờ trả"))
    assert result.outcome is Outcome.SENT
    assert "Đã có kết quả" in api.sent("message/cs")[-1].text

    # withdrawal: everything held on the user is deleted, and nothing is answered
    assert await _count(session_factory, Conversation, user_id=USER) >= 1
    assert await _deliver(h, api.delivery("user_withdraw", user_id=USER)) == []
    for model in (Conversation, Contact, Subscription):
        assert await _count(session_factory, model, user_id=USER) == 0
    # every accepted delivery was recorded once for dedupe
    assert await _count(session_factory, WebhookEvent) == h.channel.webhook.stats["accepted"]


async def test_phone_not_on_any_dossier_and_follow_refused(
    world: ZaloHarness, session_factory: SessionFactory
) -> None:
    h, api = world, world.api
    shared = api.delivery("user_submit_info", user_id="other", info={"phone": "0987654321"})
    assert "chưa thấy hồ sơ" in _text(await _deliver(h, shared))
    async with session_factory() as session:
        dossier = await dossiers_repo.get_by_code(session, CODE)
    assert dossier is not None
    # pressing someone else's follow button (a forged payload) does not subscribe
    body = api.delivery(
        "user_send_text",
        user_id="other",
        message={"text": f"zs:{dossier.id}", "msg_id": "forged-follow"},
    )
    assert "không khớp" in _text(await _deliver(h, body))
    assert await _count(session_factory, Subscription, user_id="other") == 0
    assert json.dumps(api.sent()[-1].body, ensure_ascii=False).count("0912345678") == 0
