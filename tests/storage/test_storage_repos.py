"""Repositories on SQLite and PostgreSQL: dossier upsert, events, subscriptions, contacts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from handlers.conversation import ConversationState
from storage import contacts_repo, dossiers_repo, subscriptions_repo
from storage.conversations_repo import SqlConversationStore
from storage.engine import SessionFactory, ping
from storage.models import Dossier

NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)


def _row(code: str, **extra: object) -> dict[str, object]:
    row: dict[str, object] = {
        "receipt_code": code,
        "procedure_code": "1.001193",
        "procedure_name": "Đăng ký khai sinh",
        "applicant_name": "Nguyễn Văn An",
        "applicant_phone": "0912345678",
        "received_at": NOW - timedelta(days=3),
        "due_at": NOW + timedelta(days=2),
        "status": "received",
        "status_at": NOW - timedelta(days=3),
    }
    row.update(extra)
    return row


async def test_upsert_inserts_then_updates_by_code(session_factory: SessionFactory) -> None:
    async with session_factory() as session, session.begin():
        ids = await dossiers_repo.upsert_dossiers(session, [_row("A-1"), _row("A-2")], NOW)
    assert set(ids) == {"A-1", "A-2"}
    async with session_factory() as session, session.begin():
        again = await dossiers_repo.upsert_dossiers(
            session,
            [_row("A-1", status="processing", applicant_phone=None, note="Đang thẩm định")],
            NOW + timedelta(hours=1),
        )
    assert again["A-1"] == ids["A-1"]
    async with session_factory() as session:
        dossier = await dossiers_repo.get_by_code(session, "A-1")
        assert dossier is not None
        assert dossier.status == "processing"
        assert dossier.note == "Đang thẩm định"
        assert dossier.applicant_phone == "0912345678"  # an empty field keeps what was stored
        assert dossier.created_at == NOW
        assert dossier.updated_at == NOW + timedelta(hours=1)
        assert dossier.received_at.tzinfo is not None
        assert dossier.received_at == NOW - timedelta(days=3)
        assert await dossiers_repo.get_by_code(session, "A-3") is None
        many = await dossiers_repo.get_many_by_codes(session, ["A-1", "A-2", "zz"])
        assert sorted(many) == ["A-1", "A-2"]


async def test_events_are_idempotent_and_ordered(session_factory: SessionFactory) -> None:
    async with session_factory() as session, session.begin():
        ids = await dossiers_repo.upsert_dossiers(session, [_row("B-1")], NOW)
        did = ids["B-1"]
        assert await dossiers_repo.add_event(session, did, "processing", NOW)
        assert not await dossiers_repo.add_event(session, did, "processing", NOW)
        assert await dossiers_repo.add_event(session, did, "received", NOW - timedelta(days=1))
        events = await dossiers_repo.list_events(session, did)
    assert [e.status for e in events] == ["received", "processing"]


async def test_staff_lists_due_soon_and_letters_owed(session_factory: SessionFactory) -> None:
    late = NOW - timedelta(hours=1)
    rows = [
        _row("C-late", due_at=late),
        _row("C-done", due_at=late, status="returned"),
        _row("C-waiting", due_at=late, status="supplement_required"),
        _row("C-paused", due_at=late, status="paused"),
        _row("C-ok", due_at=NOW + timedelta(hours=5)),
        _row("C-other", due_at=NOW + timedelta(hours=6), agency="UBND xã B"),
        _row("C-later", due_at=NOW + timedelta(days=3)),
        # A reason and a new date still ahead: the letter can go, nothing is owed.
        _row(
            "C-moved",
            due_at=NOW - timedelta(days=1),
            new_due_at=NOW + timedelta(days=3),
            apology_reason="Chờ xác minh",
        ),
        _row("C-date-only", due_at=late, new_due_at=NOW + timedelta(days=3)),
        _row("C-blank", due_at=late, new_due_at=NOW + timedelta(days=3), apology_reason="  "),
        # Rescheduled, and the new date passed too: a new letter is owed.
        _row(
            "C-twice",
            due_at=NOW - timedelta(days=9),
            new_due_at=NOW - timedelta(days=1),
            apology_reason="Chờ xác minh",
        ),
    ]
    running = ["processing", "received"]
    async with session_factory() as session, session.begin():
        await dossiers_repo.upsert_dossiers(session, rows, NOW)
    async with session_factory() as session:
        owed = await dossiers_repo.overdue_without_apology_details(session, running, NOW)
        soon = await dossiers_repo.due_within(session, running, NOW, NOW + timedelta(days=1))
        mine = await dossiers_repo.due_within(
            session, running, NOW, NOW + timedelta(days=1), agency="UBND xã B"
        )
        by_phone = await dossiers_repo.find_by_phone(session, "0912345678")
    assert [d.receipt_code for d in owed] == ["C-twice", "C-late", "C-date-only", "C-blank"]
    assert [d.receipt_code for d in soon] == ["C-ok", "C-other"]
    assert [d.receipt_code for d in mine] == ["C-other"]
    assert len(by_phone) == len(rows)


async def test_receipt_code_is_unique(session_factory: SessionFactory) -> None:
    values = _row("D-1")
    with pytest.raises(IntegrityError):
        async with session_factory() as session, session.begin():
            session.add(Dossier(**values))  # type: ignore[arg-type]
            session.add(Dossier(**values))  # type: ignore[arg-type]
            await session.flush()


async def test_subscriptions_add_list_end(session_factory: SessionFactory) -> None:
    async with session_factory() as session, session.begin():
        did = (await dossiers_repo.upsert_dossiers(session, [_row("E-1")], NOW))["E-1"]
        _, new = await subscriptions_repo.add_subscription(session, did, "telegram", "42", NOW)
        _, again = await subscriptions_repo.add_subscription(session, did, "telegram", "42", NOW)
        assert (new, again) == (True, False)
    async with session_factory() as session, session.begin():
        mine = await subscriptions_repo.list_for_user(session, "telegram", "42")
        assert [d.receipt_code for _, d in mine] == ["E-1"]
        assert len(await subscriptions_repo.list_for_dossier(session, did)) == 1
        ended = await subscriptions_repo.end_subscription(
            session, did, "telegram", "42", reason="user", now=NOW
        )
        assert ended
        assert not await subscriptions_repo.end_subscription(
            session, did, "telegram", "42", reason="user", now=NOW
        )
        assert await subscriptions_repo.list_for_user(session, "telegram", "42") == []
        _, back = await subscriptions_repo.add_subscription(session, did, "telegram", "42", NOW)
        assert back
        count = await subscriptions_repo.end_all_for_user(
            session, "telegram", "42", reason="blocked", now=NOW
        )
        assert count == 1


async def test_contacts_replace_phone(session_factory: SessionFactory) -> None:
    async with session_factory() as session, session.begin():
        await contacts_repo.save_contact(session, "zalo", "u1", "0912345678", NOW)
        await contacts_repo.save_contact(session, "zalo", "u1", "0987654321", NOW)
    async with session_factory() as session:
        contact = await contacts_repo.get_contact(session, "zalo", "u1")
        assert contact is not None
        assert contact.phone == "0987654321"
        holders = await contacts_repo.users_with_phone(session, "0987654321")
        assert [c.user_id for c in holders] == ["u1"]
        assert await contacts_repo.users_with_phone(session, "0912345678") == []


async def test_conversation_store_round_trip(session_factory: SessionFactory) -> None:
    store = SqlConversationStore(session_factory)
    assert await store.load("web", "u") is None
    state = ConversationState(last_procedure="1.001193", pending="choose_procedure")
    await store.save("web", "u", state.to_json())
    await store.save("web", "u", ConversationState(last_procedure="2.000001").to_json())
    loaded = ConversationState.from_json(await store.load("web", "u"))
    assert loaded.last_procedure == "2.000001"
    assert loaded.pending is None
    await store.forget("web", "u")
    assert await store.load("web", "u") is None


async def test_ping(session_factory: SessionFactory) -> None:
    assert await ping(session_factory)
