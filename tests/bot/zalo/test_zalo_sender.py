"""Pushes to Zalo: consultation text, the closed-window fallback to a transaction card, the
night-time block, rate limits, users who blocked the OA, ZNS by phone, through the dispatcher."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from fakes.zalo_api import FakeZaloAPI
from sqlalchemy import select

from bot.senders.zalo import (
    ZaloSender,
    ZnsSender,
    seconds_until_morning,
    tracking_id,
)
from bot.zalo import NAME as ZALO
from bot.zalo.client import ZaloClient
from bot.zalo.events import ZnsDelivery, parse
from handlers.conversation import MemoryConversationStore
from handlers.messages import Button, Reply
from notifications.dispatcher import ChannelLimits, Dispatcher, DispatcherConfig, reply_to_body
from notifications.notice import NoticeFacts
from notifications.ports import Outcome, SendContext
from storage import dossiers_repo, outbox_repo, subscriptions_repo
from storage.engine import SessionFactory
from storage.models import OutboxMessage, Subscription
from storage.zalo_repo import SqlZaloUsers, ZnsDossier

VN = timezone(timedelta(hours=7))
DAY = datetime(2026, 11, 25, 10, 0, tzinfo=VN)
NIGHT = datetime(2026, 11, 25, 23, 30, tzinfo=VN)
CODE = "000.00.20.H56-261120-0007"
NOTICE = Reply(
    f"Hồ sơ {CODE} (Đăng ký khai sinh): Đã có kết quả, chờ trả. Mời ông/bà đến nhận.",
    (Button("Xem hồ sơ", "ds:view:1"),),
)


def _sender(client: ZaloClient, at: datetime = DAY) -> ZaloSender:
    return ZaloSender(client, lookup_url="https://motcua.example.gov.vn/tra-cuu", clock=lambda: at)


async def test_a_notice_goes_out_as_consultation_text(
    zalo: tuple[FakeZaloAPI, ZaloClient],
) -> None:
    api, client = zalo
    assert (await _sender(client).send("u1", NOTICE)).outcome is Outcome.SENT
    (call,) = api.sent("message/cs")
    assert call.user_id == "u1" and CODE in call.text
    assert call.buttons == [
        {"title": "Xem hồ sơ", "type": "oa.query.show", "payload": "ds:view:1"}
    ]


READY = NoticeFacts(
    rule="status",
    occurrence="result_ready-9",
    receipt_code=CODE,
    procedure_name="Đăng ký khai sinh",
    status="result_ready",
    due_at=datetime(2026, 11, 27, 17, 0, tzinfo=VN),
)
READY_ROW = SendContext("7:status:result_ready-9:zalo:u1", 7, "status", READY)


async def test_closed_window_falls_back_to_a_transaction_card(
    zalo: tuple[FakeZaloAPI, ZaloClient],
) -> None:
    api, client = zalo
    api.fail("message/cs", -230)
    assert (await _sender(client).send("u1", NOTICE, READY_ROW)).outcome is Outcome.SENT
    assert api.sent("message/cs") == []
    (card,) = api.sent("message/transaction")
    payload = card.body["message"]["attachment"]["payload"]
    assert payload["template_type"].startswith("transaction_")
    table = next(e for e in payload["elements"] if e["type"] == "table")["content"]
    assert table[0] == {"key": "Mã hồ sơ", "value": CODE}
    status = next(r for r in table if r["key"] == "Trạng thái")
    assert status["value"] == "Đã có kết quả, chờ trả" and status["style"] in {
        "green",
        "blue",
        "yellow",
        "red",
        "grey",
    }
    assert status["style"] == "green"  # from the row's facts, not guessed from its text
    assert {"key": "Hẹn trả kết quả", "value": "27/11/2026"} in table
    assert [r for r in table if "style" in r] == [status]  # only that row is coloured
    assert all(len(r["key"]) <= 35 and len(r["value"]) <= 100 for r in table)
    assert payload["buttons"][0]["type"] == "oa.open.url"
    # a user who never interacted, and whose card is refused too: permanent, not retried
    api.fail("message/cs", -232)
    api.fail("message/transaction", -232)
    assert (await _sender(client).send("u2", NOTICE, READY_ROW)).outcome is Outcome.PERMANENT


async def test_the_card_of_an_apology_is_red_and_says_late_whatever_the_text_says(
    zalo: tuple[FakeZaloAPI, ZaloClient],
) -> None:
    api, client = zalo
    late = NoticeFacts(
        rule="overdue_apology",
        occurrence="2026-11-20",
        receipt_code=CODE,
        status="processing",
        late=True,
        due_at=datetime(2026, 11, 20, 17, 0, tzinfo=VN),
        new_due_at=datetime(2026, 12, 2, 17, 0, tzinfo=VN),
        missed_due_at=datetime(2026, 11, 20, 17, 0, tzinfo=VN),
    )
    api.fail("message/cs", -230)
    # The text names another status on purpose: the card must not read it.
    context = SendContext("7:overdue_apology:2026-11-20:zalo:u1", 7, "overdue_apology", late)
    assert (await _sender(client).send("u1", NOTICE, context)).outcome is Outcome.SENT
    (card,) = api.sent("message/transaction")
    payload = card.body["message"]["attachment"]["payload"]
    table = next(e for e in payload["elements"] if e["type"] == "table")["content"]
    status = next(r for r in table if r["key"] == "Trạng thái")
    assert status == {"key": "Trạng thái", "value": "Đang xử lý (trễ hẹn)", "style": "red"}
    assert {"key": "Hẹn trả kết quả", "value": "02/12/2026"} in table
    # A row without facts (no dossier behind it) gets no card: the error stands.
    api.fail("message/cs", -230)
    assert (await _sender(client).send("u1", NOTICE)).outcome is Outcome.PERMANENT


async def test_unreachable_chat_falls_back_to_zns_under_the_rows_key(
    zalo: tuple[FakeZaloAPI, ZaloClient],
) -> None:
    api, client = zalo
    zns = ZnsSender(client, _Dossiers(), {"result_ready": "T-RR"}, clock=lambda: DAY)
    sender = ZaloSender(client, zns=zns, clock=lambda: DAY)
    context = SendContext("7:result_ready:2026-11-25:zalo:u2", 7, "result_ready")
    api.fail("message/cs", -232)
    api.fail("message/transaction", -232)

    result = await sender.send("u2", NOTICE, context)

    assert result.outcome is Outcome.SENT
    (call,) = api.sent("zns")
    assert call.body["phone"] == "84912345678" and call.body["template_id"] == "T-RR"
    assert call.body["tracking_id"] == "7:result_ready:2026-11-25"
    # a rule without a ZNS template: the Zalo error stands
    api.fail("message/cs", -232)
    api.fail("message/transaction", -232)
    other = SendContext("7:reminder:2026-11-25:zalo:u2", 7, "reminder")
    assert (await sender.send("u2", NOTICE, other)).outcome is Outcome.PERMANENT
    assert len(api.sent("zns")) == 1


async def test_night_time_block_defers_to_the_morning(
    zalo: tuple[FakeZaloAPI, ZaloClient],
) -> None:
    api, client = zalo
    result = await _sender(client, NIGHT).send("u1", NOTICE)
    assert result.outcome is Outcome.RETRY_AFTER
    assert result.retry_after == pytest.approx(6.5 * 3600)
    assert api.calls == []  # not even tried
    # Zalo's own clock disagrees (-234): deferred as well, never dropped
    api.fail("message/cs", -234)
    late = await _sender(client, datetime(2026, 11, 25, 21, 59, tzinfo=VN)).send("u1", NOTICE)
    assert late.outcome is Outcome.RETRY_AFTER and late.retry_after > 0
    assert seconds_until_morning(datetime(2026, 11, 26, 5, 0, tzinfo=VN)) == 3600
    assert seconds_until_morning(DAY) == 0


async def test_rate_limits_are_honoured(zalo: tuple[FakeZaloAPI, ZaloClient]) -> None:
    api, client = zalo
    api.fail("message/cs", -32)
    limited = await _sender(client).send("u1", NOTICE)
    assert limited.outcome is Outcome.RETRY_AFTER and limited.retry_after >= 60
    # X-RateLimit-Remain reached 0: wait without asking
    api.rate_limit = 2
    assert (await _sender(client).send("u1", NOTICE)).outcome is Outcome.SENT
    assert client.rate_remain == 0
    calls = len(api.calls)
    held = await _sender(client).send("u1", NOTICE)
    assert held.outcome is Outcome.RETRY_AFTER and len(api.calls) == calls
    assert 55 < held.retry_after <= 60
    # a minute later the window has passed: try again
    client.rate_seen_at -= 61
    api.rate_limit = 4000
    assert (await _sender(client).send("u1", NOTICE)).outcome is Outcome.SENT


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        (-217, Outcome.BLOCKED),
        (-227, Outcome.BLOCKED),
        (-244, Outcome.BLOCKED),
        (-201, Outcome.PERMANENT),
        (-240, Outcome.PERMANENT),
        (-999, Outcome.TRANSIENT),
    ],
)
async def test_each_error_maps_to_an_outcome(
    zalo: tuple[FakeZaloAPI, ZaloClient], code: int, outcome: Outcome
) -> None:
    api, client = zalo
    api.fail("message/cs", code)
    assert (await _sender(client).send("u1", NOTICE)).outcome is outcome


async def test_token_expiry_during_a_push_is_refreshed_once(
    zalo: tuple[FakeZaloAPI, ZaloClient],
) -> None:
    api, client = zalo
    api.expire_token()
    assert (await _sender(client).send("u1", NOTICE)).outcome is Outcome.SENT
    assert [c.endpoint for c in api.calls] == ["message/cs", "oauth", "message/cs"]


class _Dossiers:
    def __init__(self, phone: str | None = "0912345678") -> None:
        self.phone = phone

    async def zns_facts(self, dossier_id: int) -> ZnsDossier | None:
        return ZnsDossier(
            dossier_id,
            CODE,
            self.phone,
            "Đăng ký khai sinh",
            datetime(2026, 11, 10, 9, tzinfo=VN),
            datetime(2026, 11, 20, 17, tzinfo=VN),
            None,
            None,
        )


async def test_overdue_apology_by_zns_to_the_dossier_phone(
    zalo: tuple[FakeZaloAPI, ZaloClient],
) -> None:
    api, client = zalo
    zns = ZnsSender(
        client, _Dossiers(), {"overdue_apology": "T-118"}, contact="1900 0000", clock=lambda: DAY
    )
    assert zns.channel == "zns" and zns.can_send("overdue_apology")
    assert not zns.can_send("status")
    to = "overdue_apology:7:2026-11-20"
    assert (await zns.send(to, Reply("xin lỗi"))).outcome is Outcome.SENT
    (call,) = api.sent("zns")
    assert call.body["phone"] == "84912345678" and call.body["template_id"] == "T-118"
    assert call.body["template_data"]["receipt_code"] == CODE
    assert call.body["template_data"]["promised_date"] == "20/11/2026"
    assert call.body["tracking_id"] == "7:overdue_apology:2026-11-20"
    assert len(tracking_id(10**12, "x" * 40, "2026-11-20")) <= 48
    # no template for the rule, or no phone: permanent; ZNS night block: deferred
    assert (await zns.send("status:7:x", Reply("x"))).outcome is Outcome.PERMANENT
    nophone = ZnsSender(client, _Dossiers(None), {"overdue_apology": "T-118"}, clock=lambda: DAY)
    assert (await nophone.send(to, Reply("x"))).outcome is Outcome.PERMANENT
    api.fail("zns", -133)
    assert (await zns.send(to, Reply("x"))).outcome is Outcome.RETRY_AFTER
    api.fail("zns", -118)
    assert (await zns.send(to, Reply("x"))).outcome is Outcome.PERMANENT


def test_zns_delivery_receipt_is_read() -> None:
    body = (
        b'{"app_id":"1","event_name":"user_received_message","timestamp":"1700000000000",'
        b'"sender":{"id":"oa"},"recipient":{"id":"u"},'
        b'"message":{"msg_id":"z9","tracking_id":"7:overdue_apology:2026-11-20:zns",'
        b'"delivery_time":"1700000000500"}}'
    )
    event = parse(body)
    assert isinstance(event, ZnsDelivery)
    assert event.tracking_id == "7:overdue_apology:2026-11-20:zns"


async def test_dispatcher_sends_and_ends_blocked_subscriptions(
    zalo: tuple[FakeZaloAPI, ZaloClient], session_factory: SessionFactory
) -> None:
    """The outbox dispatcher drives the Zalo sender: one message out, a blocked user's
    subscription ended and their other pending message cancelled."""
    api, client = zalo
    now = datetime.now(UTC)
    async with session_factory() as session, session.begin():
        ids = await dossiers_repo.upsert_dossiers(
            session,
            [
                {
                    "receipt_code": CODE,
                    "procedure_code": None,
                    "procedure_name": "Đăng ký khai sinh",
                    "applicant_name": None,
                    "applicant_phone": "0912345678",
                    "received_at": now,
                    "due_at": None,
                    "status": "result_ready",
                    "status_at": now,
                    "submitted_via": None,
                    "agency": None,
                    "note": None,
                    "apology_reason": None,
                    "new_due_at": None,
                }
            ],
            now,
        )
        did = ids[CODE]
        for user in ("ok", "gone"):
            await subscriptions_repo.add_subscription(session, did, "zalo", user, now)
        await outbox_repo.enqueue(
            session,
            [
                outbox_repo.NewMessage(
                    f"{did}:status:{n}:zalo:{user}",
                    did,
                    "status",
                    "zalo",
                    user,
                    reply_to_body(NOTICE),
                    now - timedelta(seconds=1),
                )
                for user in ("ok", "gone")
                for n in (1, 2)
            ],
            now,
        )
    api.fail("message/cs", -217, user_id="gone", times=None)
    dispatcher = Dispatcher(
        session_factory,
        {"zalo": _sender(client)},
        {"zalo": ChannelLimits(4000 / 60, 0.0)},
        DispatcherConfig(worker_id="t"),
    )
    stats = await dispatcher.run_once()
    assert stats.sent == 2 and stats.blocked == 1
    assert len(api.sent("message/cs", user_id="ok")) == 2
    assert api.sent("message/cs", user_id="gone") == []
    async with session_factory() as session:
        subs = {
            s.user_id: s.ended_at for s in (await session.execute(select(Subscription))).scalars()
        }
        statuses = sorted(
            (r.recipient, r.status)
            for r in (await session.execute(select(OutboxMessage))).scalars()
        )
    assert subs["ok"] is None and subs["gone"] is not None
    assert statuses == [("gone", "cancelled"), ("gone", "failed"), ("ok", "sent"), ("ok", "sent")]
    assert await SqlZaloUsers(session_factory, channel=ZALO).zns_facts(did) is not None


async def test_overdue_apology_reaches_an_unfollowed_dossier_by_zns(
    zalo: tuple[FakeZaloAPI, ZaloClient], session_factory: SessionFactory
) -> None:
    """The registry's by-phone rules enqueue the apology once per missed date for a dossier
    nobody follows; the dispatcher sends it by ZNS to the applicant's phone, the template data
    from the row's facts."""
    from bot.config import Settings
    from bot.senders.setup import build_service

    api, client = zalo
    now = datetime(2026, 11, 25, 10, 0, tzinfo=VN)
    row = {
        "procedure_code": None,
        "procedure_name": "Đăng ký khai sinh",
        "applicant_name": None,
        "received_at": now - timedelta(days=20),
        "due_at": now - timedelta(days=2),
        "status": "processing",
        "status_at": now - timedelta(days=19),
        "submitted_via": None,
        "agency": None,
        "note": None,
        "apology_reason": None,
        "new_due_at": None,
    }
    async with session_factory() as session, session.begin():
        ids = await dossiers_repo.upsert_dossiers(
            session,
            [
                {**row, "receipt_code": CODE, "applicant_phone": "0912345678"},
                {
                    **row,
                    "receipt_code": "000.00.20.H56-261120-0008",
                    "applicant_phone": "0900000001",
                },
                {**row, "receipt_code": "000.00.20.H56-261120-0009", "applicant_phone": None},
            ],
            now,
        )
        # the second one has a Telegram follower: the notification rules cover it
        await subscriptions_repo.add_subscription(
            session, ids["000.00.20.H56-261120-0008"], "telegram", "42", now
        )
    zns = ZnsSender(
        client,
        SqlZaloUsers(session_factory, channel=ZALO),
        {"overdue_apology": "T-118"},
        clock=lambda: now,
    )
    settings = Settings(zalo={"zns_templates": {"overdue_apology": "T-118"}})
    service = build_service(settings, session_factory, {"zns": zns})
    assert service.by_phone is not None
    jobs = service.by_phone
    jobs.clock = lambda: now
    assert (await jobs.run_all())["overdue_apology"] == 1
    assert sum((await jobs.run_all()).values()) == 0  # idempotent
    # Without a template for a rule, nothing is queued for it.
    assert service.jobs.registry != jobs.registry and all(r.by_phone for r in jobs.registry)
    dispatcher = Dispatcher(
        session_factory, {"zns": zns}, config=DispatcherConfig(worker_id="t"), clock=lambda: now
    )
    assert (await dispatcher.run_once()).sent == 1
    (call,) = api.sent("zns")
    assert call.body["phone"] == "84912345678"
    assert call.body["tracking_id"] == f"{ids[CODE]}:overdue_apology:2026-11-23"
    assert call.body["template_data"]["promised_date"] == "23/11/2026"
    assert call.body["template_data"]["status"] == "Đang xử lý"


async def test_a_pushed_numbered_list_can_be_answered_with_a_digit(
    zalo: tuple[FakeZaloAPI, ZaloClient],
) -> None:
    from handlers.choices import chosen

    api, client = zalo
    store = MemoryConversationStore()
    sender = ZaloSender(client, choices=store, clock=lambda: DAY)
    many = Reply("Chọn:", tuple(Button(f"Mục {i}", f"rate:7:{i}") for i in range(5)))
    assert (await sender.send("u1", many)).outcome is Outcome.SENT
    assert "5. Mục 4" in api.sent()[-1].text
    # Kept in the conversation, where the core reads a digit back (one mechanism for both).
    assert await chosen(store, "zalo", "u1", "5") == "rate:7:4"
    assert await chosen(store, "zalo", "u1", "6") is None
