"""The period report's queries on SQLite and PostgreSQL: each figure counts the right rows,
and a period of Vietnamese days includes both ends and nothing beyond them."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import inspect, select
from sqlmodel import col

from handlers.dossiers.statuses import CLOSED
from storage import report_repo
from storage.engine import SessionFactory
from storage.models import (
    Dossier,
    OutboxMessage,
    Rating,
    StatusEvent,
    Subscription,
    UsageEvent,
)
from storage.usage_repo import BatchedUsageWriter

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# November 2026 in Vietnam: [1 Nov 00:00 +07, 1 Dec 00:00 +07) = [31 Oct 17:00Z, 30 Nov 17:00Z).
START = datetime.combine(date(2026, 11, 1), time.min, VN)
END = datetime.combine(date(2026, 12, 1), time.min, VN)
FIRST_MOMENT = START  # the first instant of the first day
LAST_MOMENT = END - timedelta(seconds=1)  # 30 Nov 23:59:59 in Vietnam
BEFORE = START - timedelta(seconds=1)  # 31 Oct 23:59:59 in Vietnam (16:59:59Z)
AFTER = END  # 1 Dec 00:00 in Vietnam
NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def _dossier(code: str, *, received: datetime, status: str, **extra: object) -> Dossier:
    fields: dict[str, object] = {
        "receipt_code": code,
        "procedure_code": "1.001193",
        "applicant_name": "Nguyễn Văn An",
        "received_at": received,
        "due_at": received + timedelta(days=5),
        "status": status,
        "status_at": received,
    }
    fields.update(extra)
    return Dossier.model_validate(fields)


def _usage(kind: str, at: datetime, code: str | None = None) -> UsageEvent:
    return UsageEvent(at=at, channel="telegram", kind=kind, procedure_code=code)


async def _report(session_factory: SessionFactory) -> dict[str, object]:
    async with session_factory() as session:
        return await report_repo.period_report(session, START, END, now=NOW)


async def test_usage_counts_include_both_vietnamese_days_and_nothing_outside(
    session_factory: SessionFactory,
) -> None:
    async with session_factory() as session, session.begin():
        session.add_all(
            [
                _usage("question_answered", FIRST_MOMENT, "1.001193"),
                _usage("question_answered", LAST_MOMENT, "1.000894"),
                _usage("question_answered", BEFORE, "1.001193"),
                _usage("question_answered", AFTER, "1.001193"),
                _usage("question_abstained", NOW),
                _usage("choice_offered", NOW),
                _usage("choice_offered", NOW),
                _usage("procedure_opened", NOW, "1.001193"),
                _usage("lookup_attempt", NOW),
                _usage("lookup_attempt", NOW),
                _usage("lookup_found", NOW),
                _usage("lookup_unknown", NOW),
                _usage("lookup_malformed", NOW),
                _usage("lookup_limited", NOW),
                _usage("lookup_link", NOW),
                _usage("lookup_photo", AFTER),
            ]
        )
    report = await _report(session_factory)
    assert report["questions"] == {
        "asked": 5,
        "answered": 2,
        "abstained": 1,
        "choices_offered": 2,
        "procedures_opened": 1,
    }
    assert report["lookups"] == {
        "typed_codes": 2,
        "found": 1,
        "unknown": 1,
        "malformed": 1,
        "rate_limited": 1,
        "links": 1,
        "qr_photos": 0,
    }


async def test_dossiers_subscriptions_notifications_and_ratings(
    session_factory: SessionFactory,
) -> None:
    in_period = NOW - timedelta(days=10)  # 10 Nov
    async with session_factory() as session, session.begin():
        received = _dossier(
            "R-1", received=in_period, status="received", due_at=NOW + timedelta(days=2)
        )
        processing = _dossier(
            "R-2", received=FIRST_MOMENT, status="processing", due_at=NOW + timedelta(hours=1)
        )
        # Overdue now although received before the period: "overdue now" is not per period.
        old_overdue = _dossier("R-3", received=BEFORE - timedelta(days=30), status="processing")
        # Past its first date; the agency gave a new one that has not come yet: still late.
        rescheduled = _dossier(
            "R-4",
            received=BEFORE - timedelta(days=30),
            status="processing",
            new_due_at=NOW + timedelta(days=3),
        )
        on_time = _dossier("R-5", received=in_period, status="returned")
        late = _dossier("R-6", received=BEFORE - timedelta(days=20), status="returned")
        # Imported already returned, without a status event: its status time counts.
        imported = _dossier(
            "R-7",
            received=in_period,
            status="returned",
            status_at=in_period + timedelta(days=1),
        )
        returned_after = _dossier("R-8", received=AFTER, status="returned")
        closed_late = _dossier("R-9", received=BEFORE - timedelta(days=30), status="rejected")
        session.add_all(
            [
                received,
                processing,
                old_overdue,
                rescheduled,
                on_time,
                late,
                imported,
                returned_after,
                closed_late,
            ]
        )
        await session.flush()
        assert on_time.id and late.id and returned_after.id and received.id
        session.add_all(
            [
                StatusEvent(dossier_id=on_time.id, status="returned", at=in_period + timedelta(1)),
                StatusEvent(dossier_id=late.id, status="returned", at=LAST_MOMENT),
                StatusEvent(dossier_id=returned_after.id, status="returned", at=AFTER),
                Subscription(
                    dossier_id=received.id, channel="telegram", user_id="1", created_at=NOW
                ),
                Subscription(
                    dossier_id=late.id,
                    channel="zalo",
                    user_id="2",
                    created_at=BEFORE,
                    ended_at=NOW,
                    end_reason="blocked",
                ),
                Subscription(dossier_id=on_time.id, channel="web", user_id="3", created_at=AFTER),
            ]
        )
        outbox = [
            ("status", "telegram", "sent", NOW, NOW),
            ("status", "telegram", "sent", NOW, NOW),
            ("status", "zalo", "failed", NOW, None),
            ("overdue_apology", "telegram", "sent", BEFORE, NOW),  # queued before, sent within
            ("overdue_apology", "telegram", "sent", NOW, AFTER),  # sent after the period
            ("status", "telegram", "pending", NOW, None),
            ("status", "telegram", "failed", AFTER, None),
        ]
        for i, (rule, channel, status, created, sent) in enumerate(outbox):
            session.add(
                OutboxMessage(
                    key=f"{received.id}:{rule}:{i}:{channel}",
                    dossier_id=received.id,
                    rule=rule,
                    channel=channel,
                    recipient=str(i),
                    body="{}",
                    status=status,
                    created_at=created,
                    sent_at=sent,
                )
            )
        for i, (value, at) in enumerate([(3, NOW), (3, NOW), (1, LAST_MOMENT), (2, AFTER)]):
            session.add(
                Rating(
                    dossier_id=on_time.id,
                    channel="web",
                    user_id=str(i),
                    value=value,
                    created_at=at,
                )
            )
    report = await _report(session_factory)

    assert report["subscriptions"] == {"started": 1, "ended": 1}
    dossiers = report["dossiers"]
    assert isinstance(dossiers, dict)
    assert dossiers["by_status"] == {"processing": 1, "received": 1, "returned": 2}
    assert dossiers["received"] == 4
    # R-3, and R-4 (a new date does not make it punctual); R-9 is closed.
    assert dossiers["overdue_now"] == 2
    assert (dossiers["returned"], dossiers["returned_on_time"], dossiers["returned_late"]) == (
        3,
        2,
        1,
    )
    assert report["notifications"] == {
        "sent": 3,
        "failed": 1,
        "by_rule": {
            "overdue_apology": {"telegram": {"sent": 1, "failed": 0}},
            "status": {
                "telegram": {"sent": 2, "failed": 0},
                "zalo": {"sent": 0, "failed": 1},
            },
        },
    }
    assert report["ratings"] == {
        "count": 3,
        "average": round(7 / 3, 2),
        "by_value": {"1": 1, "3": 2},
    }


async def test_an_empty_period_reports_zeros(session_factory: SessionFactory) -> None:
    report = await _report(session_factory)
    assert report["questions"] == dict.fromkeys(
        ("asked", "answered", "abstained", "choices_offered", "procedures_opened"), 0
    )
    assert report["ratings"] == {"count": 0, "average": None, "by_value": {}}
    assert report["notifications"] == {"sent": 0, "failed": 0, "by_rule": {}}


def test_closed_statuses_match_the_dossier_rules() -> None:
    from handlers.dossiers.statuses import CLOCK_RUNNING, CLOCK_STOPPED, WAITING_ON_CITIZEN
    from notifications.rules import RATING_VALUES
    from storage import one_stop_repo

    assert {s.value for s in CLOSED} == report_repo.CLOSED_STATUSES
    assert {s.value for s in CLOCK_RUNNING} == report_repo.RUNNING_STATUSES
    assert {s.value for s in CLOCK_STOPPED} == one_stop_repo.CLOCK_STOPPED
    assert {s.value for s in WAITING_ON_CITIZEN} == one_stop_repo.WAITING_ON_CITIZEN
    assert {v: k for k, v in RATING_VALUES.items()} == one_stop_repo.RATING_LEVELS


async def test_usage_table_holds_no_personal_data(session_factory: SessionFactory) -> None:
    async with session_factory() as session:
        conn = await session.connection()
        columns = await conn.run_sync(
            lambda c: {col["name"] for col in inspect(c).get_columns("usage_events")}
        )
        indexes = await conn.run_sync(lambda c: inspect(c).get_indexes("usage_events"))
    assert columns == {"id", "at", "channel", "kind", "procedure_code"}
    assert any(ix["column_names"] == ["at", "kind"] for ix in indexes)


async def test_batched_writer_waits_then_writes_in_one_go(
    session_factory: SessionFactory,
) -> None:
    writer = BatchedUsageWriter(session_factory, flush_seconds=3600, batch=3, clock=lambda: NOW)
    writer.record("web", "question_answered", "1.001193")
    writer.record("web", "question_abstained")
    assert await _usage_rows(session_factory) == []  # recorded in memory only
    writer.record("zalo", "choice_offered")  # the third event fills a batch: written now
    await writer.aclose()
    rows = await _usage_rows(session_factory)
    assert rows == [
        ("web", "question_answered", "1.001193"),
        ("web", "question_abstained", None),
        ("zalo", "choice_offered", None),
    ]


async def test_batched_writer_flushes_on_its_timer_and_on_close(
    session_factory: SessionFactory,
) -> None:
    writer = BatchedUsageWriter(session_factory, flush_seconds=0.05, batch=100, clock=lambda: NOW)
    writer.record("web", "lookup_attempt")
    await asyncio.wait_for(writer.settled(), 5)  # the timer fired and the write is done
    assert await _usage_rows(session_factory) == [("web", "lookup_attempt", None)]
    slow = BatchedUsageWriter(session_factory, flush_seconds=3600, batch=100, clock=lambda: NOW)
    slow.record("cli", "lookup_link")
    await slow.aclose()
    await writer.aclose()
    assert len(await _usage_rows(session_factory)) == 2


async def test_batched_writer_keeps_events_when_the_database_fails(
    session_factory: SessionFactory,
) -> None:
    class Broken:
        def __call__(self) -> object:
            raise ConnectionError("database is down")

    writer = BatchedUsageWriter(session_factory, flush_seconds=3600, batch=100, clock=lambda: NOW)
    writer.record("web", "question_answered", "1.001193")
    real, writer._sessions = writer._sessions, Broken()  # type: ignore[assignment]
    await writer.flush()  # logged, not raised
    writer._sessions = real
    await writer.aclose()
    assert await _usage_rows(session_factory) == [("web", "question_answered", "1.001193")]


async def _usage_rows(session_factory: SessionFactory) -> list[tuple[str, str, str | None]]:
    async with session_factory() as session:
        rows = await session.execute(
            select(
                col(UsageEvent.channel), col(UsageEvent.kind), col(UsageEvent.procedure_code)
            ).order_by(col(UsageEvent.id))
        )
        return [(c, k, p) for c, k, p in rows.all()]


async def test_overdue_now_never_counts_a_stopped_clock(session_factory: SessionFactory) -> None:
    past = NOW - timedelta(days=3)
    async with session_factory() as session, session.begin():
        session.add_all(
            [
                _dossier("S-1", received=START, status="processing", due_at=past),
                _dossier("S-2", received=START, status="supplement_required", due_at=past),
                _dossier("S-3", received=START, status="financial_obligation", due_at=past),
                _dossier("S-4", received=START, status="paused", due_at=past),
                _dossier("S-5", received=START, status="registered", due_at=None),
            ]
        )
    report = await _report(session_factory)
    dossiers = report["dossiers"]
    assert isinstance(dossiers, dict) and dossiers["overdue_now"] == 1
