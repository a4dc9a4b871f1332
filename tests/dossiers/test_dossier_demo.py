"""Demo data: deterministic, realistic, all rows valid, loads idempotently."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from handlers.dossiers.calendar import WorkCalendar
from handlers.dossiers.codes import canonical_code
from handlers.dossiers.demo import DEMO_CODES, generate_demo_rows, load_demo
from handlers.dossiers.ingest import Ingestor
from handlers.dossiers.statuses import is_overdue, parse_status
from storage import dossiers_repo
from storage.engine import SessionFactory

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
CAL = WorkCalendar()


def test_generator_is_deterministic_and_varied() -> None:
    rows = generate_demo_rows(NOW, CAL, n=300)
    assert rows == generate_demo_rows(NOW, CAL, n=300)
    assert rows != generate_demo_rows(NOW, CAL, n=300, seed=7)
    latest = {r["receipt_code"]: r for r in rows}
    assert len(latest) >= 290
    assert all(canonical_code(code) == code for code in latest)
    statuses = Counter(r["status"] for r in latest.values())
    assert len(statuses) >= 6
    procedures = {r["procedure_code"] for r in latest.values()}
    assert {"1.004194", "1.001193", "1.001456", "1.000894"} <= procedures
    overdue = [
        r
        for r in latest.values()
        if r["due_at"] and is_overdue(r["status"], datetime.fromisoformat(r["due_at"]), NOW)
    ]
    assert 5 <= len(overdue) <= 80
    assert all(parse_status(r["status"]) for r in rows)


async def test_load_demo_accepts_every_row_and_is_idempotent(
    session_factory: SessionFactory,
) -> None:
    codes = await load_demo(session_factory, CAL, now=NOW, n=120)
    assert tuple(codes[: len(DEMO_CODES)]) == DEMO_CODES
    assert len(codes) >= 120
    rows = generate_demo_rows(NOW, CAL, n=120)
    report = await Ingestor(session_factory, CAL).ingest_rows(enumerate(rows, 1), NOW)
    assert report.rejected == []
    assert report.created == 0
    assert report.events_added == 0
    async with session_factory() as session:
        late = await dossiers_repo.get_by_code(session, DEMO_CODES[3])
        ready = await dossiers_repo.get_by_code(session, DEMO_CODES[2])
    assert late is not None
    assert ready is not None
    assert is_overdue(late.status, late.due_at, NOW)
    assert ready.status == "result_ready"
    assert late.applicant_phone == "0912345678"
    async with session_factory() as session:
        online, waiting, fee = [
            await dossiers_repo.get_by_code(session, DEMO_CODES[i]) for i in (5, 1, 7)
        ]
    # Filed online at 20:30 and not yet accepted: no clock, no due date.
    assert online is not None and online.status == "registered" and online.due_at is None
    assert online.accepted_at is None
    # Waiting for the citizen: the clock is stopped, nothing is overdue.
    for stopped in (waiting, fee):
        assert stopped is not None and stopped.clock_stopped_at is not None
        assert not is_overdue(stopped.status, stopped.due_at, NOW)
