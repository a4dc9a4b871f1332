"""The desk on SQLite and PostgreSQL: due soon and overdue lists with filters and agency scope;
an apology recorded as a status event that the rules send once, audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from staff_support import (
    AGENCY_A,
    AGENCY_B,
    LATE_A,
    LATE_B,
    LATER_A,
    SOON_A,
    RecordingSender,
    seed_desk,
)

from bot.bootstrap import Services
from bot.senders.setup import build_service
from handlers.dossiers.ingest import Ingestor
from handlers.staff.audit import Actor, Forbidden, Refused
from handlers.staff.desk import Desk
from storage import dossiers_repo, staff_repo, subscriptions_repo
from storage.models import OutboxMessage

OFFICER = Actor(1, "lan", "officer")
OFFICER_A = Actor(2, "an", "officer", AGENCY_A)
VIEWER = Actor(3, "xem", "viewer")
TELEGRAM = {"telegram": RecordingSender("telegram")}


def _desk(services: Services) -> Desk:
    ingestor = Ingestor(services.sessions, services.calendar, services.kb)
    return Desk(services.sessions, services.calendar, ingestor)


def _codes(items: list) -> list[str]:  # type: ignore[type-arg]
    return [i.row.receipt_code for i in items]


async def test_due_list_filters_and_agency_scope(staff_services: Services) -> None:
    await seed_desk(staff_services.sessions)
    desk = _desk(staff_services)
    view = await desk.due_list(OFFICER)
    assert _codes(view.overdue) == [LATE_A, LATE_B]  # the longest overdue first
    assert _codes(view.due_soon) == [SOON_A]
    assert LATER_A not in _codes(view.overdue + view.due_soon)
    late = view.overdue[0]
    assert late.needs_details and late.late_days >= 1 and late.followers == 1
    assert dict(view.agencies) == {AGENCY_A: 2, AGENCY_B: 1}
    assert [(code, n) for code, _, n in view.procedures] == [("1.001193", 3)]

    only_b = await desk.due_list(OFFICER, agency=AGENCY_B)
    assert _codes(only_b.overdue) == [LATE_B] and only_b.due_soon == []
    assert (await desk.due_list(OFFICER, procedure="9.999999")).overdue == []

    # An officer bound to agency A sees A's dossiers whatever the filter asks.
    scoped = await desk.due_list(OFFICER_A, agency=AGENCY_B)
    assert _codes(scoped.overdue) == [LATE_A] and _codes(scoped.due_soon) == [SOON_A]
    assert dict(scoped.agencies) == {AGENCY_A: 2}
    with pytest.raises(Forbidden):
        await desk.dossier(OFFICER_A, LATE_B)
    with pytest.raises(Forbidden):
        await desk.record_apology(OFFICER_A, LATE_B, "Lý do", datetime.now(UTC).date())
    with pytest.raises(Forbidden):
        await desk.due_list(VIEWER)


async def test_apology_is_a_status_event_the_rules_send_once(staff_services: Services) -> None:
    sessions = staff_services.sessions
    await seed_desk(sessions)
    desk = _desk(staff_services)
    tz = staff_services.calendar.tz
    new_date = datetime.now(tz).date() + timedelta(days=10)
    reason = "Chờ kết quả xác minh của Công an xã"
    await desk.record_apology(OFFICER_A, LATE_A, f"  {reason}\n", new_date)

    detail = await desk.dossier(OFFICER_A, LATE_A)
    assert detail.dossier.apology_reason == reason
    assert detail.dossier.new_due_at is not None
    assert detail.dossier.new_due_at.astimezone(tz).date() == new_date
    assert detail.dossier.status == "processing"  # recording a reason changes no status
    assert [e.apology_reason for e in detail.events] == [None, reason]
    # Stored due fields: a future new date ends "overdue" (the clock rework revisits this),
    # yet the dossier is still late against its first date.
    assert detail.item.rescheduled and not detail.item.overdue and not detail.item.needs_details
    assert [(h.actor, h.action) for h in detail.history] == [("an", "apology_recorded")]

    service = build_service(staff_services.settings, sessions, TELEGRAM)
    for _ in range(2):  # rule scans run again and again: nothing is queued twice
        await service.jobs.run_all()
    async with sessions() as session:
        rows = list((await session.execute(select(OutboxMessage))).scalars())
    by_rule = {r.rule: r for r in rows}
    assert sorted(r.rule for r in rows) == ["new_due_date", "overdue_apology"]
    new_due = by_rule["new_due_date"].body
    assert reason in new_due and new_date.strftime("%d/%m/%Y") in new_due
    letter = by_rule["overdue_apology"].body
    assert "PHIẾU XIN LỖI" in letter and reason in letter
    assert new_date.strftime("%d/%m/%Y") in letter
    assert {r.recipient for r in rows} == {"1001"} and {r.channel for r in rows} == {"telegram"}


async def test_a_new_date_in_a_notified_status_is_not_announced_as_that_status(
    staff_services: Services,
) -> None:
    """A dossier still "received" gets the new date, not a second "received" message."""
    sessions = staff_services.sessions
    now = datetime.now(UTC)
    code = "000.00.20.H56-261110-0009"
    row = {
        "receipt_code": code,
        "procedure_code": "1.001193",
        "received_at": now - timedelta(days=20),
        "due_at": now - timedelta(days=1),
        "status": "received",
        "status_at": now - timedelta(days=20),
        "agency": AGENCY_A,
    }
    async with sessions() as session, session.begin():
        ids = await dossiers_repo.upsert_dossiers(session, [row], now)
        await dossiers_repo.add_event(session, ids[code], "received", now - timedelta(days=20))
        await subscriptions_repo.add_subscription(
            session, ids[code], "telegram", "77", now - timedelta(days=19)
        )
    new_date = datetime.now(staff_services.calendar.tz).date() + timedelta(days=5)
    await _desk(staff_services).record_apology(OFFICER, code, "Thiếu chữ ký lãnh đạo", new_date)
    await build_service(staff_services.settings, sessions, TELEGRAM).jobs.status_changes()
    async with sessions() as session:
        rules = [r.rule for r in (await session.execute(select(OutboxMessage))).scalars()]
    assert rules == ["new_due_date"]


@pytest.mark.parametrize(
    ("reason", "days", "problem"),
    [
        ("   ", 5, "reason_missing"),
        ("x" * 1001, 5, "reason_too_long"),
        ("Chờ xác minh", 0, "new_date_not_future"),
        ("Chờ xác minh", -3, "new_date_not_future"),
    ],
)
async def test_apology_refusals(
    staff_services: Services, reason: str, days: int, problem: str
) -> None:
    await seed_desk(staff_services.sessions)
    day = datetime.now(staff_services.calendar.tz).date() + timedelta(days=days)
    with pytest.raises(Refused) as refused:
        await _desk(staff_services).record_apology(OFFICER, LATE_A, reason, day)
    assert refused.value.reason == problem
    async with staff_services.sessions() as session:
        assert await staff_repo.list_audit(session, target_kind="dossier") == []


async def test_a_new_date_before_the_first_one_is_refused(staff_services: Services) -> None:
    await seed_desk(staff_services.sessions)
    tz = staff_services.calendar.tz
    tomorrow = datetime.now(tz).date() + timedelta(days=1)
    async with staff_services.sessions() as session:
        later = await dossiers_repo.get_by_code(session, LATER_A)
    assert later is not None and later.due_at is not None
    assert tomorrow < later.due_at.astimezone(tz).date()
    with pytest.raises(Refused) as refused:
        await _desk(staff_services).record_apology(OFFICER, LATER_A, "Lý do", tomorrow)
    assert refused.value.reason == "new_date_before_due"
