"""Ingest: per-row validation with reasons, idempotency, status events (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from handlers.dossiers.calendar import WorkCalendar
from handlers.dossiers.ingest import Ingestor, RowError, read_csv, read_file, read_jsonl
from knowledge.model import Procedure, SubmissionWay
from storage import dossiers_repo
from storage.engine import SessionFactory

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
CAL = WorkCalendar()
CODE = "000.00.20.H56-260302-0001"


class FakeKB:
    def __init__(self) -> None:
        self.procedures = {
            "1.001193": Procedure(
                code="1.001193",
                name="Đăng ký khai sinh",
                ways=(SubmissionWay(way="Trực tiếp", time="03 Ngày làm việc"),),
            ),
            "2.000001": Procedure(code="2.000001", name="Không rõ thời hạn"),
        }

    def get(self, code: str) -> Procedure | None:
        return self.procedures.get(code)


def _row(**extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "receipt_code": "000.00.20.h56 260302 0001",
        "procedure_code": "1.001193",
        "applicant_name": "Trần Thị Bình",
        "applicant_phone": "+84 912 345 678",
        "received_at": "2026-03-02T09:00:00",
        "due_at": "",
        "status": "2",
        "status_at": "2026-03-02T09:00:00+07:00",
        "submitted_via": "online",
        "agency": "UBND phường Lộc Thọ",
        "note": "",
        "apology_reason": "",
        "new_due_at": "",
    }
    row.update(extra)
    return row


def _numbered(
    *rows: Mapping[str, Any] | RowError,
) -> list[tuple[int, Mapping[str, Any] | RowError]]:
    return [(i + 2, r) for i, r in enumerate(rows)]


async def test_good_row_is_stored_normalised(session_factory: SessionFactory) -> None:
    ingestor = Ingestor(session_factory, CAL, FakeKB())
    report = await ingestor.ingest_rows(_numbered(_row()), NOW)
    assert (report.accepted, report.created, report.events_added) == (1, 1, 1)
    assert report.rejected == []
    async with session_factory() as session:
        dossier = await dossiers_repo.get_by_code(session, CODE)
        assert dossier is not None
        assert dossier.applicant_phone == "0912345678"
        assert dossier.status == "received"
        assert dossier.procedure_name == "Đăng ký khai sinh"
        assert dossier.submitted_via == "online"
        # Due computed from "03 Ngày làm việc": Mon 2/3 + 3 working days = Thu 5/3 17:00.
        assert dossier.due_at == datetime(2026, 3, 5, 17, 0, tzinfo=VN)
        assert dossier.received_at == datetime(2026, 3, 2, 9, 0, tzinfo=VN)


async def test_same_row_twice_adds_nothing_and_status_change_adds_event(
    session_factory: SessionFactory,
) -> None:
    ingestor = Ingestor(session_factory, CAL, FakeKB())
    await ingestor.ingest_rows(_numbered(_row()), NOW)
    again = await ingestor.ingest_rows(_numbered(_row()), NOW)
    assert (again.accepted, again.created, again.updated, again.events_added) == (1, 0, 1, 0)
    changed = await ingestor.ingest_rows(
        _numbered(_row(status="processing", status_at="2026-03-03T10:00:00+07:00")), NOW
    )
    assert changed.events_added == 1
    # An older status arriving late is history only: current status stays "processing".
    late = await ingestor.ingest_rows(
        _numbered(_row(status="received", status_at="2026-03-02T10:00:00+07:00")), NOW
    )
    assert late.events_added == 1
    async with session_factory() as session:
        dossier = await dossiers_repo.get_by_code(session, CODE)
        assert dossier is not None
        assert dossier.status == "processing"
        events = await dossiers_repo.list_events(session, dossier.id or 0)
    assert [e.status for e in events] == ["received", "received", "processing"]


async def test_bad_rows_are_rejected_with_reasons_and_good_ones_kept(
    session_factory: SessionFactory,
) -> None:
    ingestor = Ingestor(session_factory, CAL, FakeKB())
    rows = _numbered(
        _row(),
        _row(receipt_code="", status="2"),
        _row(receipt_code="000.00.20.H56-260302-0002", received_at="02-03-2026 9h"),
        _row(receipt_code="000.00.20.H56-260302-0003", status="done"),
        _row(receipt_code="000.00.20.H56-260302-0004", applicant_phone="12345"),
        _row(receipt_code="1.001193"),
        _row(receipt_code="000.00.20.H56-260302-0005", procedure_code="2.000001"),
        RowError("malformed_row"),
        _row(receipt_code="000.00.20.H56-260302-0006", due_at="2026-03-01"),
        _row(receipt_code="000.00.20.H56-260302-0007", status="10", due_at="2026-03-20"),
        _row(receipt_code="000.00.20.H56-260302-0008", received_at="2027-03-02T09:00"),
    )
    report = await ingestor.ingest_rows(rows, NOW)
    reasons = {r.line: r.reason for r in report.rejected}
    assert reasons == {
        3: "missing_receipt_code",
        4: "bad_datetime",
        5: "unknown_status",
        6: "bad_phone",
        7: "malformed_receipt_code",
        8: "due_unknown",
        9: "malformed_row",
        10: "due_before_received",
        12: "received_in_future",
    }
    assert all(r.message for r in report.rejected)
    assert report.accepted == 2
    async with session_factory() as session:
        kept = await dossiers_repo.get_many_by_codes(
            session, [CODE, "000.00.20.H56-260302-0007", "000.00.20.H56-260302-0003"]
        )
    assert sorted(kept) == [CODE, "000.00.20.H56-260302-0007"]
    assert kept["000.00.20.H56-260302-0007"].status == "returned"


async def test_status_event_endpoint_logic(session_factory: SessionFactory) -> None:
    ingestor = Ingestor(session_factory, CAL, FakeKB())
    await ingestor.ingest_rows(_numbered(_row()), NOW)
    event = {
        "status": 5,
        "at": "2026-03-04T08:00:00+07:00",
        "note": "Bổ sung bản sao giấy chứng sinh",
    }
    added, problem = await ingestor.ingest_event("000 00 20 h56 260302 0001", event, NOW)
    assert (added, problem) == (True, None)
    added, problem = await ingestor.ingest_event(CODE, event, NOW)
    assert (added, problem) == (False, None)
    timeless = {"status": "supplement_required"}
    assert await ingestor.ingest_event(CODE, timeless, NOW) == (False, None)
    _, unknown = await ingestor.ingest_event("000.00.20.H56-260302-0099", event, NOW)
    assert unknown is not None
    assert unknown.reason == "unknown_dossier"
    _, bad = await ingestor.ingest_event(CODE, {"status": "later"}, NOW)
    assert bad is not None
    assert bad.reason == "unknown_status"
    async with session_factory() as session:
        dossier = await dossiers_repo.get_by_code(session, CODE)
    assert dossier is not None
    assert dossier.status == "supplement_required"
    assert dossier.note == "Bổ sung bản sao giấy chứng sinh"


def test_readers_number_lines_and_flag_malformed_rows(tmp_path: Path) -> None:
    csv_path = tmp_path / "d.csv"
    csv_path.write_text(
        "\ufeffReceipt_Code, status ,received_at\n"
        "A,2,2026-03-02\n"
        "B,2\n"
        'C,"2",2026-03-02,extra\n'
        '"D","multi\nline",2026-03-02\n'
        "E,4,2026-03-03\n",
        encoding="utf-8",
    )
    rows = list(read_csv(csv_path))
    assert [line for line, _ in rows] == [2, 3, 4, 6, 7]
    assert isinstance(rows[1][1], RowError)
    assert isinstance(rows[2][1], RowError)
    first = rows[0][1]
    assert not isinstance(first, RowError)
    assert first["receipt_code"] == "A"
    jsonl = tmp_path / "d.jsonl"
    jsonl.write_text(json.dumps({"receipt_code": "A"}) + "\n\n{broken\n[1, 2]\n", encoding="utf-8")
    parsed = list(read_file(jsonl))
    assert [line for line, _ in parsed] == [1, 3, 4]
    assert [r.reason for _, r in parsed if isinstance(r, RowError)] == [
        "malformed_json",
        "not_an_object",
    ]
    assert list(read_jsonl(jsonl))[0][1] == {"receipt_code": "A"}
