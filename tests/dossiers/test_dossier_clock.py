"""The dossier clock: when the processing time runs, from the status history.

The legal edge cases run through the real ingest (import rows and API events) on SQLite and
PostgreSQL, so what is stored (the due date every rule and lookup uses) is what is checked.
Dates are worked out by hand in the comments, with the default office periods 07:30–11:30 and
13:30–17:00 (7.5 office hours a day).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from handlers.dossiers.calendar import WorkCalendar
from handlers.dossiers.clock import Step, SupplementClock, read_clock
from handlers.dossiers.ingest import Ingestor
from handlers.dossiers.statuses import is_overdue
from knowledge.model import Procedure, SubmissionWay
from knowledge.processing_time import ProcessingTime
from storage import dossiers_repo
from storage.engine import SessionFactory
from storage.models import Dossier

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkCalendar()
CODE = "000.00.20.H56-260302-0001"


def vn(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN)


class FakeKB:
    procedures = {
        "1.000001": Procedure(
            code="1.000001",
            name="Đăng ký kết hôn",
            ways=(SubmissionWay(way="Trực tuyến", time="03 Ngày làm việc"),),
        ),
        "1.000010": Procedure(
            code="1.000010",
            name="Cấp giấy phép xây dựng",
            ways=(SubmissionWay(way="Trực tiếp", time="10 Ngày làm việc"),),
        ),
    }

    def get(self, code: str) -> Procedure | None:
        return self.procedures.get(code)


def row(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "receipt_code": CODE,
        "procedure_code": "1.000010",
        "applicant_name": "Trần Thị Bình",
        "applicant_phone": "0912345678",
        "received_at": "2026-03-02T09:00:00",
        "status": "received",
        "status_at": "2026-03-02T09:00:00",
        "submitted_via": "direct",
    }
    base.update(extra)
    return base


async def stored(factory: SessionFactory, code: str = CODE) -> Dossier:
    async with factory() as session:
        dossier = await dossiers_repo.get_by_code(session, code)
    assert dossier is not None
    return dossier


async def events(ingestor: Ingestor, *steps: tuple[str, datetime], code: str = CODE) -> None:
    now = datetime(2027, 1, 1, tzinfo=UTC)
    for status, at in steps:
        added, rejected = await ingestor.ingest_event(
            code, {"status": status, "at": at.isoformat()}, now
        )
        assert added and rejected is None, (status, at, rejected)


# --- the legal edge cases, through the ingest, on both databases ------------------------------


async def test_online_filing_on_a_friday_evening_before_a_holiday_counts_from_the_next_opening(
    session_factory: SessionFactory,
) -> None:
    # Friday 24/4/2026 20:30; Monday 27/4 is off in lieu of Giỗ Tổ (Sunday 26/4). Received at
    # Tuesday 28/4 07:30; 3 working days after Tuesday: Wed 29/4, then 30/4 and 1/5 are
    # holidays, Mon 4/5, Tue 5/5. Counted from the Friday evening it would be Mon 4/5.
    ingestor = Ingestor(session_factory, CAL, FakeKB())
    report = await ingestor.ingest_rows(
        [
            (
                2,
                row(
                    procedure_code="1.000001",
                    received_at="2026-04-24T20:30:00",
                    status_at="2026-04-24T20:30:00",
                    submitted_via="online",
                ),
            )
        ],
        datetime(2026, 4, 25, tzinfo=UTC),
    )
    assert report.rejected == []
    dossier = await stored(session_factory)
    assert dossier.accepted_at == vn(2026, 4, 28, 7, 30)
    assert dossier.due_at == vn(2026, 5, 5, 17)
    assert dossier.received_at == vn(2026, 4, 24, 20, 30)  # what the citizen did, kept


async def test_code_1_has_no_due_date_until_accepted_the_next_morning(
    session_factory: SessionFactory,
) -> None:
    ingestor = Ingestor(session_factory, CAL, FakeKB())
    filed = row(
        procedure_code="1.000001",
        status="1",
        received_at="2026-03-02T20:30:00",
        status_at="2026-03-02T20:30:00",
        submitted_via="online",
    )
    report = await ingestor.ingest_rows([(2, filed)], datetime(2026, 3, 3, tzinfo=UTC))
    assert report.rejected == []
    dossier = await stored(session_factory)
    assert dossier.status == "registered"
    assert (dossier.accepted_at, dossier.due_at) == (None, None)
    assert not is_overdue(dossier.status, dossier.due_at, vn(2026, 6, 1))
    # Accepted at 08:15 Tuesday (code 2 in a later import): 3 working days after Tuesday.
    accepted = {**filed, "status": "2", "status_at": "2026-03-03T08:15:00"}
    await ingestor.ingest_rows([(2, accepted)], datetime(2026, 3, 3, 2, tzinfo=UTC))
    dossier = await stored(session_factory)
    assert dossier.status == "received"
    assert dossier.accepted_at == vn(2026, 3, 3, 8, 15)
    assert dossier.due_at == vn(2026, 3, 6, 17)


async def test_supplemented_twice_the_time_already_spent_counts(
    session_factory: SessionFactory,
) -> None:
    # 10 working days from Monday 2/3/2026 09:00: due Monday 16/3 17:00.
    ingestor = Ingestor(session_factory, CAL, FakeKB())
    await ingestor.ingest_rows([(2, row())], datetime(2026, 3, 2, 3, tzinfo=UTC))
    assert (await stored(session_factory)).due_at == vn(2026, 3, 16, 17)
    # Stopped Wed 4/3 10:00 with 65 office hours left; resumed Mon 9/3 14:00: 3 h that day,
    # then 62 h = 8 days and 2 h: Friday 20/3 09:30, a day-based date, so 17:00.
    await events(ingestor, ("supplement_required", vn(2026, 3, 4, 10)))
    waiting = await stored(session_factory)
    assert waiting.clock_stopped_at == vn(2026, 3, 4, 10)
    assert not is_overdue(waiting.status, waiting.due_at, vn(2026, 3, 20))
    await events(ingestor, ("processing", vn(2026, 3, 9, 14)))
    first = await stored(session_factory)
    assert first.clock_stopped_at is None
    assert first.due_at == vn(2026, 3, 20, 17)
    # Stopped again Wed 11/3 09:00 (58.5 h left), resumed Fri 13/3 15:00: 2 h that day, then
    # 56.5 h: Wednesday 25/3 11:30, so 17:00.
    await events(
        ingestor,
        ("supplement_required", vn(2026, 3, 11, 9)),
        ("processing", vn(2026, 3, 13, 15)),
    )
    assert (await stored(session_factory)).due_at == vn(2026, 3, 25, 17)


async def test_supplement_restarts_the_clock_where_the_agency_counts_afresh(
    session_factory: SessionFactory,
) -> None:
    ingestor = Ingestor(session_factory, CAL, FakeKB(), supplement_clock="restart")
    await ingestor.ingest_rows([(2, row())], datetime(2026, 3, 2, 3, tzinfo=UTC))
    await events(
        ingestor,
        ("supplement_required", vn(2026, 3, 11, 9)),
        ("processing", vn(2026, 3, 13, 15)),
    )
    # 10 working days after Friday 13/3: Friday 27/3.
    assert (await stored(session_factory)).due_at == vn(2026, 3, 27, 17)


async def test_paused_then_resumed_and_a_fee_wait_also_stop_the_clock(
    session_factory: SessionFactory,
) -> None:
    # Received Tue 3/11/2026 08:00 with the receipt's date Fri 6/11 (given on import).
    ingestor = Ingestor(session_factory, CAL, FakeKB(), supplement_clock="restart")
    await ingestor.ingest_rows(
        [
            (
                2,
                row(
                    received_at="2026-11-03T08:00:00",
                    status_at="2026-11-03T08:00:00",
                    due_at="2026-11-06",
                ),
            )
        ],
        datetime(2026, 11, 3, 2, tzinfo=UTC),
    )
    assert (await stored(session_factory)).due_at == vn(2026, 11, 6, 17)
    # Paused Thu 5/11 07:30 (15 h left) until Wed 11/11 07:30: Wed and Thu, so Thu 12/11.
    # A pause is never a restart, whatever the supplement setting says.
    await events(ingestor, ("paused", vn(2026, 11, 5, 7, 30)))
    paused = await stored(session_factory)
    assert paused.status == "paused" and paused.clock_stopped_at == vn(2026, 11, 5, 7, 30)
    assert not is_overdue(paused.status, paused.due_at, vn(2026, 11, 10))
    await events(ingestor, ("processing", vn(2026, 11, 11, 7, 30)))
    assert (await stored(session_factory)).due_at == vn(2026, 11, 12, 17)
    # A fee to pay from Thu 12/11 13:30 (3.5 h left) until Mon 16/11 13:30: Mon 16/11 17:00.
    await events(
        ingestor,
        ("financial_obligation", vn(2026, 11, 12, 13, 30)),
        ("processing", vn(2026, 11, 16, 13, 30)),
    )
    dossier = await stored(session_factory)
    assert dossier.due_at == vn(2026, 11, 16, 17)
    assert is_overdue(dossier.status, dossier.due_at, vn(2026, 11, 17))


async def test_a_stop_after_the_due_date_moves_nothing(session_factory: SessionFactory) -> None:
    ingestor = Ingestor(session_factory, CAL, FakeKB())
    await ingestor.ingest_rows([(2, row())], datetime(2026, 3, 2, 3, tzinfo=UTC))
    await events(
        ingestor,
        ("supplement_required", vn(2026, 3, 18, 9)),  # two days late already
        ("processing", vn(2026, 3, 25, 9)),
    )
    dossier = await stored(session_factory)
    assert dossier.due_at == vn(2026, 3, 16, 17)
    assert is_overdue(dossier.status, dossier.due_at, vn(2026, 3, 25, 10))


async def test_an_import_that_changes_the_status_moves_the_due_date_and_replays_add_nothing(
    session_factory: SessionFactory,
) -> None:
    ingestor = Ingestor(session_factory, CAL, FakeKB())
    rows = [
        row(),
        row(status="5", status_at="2026-03-04T10:00:00", note="Thiếu bản vẽ"),
        row(status="4", status_at="2026-03-09T14:00:00"),
    ]
    now = datetime(2026, 3, 10, tzinfo=UTC)
    await ingestor.ingest_rows(list(enumerate(rows, start=2)), now)
    dossier = await stored(session_factory)
    assert dossier.due_at == vn(2026, 3, 20, 17)  # as through the API above
    again = await ingestor.ingest_rows(list(enumerate(rows, start=2)), now)
    assert again.events_added == 0
    assert (await stored(session_factory)).due_at == vn(2026, 3, 20, 17)
    # An older status arriving late is history: the clock reads it in its place.
    late = row(status="paused", status_at="2026-03-03T09:00:00")
    await ingestor.ingest_rows([(2, late)], now)
    after = await stored(session_factory)
    assert after.status == "processing"
    assert after.due_at is not None and after.due_at > vn(2026, 3, 20, 17)


async def test_returned_records_when_it_was_resolved(session_factory: SessionFactory) -> None:
    ingestor = Ingestor(session_factory, CAL, FakeKB())
    await ingestor.ingest_rows([(2, row())], datetime(2026, 3, 2, 3, tzinfo=UTC))
    await events(ingestor, ("result_ready", vn(2026, 3, 12, 10)), ("returned", vn(2026, 3, 13)))
    dossier = await stored(session_factory)
    assert dossier.resolved_at == vn(2026, 3, 12, 10)
    assert not is_overdue(dossier.status, dossier.due_at, vn(2026, 4, 1))


# --- the pure clock ----------------------------------------------------------------------------


def steps(*pairs: tuple[str, datetime]) -> list[Step]:
    return [Step(status, at) for status, at in pairs]


def test_a_clock_that_never_stops_keeps_the_receipt_date_exactly() -> None:
    # Even a receipt date on a Saturday (an agency's own reckoning) is kept as given.
    saturday = vn(2026, 3, 7, 17)
    reading = read_clock(
        steps(("received", vn(2026, 3, 2)), ("processing", vn(2026, 3, 3))),
        received_at=vn(2026, 3, 2),
        base_due=saturday,
        processing=None,
        calendar=CAL,
    )
    assert reading.due_at == saturday and reading.stopped_at is None


def test_refused_at_the_desk_or_still_registered_never_starts() -> None:
    for history in (
        steps(("registered", vn(2026, 3, 2, 20))),
        steps(("registered", vn(2026, 3, 2, 20)), ("rejected", vn(2026, 3, 3))),
        steps(("registered", vn(2026, 3, 2, 20)), ("supplement_required", vn(2026, 3, 3))),
    ):
        reading = read_clock(
            history,
            received_at=vn(2026, 3, 2, 20),
            base_due=None,
            processing=ProcessingTime(3, "working_days"),
            calendar=CAL,
        )
        assert reading.accepted_at is None and reading.due_at is None


def test_an_hour_based_due_is_moved_to_the_minute() -> None:
    # "04 giờ" from Monday 2/3 09:00: 09:00–11:30, 13:30–15:00. Paused 10:00 (3 h left)
    # until Tuesday 3/3 07:30: due 10:30 Tuesday, not rounded to the day.
    reading = read_clock(
        steps(
            ("received", vn(2026, 3, 2, 9)),
            ("paused", vn(2026, 3, 2, 10)),
            ("processing", vn(2026, 3, 3, 7, 30)),
        ),
        received_at=vn(2026, 3, 2, 9),
        base_due=None,
        processing=ProcessingTime(4, "hours"),
        calendar=CAL,
    )
    assert reading.due_at == vn(2026, 3, 3, 10, 30)


@pytest.mark.parametrize("mode", list(SupplementClock))
def test_a_reopened_dossier_is_not_resolved(mode: SupplementClock) -> None:
    reading = read_clock(
        steps(
            ("received", vn(2026, 3, 2)),
            ("result_ready", vn(2026, 3, 4)),
            ("processing", vn(2026, 3, 5)),
        ),
        received_at=vn(2026, 3, 2),
        base_due=vn(2026, 3, 6, 17),
        processing=None,
        calendar=CAL,
        supplement=mode,
    )
    assert reading.resolved_at is None
