"""A hand-counted month for the one-stop results table: November 2026, two agencies, imported
through the real ingest (so the clock's fields are the stored ones), and the counts worked out
by hand below. Shared by the repository test and the ``motcua report`` test."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from handlers.dossiers.calendar import WorkCalendar
from handlers.dossiers.ingest import Ingestor
from storage import dossiers_repo, ratings_repo
from storage.engine import SessionFactory

A = "UBND phường Bến Nghé"
B = "UBND phường Đa Kao"
NOW = datetime(2026, 12, 10, 3, 0, tzinfo=UTC)


def _code(agency: str, n: int) -> str:
    prefix = "000.00.20.H56" if agency == A else "000.00.21.H56"
    return f"{prefix}-261001-{n:04d}"


# (agency, number, via, received_at, due (a day), [(status, at), ...] after "received")
DOSSIERS: list[tuple[str, int, str, str, str | None, list[tuple[str, str]]]] = [
    # resolved before the period: counted nowhere.
    (A, 1, "direct", "2026-10-20T09:00", "2026-10-30", [("returned", "2026-10-29T10:00")]),
    # carried over, returned on time.
    (A, 2, "online", "2026-10-26T09:00", "2026-11-05", [("returned", "2026-11-04T10:00")]),
    # carried over, result ready late; the agency recorded a reason.
    (A, 3, "direct", "2026-10-28T09:00", "2026-11-03", [("result_ready", "2026-11-06T10:00")]),
    # new (direct), still processing at the end, past its date 10/11.
    (A, 4, "direct", "2026-11-02T09:00", "2026-11-10", [("processing", "2026-11-03T09:00")]),
    # new (online, filed 20:30, accepted next morning), due 4/12: within.
    (A, 5, "online", "2026-11-16T20:30", "2026-12-04", []),
    # new (postal), due 13/11, waiting for papers since 12/11: within, waiting.
    (
        A,
        6,
        "postal",
        "2026-11-09T09:00",
        "2026-11-13",
        [("supplement_required", "2026-11-12T10:00")],
    ),
    # new (direct), withdrawn on 5/11: not in progress.
    (A, 8, "direct", "2026-11-03T09:00", "2026-11-06", [("withdrawn", "2026-11-05T10:00")]),
    # B-1: new (direct), rejected on time.
    (B, 1, "direct", "2026-11-04T09:00", "2026-11-11", [("rejected", "2026-11-10T10:00")]),
    # B-2: carried over, paused since 21/10 (before its date 22/10): within, not waiting.
    (B, 2, "online", "2026-10-15T09:00", "2026-10-22", [("paused", "2026-10-21T10:00")]),
    # B-3: new (direct), due 25/11, returned 2/12 (after the period): past its date at the end,
    # although the agency gave a new date with a reason.
    (B, 3, "direct", "2026-11-20T09:00", "2026-11-25", [("returned", "2026-12-02T10:00")]),
    # B-4: received after the period.
    (B, 4, "direct", "2026-12-01T09:00", "2026-12-08", []),
]
# filed online on 28/11 and never accepted (code 1): not received.
REGISTERED = (A, 7, "online", "2026-11-28T19:00")

EXPECTED_A = {
    "received_total": 6,
    "received_new_online": 1,
    "received_new_direct": 2,
    "received_new_postal": 1,
    "carried_over": 2,
    "resolved_total": 2,
    "resolved_on_time": 1,
    "resolved_late": 1,
    "resolved_on_time_pct": 50.0,
    "in_progress_total": 3,
    "in_progress_within_deadline": 2,
    "in_progress_past_deadline": 1,
    "waiting_on_citizen": 1,
    "apologies_owed": 2,
    "apologies_with_reason": 1,
    "satisfaction": {
        "total": 2,
        "by_level": {
            "very_satisfied": {"count": 1, "pct": 50.0},
            "satisfied": {"count": 0, "pct": 0.0},
            "unsatisfied": {"count": 1, "pct": 50.0},
        },
    },
}
EXPECTED_B = {
    "received_total": 3,
    "received_new_online": 0,
    "received_new_direct": 2,
    "received_new_postal": 0,
    "carried_over": 1,
    "resolved_total": 1,
    "resolved_on_time": 1,
    "resolved_late": 0,
    "resolved_on_time_pct": 100.0,
    "in_progress_total": 2,
    "in_progress_within_deadline": 1,
    "in_progress_past_deadline": 1,
    "waiting_on_citizen": 0,
    "apologies_owed": 1,
    "apologies_with_reason": 1,
    "satisfaction": {
        "total": 1,
        "by_level": {
            "very_satisfied": {"count": 0, "pct": 0.0},
            "satisfied": {"count": 1, "pct": 100.0},
            "unsatisfied": {"count": 0, "pct": 0.0},
        },
    },
}
EXPECTED_TOTAL = {
    "received_total": 9,
    "received_new_online": 1,
    "received_new_direct": 4,
    "received_new_postal": 1,
    "carried_over": 3,
    "resolved_total": 3,
    "resolved_on_time": 2,
    "resolved_late": 1,
    "resolved_on_time_pct": 66.7,
    "in_progress_total": 5,
    "in_progress_within_deadline": 3,
    "in_progress_past_deadline": 2,
    "waiting_on_citizen": 1,
    "apologies_owed": 3,
    "apologies_with_reason": 2,
    "satisfaction": {
        "total": 3,
        "by_level": {
            "very_satisfied": {"count": 1, "pct": 33.3},
            "satisfied": {"count": 1, "pct": 33.3},
            "unsatisfied": {"count": 1, "pct": 33.3},
        },
    },
}


def _rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for agency, n, via, received, due, steps in DOSSIERS:
        base = {
            "receipt_code": _code(agency, n),
            "procedure_code": "1.001193",
            "procedure_name": "Đăng ký khai sinh",
            "applicant_name": "Phạm Minh Tâm",
            "received_at": received,
            "due_at": due,
            "status": "received",
            "status_at": received,
            "submitted_via": via,
            "agency": agency,
        }
        rows.append(base)
        for status, at in steps:
            extra: dict[str, Any] = {}
            if (agency, n) == (A, 3):
                extra = {"apology_reason": "Chờ xác minh nơi cư trú"}
            rows.append({**base, "status": status, "status_at": at, **extra})
        if (agency, n) == (B, 3):  # a new date and reason recorded before it was returned
            rows.insert(
                -1,
                {
                    **base,
                    "status": "processing",
                    "status_at": "2026-11-26T09:00",
                    "apology_reason": "Hệ thống gián đoạn",
                    "new_due_at": "2026-12-02",
                },
            )
    agency, n, via, received = REGISTERED
    rows.append(
        {
            "receipt_code": _code(agency, n),
            "procedure_code": "1.001193",
            "received_at": received,
            "status": "1",
            "status_at": received,
            "submitted_via": via,
            "agency": agency,
        }
    )
    return rows


async def seed_month(factory: SessionFactory) -> None:
    report = await Ingestor(factory, WorkCalendar()).ingest_rows(
        list(enumerate(_rows(), start=2)), NOW
    )
    assert report.rejected == [], report.rejected
    ratings = [
        ((A, 2), 3, "2026-11-05T10:00"),
        ((A, 3), 1, "2026-11-07T10:00"),
        ((B, 1), 2, "2026-11-11T10:00"),
        ((B, 3), 3, "2026-12-03T10:00"),  # after the period
    ]
    async with factory() as session, session.begin():
        for (agency, n), value, at in ratings:
            dossier = await dossiers_repo.get_by_code(session, _code(agency, n))
            assert dossier is not None and dossier.id is not None
            moment = datetime.fromisoformat(at + "+07:00")
            await ratings_repo.save_rating(
                session, dossier.id, "telegram", str(n), value=value, now=moment
            )
