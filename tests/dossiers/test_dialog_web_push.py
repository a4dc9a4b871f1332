"""A chat the outbox cannot reach (the web page) is offered no subscription: no button, no phone
digits, nothing stored; the citizen is told where updates come from instead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.bootstrap import CHANNELS
from bot.config import load_settings
from handlers.conversation import ConversationState
from handlers.dossiers.dialog import DossierDialog
from handlers.dossiers.tokens import make_token
from handlers.messages import Incoming
from handlers.payloads import Subscribe
from storage import dossiers_repo, subscriptions_repo
from storage.counters import MemoryCounterStore
from storage.dossier_store import SqlDossierStore
from storage.engine import SessionFactory

VN = timezone(timedelta(hours=7))
KEY = b"web-push-test-key"
CODE = "000.00.20.H56-261120-0007"
CLOSED = "000.00.20.H56-261120-0009"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=VN).astimezone(UTC)
BOT_URL = "https://t.me/motcua_bot"


def _row(code: str, status: str) -> dict[str, object]:
    return {
        "receipt_code": code,
        "procedure_code": "1.001193",
        "procedure_name": "Đăng ký khai sinh",
        "applicant_name": "Nguyễn Văn An",
        "applicant_phone": "0912345678",
        "received_at": datetime(2026, 11, 20, 9, 0, tzinfo=VN),
        "due_at": datetime(2026, 11, 30, 17, 0, tzinfo=VN),
        "status": status,
        "status_at": datetime(2026, 11, 21, 9, 0, tzinfo=VN),
    }


@pytest.fixture
async def seeded(session_factory: SessionFactory) -> SessionFactory:
    async with session_factory() as session, session.begin():
        await dossiers_repo.upsert_dossiers(
            session, [_row(CODE, "processing"), _row(CLOSED, "returned")], NOW
        )
    return session_factory


def _dialog(
    sessions: SessionFactory, push: frozenset[str] | None, telegram_url: str = ""
) -> DossierDialog:
    """``push`` names the channels that can push; their places come from the channels
    themselves (bot/), as bootstrap wires them."""
    username = telegram_url.rsplit("/", 1)[-1]
    settings = load_settings(telegram={"username": username})
    channels = {c.name: c for c in CHANNELS}
    places = [channels[name].push_place(settings) for name in ("telegram", "zalo")]
    return DossierDialog(
        SqlDossierStore(sessions),
        signing_key=KEY,
        counters=MemoryCounterStore(clock=NOW.timestamp),
        clock=lambda: NOW,
        push_channels=push,
        push_places=[
            p
            for name, p in zip(("telegram", "zalo"), places, strict=True)
            if p is not None and push and name in push
        ],
    )


def web(user: str = "w1", **kw: object) -> Incoming:
    return Incoming("web", user, **kw)  # type: ignore[arg-type]


async def _subscriptions(sessions: SessionFactory, channel: str, user: str) -> list[str]:
    async with sessions() as session:
        rows = await subscriptions_repo.list_for_user(session, channel, user)
    return [d.receipt_code for _, d in rows]


async def test_web_lookup_offers_no_button_but_says_where_updates_come_from(
    seeded: SessionFactory,
) -> None:
    dialog = _dialog(seeded, frozenset({"telegram", "zalo"}), BOT_URL)
    replies = await dialog.on_receipt_code(web(), CODE, ConversationState())
    assert CODE in replies[0].text
    assert all(not r.buttons for r in replies)
    hint = replies[-1].text
    assert "không gửi được thông báo" in hint and BOT_URL in hint and "Zalo" in hint
    # Nothing left to follow: no hint either.
    closed = await dialog.on_receipt_code(web(), CLOSED, ConversationState())
    assert len(closed) == 1 and "không gửi được" not in closed[0].text


async def test_web_subscribe_payload_asks_no_digits_and_stores_nothing(
    seeded: SessionFactory,
) -> None:
    dialog = _dialog(seeded, frozenset({"zalo"}))
    state = ConversationState()
    replies = await dialog.on_payload(web(), Subscribe(CODE), state)
    assert replies is not None and len(replies) == 1
    assert "4 chữ số" not in replies[0].text and "Zalo" in replies[0].text
    assert "Telegram" not in replies[0].text
    assert state.pending is None
    assert await _subscriptions(seeded, "web", "w1") == []
    mine = await dialog.on_my_dossiers(web(), ConversationState())
    assert "không gửi được thông báo" in mine[0].text and not mine[0].buttons


async def test_web_token_shows_status_and_links_the_telegram_subscription(
    seeded: SessionFactory,
) -> None:
    dialog = _dialog(seeded, frozenset({"telegram"}), BOT_URL)
    token = make_token(CODE, KEY, NOW.astimezone(VN).date())
    replies = await dialog.on_token(web(), token, ConversationState())
    assert CODE in replies[0].text
    assert "sẽ nhận thông báo" not in " ".join(r.text for r in replies)
    (button,) = replies[-1].buttons
    assert button.url == f"{BOT_URL}?start=d_{token}"
    assert await _subscriptions(seeded, "web", "w1") == []
    # A forged token gets no link.
    forged = await dialog.on_token(
        web(), make_token(CODE, b"other", NOW.astimezone(VN).date()), ConversationState()
    )
    assert len(forged) == 1 and not forged[0].buttons


async def test_nothing_can_push_says_to_look_it_up_again(seeded: SessionFactory) -> None:
    dialog = _dialog(seeded, frozenset())
    replies = await dialog.on_receipt_code(web(), CODE, ConversationState())
    assert "bất cứ lúc nào" in replies[-1].text and "Telegram" not in replies[-1].text
    tg = Incoming("telegram", "t1")
    subscribe = await dialog.on_payload(tg, Subscribe(CODE), ConversationState())
    assert subscribe is not None and "4 chữ số" not in subscribe[0].text


async def test_push_channels_still_subscribe(seeded: SessionFactory) -> None:
    dialog = _dialog(seeded, frozenset({"telegram"}), BOT_URL)
    tg = Incoming("telegram", "t1")
    lookup = await dialog.on_receipt_code(tg, CODE, ConversationState())
    assert [b.payload for b in lookup[0].buttons] == [f"ds:sub:{CODE}"]
    replies = await dialog.on_token(
        tg, make_token(CODE, KEY, NOW.astimezone(VN).date()), ConversationState()
    )
    assert "sẽ nhận thông báo" in replies[1].text
    assert await _subscriptions(seeded, "telegram", "t1") == [CODE]
    # The default (no set given) keeps the old behaviour: every channel can subscribe.
    default = _dialog(seeded, None)
    web_lookup = await default.on_receipt_code(web("w2"), CODE, ConversationState())
    assert [b.payload for b in web_lookup[0].buttons] == [f"ds:sub:{CODE}"]
