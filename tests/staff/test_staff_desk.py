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
from handlers.staff.desk import PAGE_SIZE, Desk, ListPage
from notifications.registry import Source
from storage import dossiers_repo, staff_repo, subscriptions_repo
from storage.models import OutboxMessage

OFFICER = Actor(1, "lan", "officer")
OFFICER_A = Actor(2, "an", "officer", AGENCY_A)
VIEWER = Actor(3, "xem", "viewer")
TELEGRAM = {"telegram": RecordingSender("telegram")}


def _desk(services: Services) -> Desk:
    ingestor = Ingestor(services.sessions, services.calendar, services.kb)
    return Desk(services.sessions, services.calendar, ingestor)


def _codes(page: ListPage) -> list[str]:
    return [i.row.receipt_code for i in page.items]


async def test_due_list_filters_and_agency_scope(staff_services: Services) -> None:
    await seed_desk(staff_services.sessions)
    desk = _desk(staff_services)
    view = await desk.due_list(OFFICER)
    assert _codes(view.overdue) == [LATE_A, LATE_B]  # the longest overdue first
    assert _codes(view.due_soon) == [SOON_A]
    assert LATER_A not in _codes(view.overdue) + _codes(view.due_soon)
    assert (view.overdue.total, view.due_soon.total) == (2, 1)
    late = view.overdue.items[0]
    assert late.needs_details and late.late_days >= 1 and late.followers == 1
    assert dict(view.agencies) == {AGENCY_A: 2, AGENCY_B: 1}
    assert [(code, n) for code, _, n in view.procedures] == [("1.001193", 3)]

    only_b = await desk.due_list(OFFICER, agency=AGENCY_B)
    assert _codes(only_b.overdue) == [LATE_B] and only_b.due_soon.items == []
    assert (await desk.due_list(OFFICER, procedure="9.999999")).overdue.items == []

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


async def _outbox(services: Services) -> list[OutboxMessage]:
    async with services.sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)  # type: ignore[arg-type]
        return list((await session.execute(query)).scalars())


async def test_apology_is_a_status_event_the_rules_send_once(staff_services: Services) -> None:
    """Each apology goes out once per missed date: the plain one when the date passed with
    nothing recorded, then the official letter as soon as the reason and the new date are
    recorded; scans that run again and again queue nothing more. The dossier stays late."""
    sessions = staff_services.sessions
    await seed_desk(sessions)
    desk = _desk(staff_services)
    tz = staff_services.calendar.tz
    service = build_service(staff_services.settings, sessions, TELEGRAM)
    await service.jobs.run_all()
    (plain,) = await _outbox(staff_services)  # only LATE_A has a follower
    assert plain.rule == "overdue_apology" and "PHIẾU XIN LỖI" not in plain.body
    before = await desk.dossier(OFFICER_A, LATE_A)
    assert before.item.overdue and before.item.needs_details and not before.item.rescheduled

    new_date = datetime.now(tz).date() + timedelta(days=10)
    reason = "Chờ kết quả xác minh của Công an xã"
    await desk.record_apology(OFFICER_A, LATE_A, f"  {reason}\n", new_date)

    detail = await desk.dossier(OFFICER_A, LATE_A)
    assert detail.dossier.apology_reason == reason
    assert detail.dossier.new_due_at is not None
    assert detail.dossier.new_due_at.astimezone(tz).date() == new_date
    assert detail.dossier.status == "processing"  # recording a reason changes no status
    assert detail.dossier.due_at == before.dossier.due_at  # the clock's date stays
    assert [e.apology_reason for e in detail.events] == [None, reason]
    # Late all the same (trễ hẹn), with both dates; the letter is no longer owed.
    item = detail.item
    assert item.overdue and item.rescheduled and item.has_details and not item.needs_details
    assert item.late_days == before.item.late_days
    assert [(h.actor, h.action) for h in detail.history] == [("an", "apology_recorded")]
    view = await desk.due_list(OFFICER_A)
    assert _codes(view.overdue) == [LATE_A]

    for _ in range(2):  # rule scans run again and again: nothing is queued twice
        await service.jobs.run_all()
    rows = await _outbox(staff_services)
    assert [r.rule for r in rows] == ["overdue_apology", "overdue_apology"]
    assert rows[0].key == plain.key
    letter = rows[1]
    assert ":letter-" + new_date.isoformat() + ":" in letter.key
    assert "PHIẾU XIN LỖI" in letter.body and reason in letter.body
    assert new_date.strftime("%d/%m/%Y") in letter.body
    assert {r.recipient for r in rows} == {"1001"} and {r.channel for r in rows} == {"telegram"}
    sent = (await desk.dossier(OFFICER_A, LATE_A)).item.sent
    assert [s.occurrence.startswith("letter-") for s in sent] == [False, True]


async def test_the_letter_may_go_before_the_date(staff_services: Services) -> None:
    """A dossier due within the working day: the reason and new date recorded ahead send the
    letter at once, and the dossier is not called late before its date."""
    sessions = staff_services.sessions
    await seed_desk(sessions)
    async with sessions() as session, session.begin():
        soon = await dossiers_repo.get_by_code(session, SOON_A)
        assert soon is not None and soon.id is not None
        await subscriptions_repo.add_subscription(
            session, soon.id, "telegram", "2002", datetime.now(UTC) - timedelta(days=1)
        )
    desk = _desk(staff_services)
    new_date = datetime.now(staff_services.calendar.tz).date() + timedelta(days=4)
    await desk.record_apology(OFFICER, SOON_A, "Chờ ý kiến của Sở Tư pháp", new_date)
    item = (await desk.dossier(OFFICER, SOON_A)).item
    assert not item.overdue and item.has_details and item.rescheduled
    await build_service(staff_services.settings, sessions, TELEGRAM).jobs.run_all()
    mine = [r for r in await _outbox(staff_services) if r.recipient == "2002"]
    assert [r.rule for r in mine] == ["overdue_apology"]
    assert "PHIẾU XIN LỖI" in mine[0].body and "Chờ ý kiến của Sở Tư pháp" in mine[0].body
    view = await desk.due_list(OFFICER)
    assert SOON_A in _codes(view.due_soon) and SOON_A not in _codes(view.overdue)


async def test_stopped_and_finished_clocks_are_on_no_list_and_take_no_apology(
    staff_services: Services,
) -> None:
    """A dossier waiting for the citizen (past its first date) or paused is neither overdue
    nor due; one whose result is ready has no date to move. None of them takes a new date."""
    sessions = staff_services.sessions
    now = datetime.now(UTC)
    await seed_desk(sessions, now)
    ingestor = Ingestor(sessions, staff_services.calendar, staff_services.kb)
    steps = {
        LATE_B: "supplement_required",
        SOON_A: "paused",
        LATE_A: "result_ready",
    }
    for code, status in steps.items():
        added, rejected = await ingestor.ingest_event(
            code, {"status": status, "at": (now - timedelta(minutes=5)).isoformat()}, now
        )
        assert added and rejected is None
    desk = _desk(staff_services)
    view = await desk.due_list(OFFICER)
    assert view.overdue.total == 0 and view.due_soon.items == []
    assert view.agencies == [] and view.procedures == []
    day = datetime.now(staff_services.calendar.tz).date() + timedelta(days=5)
    for code, problem in (
        (LATE_B, "clock_stopped"),
        (SOON_A, "clock_stopped"),
        (LATE_A, "no_running_clock"),
    ):
        item = (await desk.dossier(OFFICER, code)).item
        assert not item.overdue and not item.running
        assert item.stopped == (problem == "clock_stopped")
        with pytest.raises(Refused) as refused:
            await desk.record_apology(OFFICER, code, "Lý do", day)
        assert refused.value.reason == problem
    async with sessions() as session:
        assert await staff_repo.list_audit(session, target_kind="dossier") == []


async def test_a_new_date_in_a_notified_status_is_not_announced_as_that_status(
    staff_services: Services,
) -> None:
    """A dossier still "received" gets the letter, not a second "received" message: the event
    that records a new date in the same status is the apology's, not a status change's."""
    sessions = staff_services.sessions
    now = datetime.now(UTC)
    code = "000.00.20.H56-261110-0009"
    row = {
        "receipt_code": code,
        "procedure_code": "1.001193",
        "received_at": now - timedelta(days=20),
        "due_at": now - timedelta(days=1),
        "base_due_at": now - timedelta(days=1),
        "status": "received",
        "status_at": now - timedelta(days=20),
        "agency": AGENCY_A,
    }
    async with sessions() as session, session.begin():
        ids = await dossiers_repo.upsert_dossiers(session, [row], now)
        # The "received" event is recent, so the status scan sees it and sends it once.
        await dossiers_repo.add_event(session, ids[code], "received", now - timedelta(hours=2))
        await subscriptions_repo.add_subscription(
            session, ids[code], "telegram", "77", now - timedelta(days=19)
        )
    jobs = build_service(staff_services.settings, sessions, TELEGRAM).jobs

    async def queued() -> dict[str, int]:
        return {rule: n for rule, n in (await jobs.run(Source.EVENTS)).items() if n}

    assert await queued() == {"status": 1}
    new_date = datetime.now(staff_services.calendar.tz).date() + timedelta(days=5)
    await _desk(staff_services).record_apology(OFFICER, code, "Thiếu chữ ký lãnh đạo", new_date)
    assert await queued() == {"overdue_apology": 1}
    assert await queued() == {}
    rows = await _outbox(staff_services)
    assert [r.rule for r in rows] == ["status", "overdue_apology"]
    assert "PHIẾU XIN LỖI" in rows[1].body and "Thiếu chữ ký lãnh đạo" in rows[1].body


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


async def test_long_lists_come_in_pages(staff_services: Services) -> None:
    """A hundred and twenty overdue dossiers: fifty a page, the longest overdue first, the
    whole count in the title; a page past the end is empty, not an error."""
    sessions = staff_services.sessions
    now = datetime.now(UTC)
    rows = [
        {
            "receipt_code": f"000.00.20.H56-261001-{n:04d}",
            "procedure_code": "1.001193",
            "received_at": now - timedelta(days=30),
            "due_at": now - timedelta(days=20, minutes=n),
            "base_due_at": now - timedelta(days=20, minutes=n),
            "status": "processing",
            "status_at": now - timedelta(days=29),
            "agency": AGENCY_B,
        }
        for n in range(1, 121)
    ]
    async with sessions() as session, session.begin():
        await dossiers_repo.upsert_dossiers(session, rows, now)
    desk = _desk(staff_services)
    pages = [await desk.due_list(OFFICER, overdue_page=n) for n in (1, 2, 3, 4)]
    assert [len(p.overdue.items) for p in pages] == [PAGE_SIZE, PAGE_SIZE, 20, 0]
    assert {p.overdue.total for p in pages} == {120} and pages[0].overdue.pages == 3
    shown = [code for p in pages for code in _codes(p.overdue)]
    assert shown == [f"000.00.20.H56-261001-{n:04d}" for n in range(120, 0, -1)]
    assert (pages[1].overdue.first, pages[1].overdue.last) == (51, 100)
