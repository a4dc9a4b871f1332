"""The lookup's single read (dossier + "does this user follow it"), on SQLite and PostgreSQL:
who counts as following, the subscribe button it drives, and that the transaction-less read
on PostgreSQL leaves pooled connections transactional for the writers after it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from handlers import texts_vi as T
from handlers.conversation import ConversationState
from handlers.dossiers.dialog import DossierDialog
from handlers.messages import Incoming
from handlers.payloads import Subscribe
from storage import dossiers_repo, subscriptions_repo
from storage.counters import MemoryCounterStore
from storage.dossier_store import SqlDossierStore
from storage.engine import SessionFactory

VN = timezone(timedelta(hours=7))
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
CODE = "000.00.20.H56-261120-0011"
UNKNOWN = "000.00.20.H56-261120-0999"


def _row(code: str, status: str = "processing") -> dict[str, object]:
    return {
        "receipt_code": code,
        "procedure_code": "1.001193",
        "procedure_name": "Đăng ký khai sinh",
        "applicant_name": "Trần Thị Bình",
        "applicant_phone": "0912345678",
        "received_at": datetime(2026, 11, 20, 9, 0, tzinfo=VN),
        "due_at": datetime(2026, 11, 30, 17, 0, tzinfo=VN),
        "status": status,
        "status_at": datetime(2026, 11, 21, 9, 0, tzinfo=VN),
    }


async def _add(factory: SessionFactory, code: str, status: str = "processing") -> int:
    async with factory() as session, session.begin():
        ids = await dossiers_repo.upsert_dossiers(session, [_row(code, status)], NOW)
    return ids[code]


async def _follows(factory: SessionFactory, code: str, channel: str, user: str) -> bool | None:
    async with factory() as session:
        row = await dossiers_repo.get_for_user(session, code, channel, user)
    return None if row is None else row[1]


async def test_only_an_active_subscription_of_this_user_counts(
    session_factory: SessionFactory,
) -> None:
    did = await _add(session_factory, CODE)
    assert await _follows(session_factory, UNKNOWN, "telegram", "42") is None
    assert await _follows(session_factory, CODE, "telegram", "42") is False
    async with session_factory() as session, session.begin():
        await subscriptions_repo.add_subscription(session, did, "telegram", "42", NOW)
    assert await _follows(session_factory, CODE, "telegram", "42") is True
    # Same user id on another channel, another user on the same channel: not followers.
    assert await _follows(session_factory, CODE, "zalo", "42") is False
    assert await _follows(session_factory, CODE, "telegram", "43") is False
    async with session_factory() as session, session.begin():
        await subscriptions_repo.end_subscription(
            session, did, "telegram", "42", reason="user", now=NOW
        )
    assert await _follows(session_factory, CODE, "telegram", "42") is False
    async with session_factory() as session:
        row = await dossiers_repo.get_for_user(session, CODE, "telegram", "42")
    assert row is not None and row[0].id == did and row[0].receipt_code == CODE


async def test_inside_a_transaction_it_sees_that_transaction(
    session_factory: SessionFactory,
) -> None:
    did = await _add(session_factory, CODE)
    async with session_factory() as session, session.begin():
        await subscriptions_repo.add_subscription(session, did, "web", "w1", NOW)
        row = await dossiers_repo.get_for_user(session, CODE, "web", "w1")
        assert row is not None and row[1] is True
        await session.rollback()
    assert await _follows(session_factory, CODE, "web", "w1") is False


async def test_pooled_connections_stay_transactional_after_the_read(
    session_factory: SessionFactory,
) -> None:
    did = await _add(session_factory, CODE)
    for _ in range(3):  # the pool hands the read's connection back out to the writers
        assert await _follows(session_factory, CODE, "web", "w2") is False
        async with session_factory() as session, session.begin():
            await subscriptions_repo.add_subscription(session, did, "web", "w2", NOW)
            await session.rollback()  # must undo the write: no autocommit left behind
        assert await _follows(session_factory, CODE, "web", "w2") is False


def _dialog(factory: SessionFactory) -> DossierDialog:
    return DossierDialog(
        SqlDossierStore(factory),
        signing_key=b"k",
        counters=MemoryCounterStore(clock=NOW.timestamp),
        clock=lambda: NOW,
    )


def _msg(channel: str, user: str, text: str) -> Incoming:
    return Incoming(channel, user, text=text)


async def test_subscribe_button_follows_the_subscription(session_factory: SessionFactory) -> None:
    did = await _add(session_factory, CODE)
    dialog = _dialog(session_factory)
    state = ConversationState()

    async def payloads(channel: str, user: str) -> list[str]:
        replies = await dialog.on_receipt_code(_msg(channel, user, CODE), CODE, state)
        assert CODE in replies[0].text
        return [b.payload for b in replies[0].buttons]

    assert await payloads("telegram", "7") == [f"ds:sub:{CODE}"]
    async with session_factory() as session, session.begin():
        await subscriptions_repo.add_subscription(session, did, "telegram", "7", NOW)
    assert await payloads("telegram", "7") == []
    assert await payloads("telegram", "8") == [f"ds:sub:{CODE}"]
    assert await payloads("zalo", "7") == [f"ds:sub:{CODE}"]
    already = await dialog.on_payload(
        _msg("telegram", "7", ""), Subscribe(CODE), ConversationState()
    )
    assert already is not None
    assert already[0].text == T.DOSSIER_ALREADY_SUBSCRIBED.format(code=CODE)
    async with session_factory() as session, session.begin():
        await subscriptions_repo.end_subscription(
            session, did, "telegram", "7", reason="user", now=NOW
        )
    assert await payloads("telegram", "7") == [f"ds:sub:{CODE}"]


async def test_finished_dossier_offers_no_subscription(session_factory: SessionFactory) -> None:
    await _add(session_factory, CODE, status="returned")
    dialog = _dialog(session_factory)
    replies = await dialog.on_receipt_code(_msg("web", "w", CODE), CODE, ConversationState())
    assert CODE in replies[0].text and replies[0].buttons == ()
