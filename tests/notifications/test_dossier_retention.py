"""[privacy] retention_days: closed dossiers lose their personal fields after it; open ones and
recently closed ones keep them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from notifications.retention import erase_closed_dossiers
from storage import dossiers_repo, outbox_repo
from storage.engine import SessionFactory
from storage.models import Dossier, OutboxMessage, Subscription

NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)


def _row(code: str, status: str, closed_days_ago: int) -> dict[str, object]:
    return {
        "receipt_code": code,
        "procedure_code": "1.001193",
        "applicant_name": "Trần Thị Bình",
        "applicant_phone": "0912345678",
        "received_at": NOW - timedelta(days=closed_days_ago + 10),
        "due_at": NOW - timedelta(days=closed_days_ago + 2),
        "status": status,
        "status_at": NOW - timedelta(days=closed_days_ago),
        "note": "Bổ sung bản sao giấy chứng sinh",
    }


async def test_closed_dossiers_lose_personal_fields_after_retention(
    session_factory: SessionFactory,
) -> None:
    rows = [
        _row("000.00.20.H56-250101-0001", "returned", 200),  # closed long ago: erased
        _row("000.00.20.H56-250101-0002", "rejected", 181),  # just past: erased
        _row("000.00.20.H56-250101-0003", "returned", 30),  # recently closed: kept
        _row("000.00.20.H56-250101-0004", "processing", 400),  # still open: kept
    ]
    async with session_factory() as session, session.begin():
        await dossiers_repo.upsert_dossiers(session, rows, NOW - timedelta(days=500))
        ids = {d.receipt_code: d.id for d in (await session.execute(select(Dossier))).scalars()}
        old = ids["000.00.20.H56-250101-0001"]
        session.add(Subscription(dossier_id=old, channel="telegram", user_id="555"))
        await outbox_repo.enqueue(
            session,
            [
                outbox_repo.NewMessage(
                    "k1",
                    old,
                    "status",
                    "telegram",
                    "555",
                    '{"text": "Kính gửi bà Trần Thị Bình"}',
                    NOW,
                )
            ],
            NOW,
        )
    async with session_factory() as session, session.begin():
        await session.execute(
            OutboxMessage.__table__.update().values(status="sent")  # type: ignore[attr-defined]
        )
    assert await erase_closed_dossiers(session_factory, 0, NOW) == 0  # 0 keeps everything
    assert await erase_closed_dossiers(session_factory, 180, NOW) == 2
    assert await erase_closed_dossiers(session_factory, 180, NOW) == 0  # done once
    async with session_factory() as session:
        found = {d.receipt_code: d for d in (await session.execute(select(Dossier))).scalars()}
        subs = list((await session.execute(select(Subscription))).scalars())
        pushed = (await session.execute(select(OutboxMessage))).scalars().one()
    for code in ("000.00.20.H56-250101-0001", "000.00.20.H56-250101-0002"):
        d = found[code]
        assert (d.applicant_name, d.applicant_phone, d.note) == (None, None, None)
        assert d.status in ("returned", "rejected")  # what reports count stays
    for code in ("000.00.20.H56-250101-0003", "000.00.20.H56-250101-0004"):
        assert found[code].applicant_name == "Trần Thị Bình"
        assert found[code].applicant_phone == "0912345678"
    assert subs == []
    assert pushed.recipient == "" and "Bình" not in pushed.body
