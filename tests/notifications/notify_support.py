"""Helpers of the notification tests: seeded dossiers, subscriptions, events, outbox rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import outbox_repo
from storage.engine import SessionFactory
from storage.models import Dossier, StatusEvent, Subscription

NOW = datetime(2027, 3, 10, 3, 0, tzinfo=UTC)  # Wednesday 10:00 in Hà Nội


async def add_dossier(
    factory: SessionFactory,
    code: str,
    *,
    chats: list[str] | None = None,
    channel: str = "telegram",
    **kw: object,
) -> int:
    fields: dict[str, object] = {
        "receipt_code": code,
        "procedure_name": "Đăng ký khai sinh",
        "received_at": NOW - timedelta(days=10),
        "due_at": NOW + timedelta(days=5),
        "status": "processing",
        "status_at": NOW - timedelta(days=10),
    }
    fields.update(kw)
    async with factory() as session, session.begin():
        d = Dossier(**fields)  # type: ignore[arg-type]
        session.add(d)
        await session.flush()
        assert d.id is not None
        for chat in chats or []:
            session.add(
                Subscription(
                    dossier_id=d.id, channel=channel, user_id=chat, created_at=d.received_at
                )
            )
        return d.id


async def add_event(
    factory: SessionFactory,
    dossier_id: int,
    status: str,
    when: datetime,
    note: str | None = None,
    **kw: object,
) -> int:
    async with factory() as session, session.begin():
        e = StatusEvent(dossier_id=dossier_id, status=status, at=when, note=note, **kw)  # type: ignore[arg-type]
        session.add(e)
        await session.flush()
        assert e.id is not None
        return e.id


async def enqueue_plain(
    factory: SessionFactory,
    n: int,
    *,
    chats: int | None = None,
    channel: str = "telegram",
    first_chat: int = 1000,
    when: datetime | None = None,
) -> list[str]:
    """``n`` ready messages round-robin over ``chats`` chats; returns their keys."""
    from handlers.messages import Reply
    from notifications.dispatcher import reply_to_body

    chats = chats or n
    rows = [
        outbox_repo.NewMessage(
            key=f"0:test:{i}:{channel}:{first_chat + i % chats}",
            dossier_id=None,
            rule="test",
            channel=channel,
            recipient=str(first_chat + i % chats),
            body=reply_to_body(Reply(f"tin nhắn số {i}")),
            next_attempt_at=when or NOW,
        )
        for i in range(n)
    ]
    async with factory() as session, session.begin():
        await outbox_repo.enqueue(session, rows, when or NOW)
    return [r.key for r in rows]


async def outbox_rows(factory: SessionFactory) -> list[dict[str, object]]:
    from sqlalchemy import select

    async with factory() as session:
        table = outbox_repo.OUTBOX
        result = await session.execute(select(table).order_by(table.c.id))
        return [dict(r._mapping) for r in result.all()]
