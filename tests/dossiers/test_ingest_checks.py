"""Ingest data that stays true: no future events, bounded texts, the whole file's encoding read
before anything is stored (UTF-8 or Windows-1258), no date that reads two ways."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from handlers.dossiers.calendar import WorkCalendar
from handlers.dossiers.file_encoding import CP1258, UTF8, EncodingProblem, detect
from handlers.dossiers.ingest import Ingestor, read_file
from handlers.dossiers.ingest_checks import DateOrder
from storage import dossiers_repo
from storage.engine import SessionFactory

VN = timezone(timedelta(hours=7))
NOW = datetime(2026, 3, 5, 10, 0, tzinfo=VN).astimezone(UTC)
CAL = WorkCalendar()
CODE = "000.00.20.H56-260302-0001"
HEADER = "receipt_code,applicant_name,status,received_at,due_at,note\n"


def cp1258(text: str) -> bytes:
    """``text`` as Vietnamese office software writes Windows-1258: base letters with their
    circumflex, breve or horn precomposed, tone marks as combining characters."""
    out = []
    for char in text:
        try:
            out.append(char.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", char)
        for n in range(len(marks), -1, -1):
            head = unicodedata.normalize("NFC", base + "".join(marks[:n]))
            try:
                out.append((head + "".join(marks[n:])).encode("cp1258"))
                break
            except UnicodeEncodeError:
                continue
    return b"".join(out)


def _row(n: int, **extra: object) -> dict[str, object]:
    row: dict[str, object] = {
        "receipt_code": f"000.00.20.H56-260302-{n:04d}",
        "applicant_name": "Nguyễn Văn An",
        "status": "processing",
        "received_at": "2026-03-02T09:00:00+07:00",
        "due_at": "2026-03-10",
    }
    row.update(extra)
    return row


async def _ingest(factory: SessionFactory, *rows: dict[str, object], **kw: object):  # type: ignore[no-untyped-def]
    ingestor = Ingestor(factory, CAL, **kw)  # type: ignore[arg-type]
    return await ingestor.ingest_rows(list(enumerate(rows, start=2)), NOW)


async def test_events_in_the_future_are_refused(session_factory: SessionFactory) -> None:
    report = await _ingest(
        session_factory,
        _row(1, status_at="2099-01-01T00:00:00+07:00"),
        _row(2, received_at="2026-03-05T10:20:00+07:00"),  # 20 minutes ahead
        _row(3, status_at="2026-03-05T10:04:00+07:00"),  # within the clocks' skew
        _row(4, status_at="2026-03-05T10:00:00"),  # no offset: Vietnam's time, now
    )
    reasons = {r.line: (r.reason, r.field) for r in report.rejected}
    assert reasons == {2: ("in_future", "status_at"), 3: ("received_in_future", "received_at")}
    assert report.accepted == 2
    assert all("múi giờ" in r.message for r in report.rejected)
    ingestor = Ingestor(session_factory, CAL)
    added, problem = await ingestor.ingest_event(
        "000.00.20.H56-260302-0003", {"status": "result_ready", "at": "2099-01-01"}, NOW
    )
    assert not added and problem is not None and problem.reason == "in_future"
    async with session_factory() as session:
        dossier = await dossiers_repo.get_by_code(session, "000.00.20.H56-260302-0003")
    assert dossier is not None and dossier.status == "processing"


async def test_every_text_field_is_bounded_with_a_reason(session_factory: SessionFactory) -> None:
    huge = "Bổ sung bản sao. " * 300_000  # 5 MB
    report = await _ingest(
        session_factory,
        _row(1, note=huge),
        _row(2, apology_reason="x" * 501),
        _row(3, applicant_name="A" * 201),
        _row(4, agency="B" * 301),
        _row(5, note="Bản sao giấy chứng sinh"),
        _row(6, status={"nested": ["x"] * 100}),
    )
    got = {r.line: (r.reason, r.field) for r in report.rejected}
    assert got == {
        2: ("too_long", "note"),
        3: ("too_long", "apology_reason"),
        4: ("too_long", "applicant_name"),
        5: ("too_long", "agency"),
        7: ("too_long", "status"),
    }
    assert "tối đa 1000 ký tự" in report.rejected[0].message
    assert report.accepted == 1
    ingestor = Ingestor(session_factory, CAL)
    _, problem = await ingestor.ingest_event(
        "000.00.20.H56-260302-0005", {"status": "paused", "note": huge}, NOW
    )
    assert problem is not None and (problem.reason, problem.field) == ("too_long", "note")


async def test_ambiguous_dates_need_a_date_format(session_factory: SessionFactory) -> None:
    rows = (
        _row(1, received_at="2/3/2026 09:00"),  # 2 March or 3 February?
        _row(2, received_at="13/2/2026"),  # only one reading: 13 February
        _row(3, received_at="3/3/2026"),  # the same either way
        _row(4, received_at="2/13/2026"),  # no 13th month
    )
    report = await _ingest(session_factory, *rows)
    reasons = {r.line: r.reason for r in report.rejected}
    assert reasons == {2: "ambiguous_date", 5: "bad_datetime"}
    assert "--date-format" in report.rejected[0].message
    day_first = await _ingest(session_factory, rows[0], date_order=DateOrder.DAY_FIRST)
    month_first = await _ingest(
        session_factory, _row(9, received_at="2/3/2026 09:00"), date_order=DateOrder.MONTH_FIRST
    )
    assert day_first.accepted == month_first.accepted == 1
    async with session_factory() as session:
        march = await dossiers_repo.get_by_code(session, "000.00.20.H56-260302-0001")
        february = await dossiers_repo.get_by_code(session, "000.00.20.H56-260302-0009")
        thirteenth = await dossiers_repo.get_by_code(session, "000.00.20.H56-260302-0002")
    assert (
        march is not None and march.received_at.astimezone(VN).date().isoformat() == "2026-03-02"
    )
    assert february is not None
    assert february.received_at.astimezone(VN).date().isoformat() == "2026-02-03"
    assert thirteenth is not None
    assert thirteenth.received_at.astimezone(VN).date().isoformat() == "2026-02-13"


def test_encoding_is_decided_over_the_whole_file(tmp_path: Path) -> None:
    utf8 = tmp_path / "utf8.csv"
    utf8.write_text(HEADER + f"{CODE},Nguyễn Văn An,4,2026-03-02,,\n", encoding="utf-8")
    assert detect(utf8) == UTF8
    cp = tmp_path / "cp1258.csv"
    cp.write_bytes(cp1258(HEADER + f"{CODE},Nguyễn Văn Ấn,4,2026-03-02,,\n"))
    assert detect(cp) == CP1258
    mixed = tmp_path / "mixed.csv"
    good = "".join(
        f"000.00.20.H56-260302-{n:04d},Nguyễn Văn An,4,2026-03-02,,\n" for n in range(1, 6001)
    )
    tail = cp1258("000.00.20.H56-260302-9999,Trần Thị Bình,4,2026-03-02,,\n")
    mixed.write_bytes((HEADER + good).encode("utf-8") + tail)
    with pytest.raises(EncodingProblem) as caught:
        detect(mixed)
    assert (caught.value.reason, caught.value.line) == ("mixed", 6002)
    binary = tmp_path / "image.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x81\x8d\x8f\x90\x9d")
    with pytest.raises(EncodingProblem) as caught:
        detect(binary)
    assert caught.value.reason == "not_text"
    jsonl = tmp_path / "rows.jsonl"
    jsonl.write_bytes(cp1258(json.dumps({"applicant_name": "Ấn"}, ensure_ascii=False)))
    with pytest.raises(EncodingProblem):
        detect(jsonl, allow_cp1258=False)


def test_windows_1258_rows_read_as_composed_vietnamese(tmp_path: Path) -> None:
    path = tmp_path / "cp1258.csv"
    text = HEADER + f"{CODE},Nguyễn Thị Ánh Tuyết,4,2026-03-02,,Bổ sung giấy tờ\n"
    path.write_bytes(cp1258(text))
    rows = list(read_file(path))
    assert len(rows) == 1
    _, row = rows[0]
    assert not isinstance(row, Exception)
    assert row["applicant_name"] == "Nguyễn Thị Ánh Tuyết"  # NFC, as typed in UTF-8
    assert row["note"] == "Bổ sung giấy tờ"


def test_a_file_that_changes_encoding_stores_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("MOTCUA_DATABASE__URL", url)
    path = tmp_path / "export.csv"
    good = "".join(
        f"000.00.20.H56-260302-{n:04d},Nguyễn Văn An,4,2026-03-02,2026-03-10,\n"
        for n in range(1, 2001)
    )
    tail = "000.00.20.H56-260302-9999,Trần Thị Bình,4,2026-03-02,2026-03-10,\n"
    path.write_bytes((HEADER + good).encode("utf-8") + cp1258(tail))
    assert main(["db", "upgrade"]) == 0
    assert main(["dossiers", "import", str(path), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "dòng 2002" in err and "Chưa nhập dòng nào" in err

    import asyncio

    from storage.engine import create_engine, session_factory

    async def count() -> int:
        engine = create_engine(url)
        try:
            async with session_factory(engine)() as session:
                found = await dossiers_repo.get_many_by_codes(
                    session, [f"000.00.20.H56-260302-{n:04d}" for n in range(1, 2001)]
                )
            return len(found)
        finally:
            await engine.dispose()

    assert asyncio.run(count()) == 0  # not one of the 2,000 good rows before it was stored

    path.write_bytes(cp1258(HEADER + good + tail))
    assert main(["dossiers", "import", str(path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "Windows-1258" in out and "accepted): 2001" in out
    assert main(["dossiers", "import", str(path), "--no-progress", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["encoding"] == "Windows-1258"


def test_date_format_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.setenv("MOTCUA_DATABASE__URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    path = tmp_path / "dates.csv"
    path.write_text(HEADER + f"{CODE},Nguyễn Văn An,4,2/3/2026,10/3/2026,\n", encoding="utf-8")
    assert main(["dossiers", "import", str(path), "--no-progress", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [r["reason"] for r in report["rejected"]] == ["ambiguous_date"]
    args = ["dossiers", "import", str(path), "--no-progress", "--json"]
    assert main([*args, "--date-format", "dd/mm/yyyy"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["accepted"] == 1 and report["encoding"] == "UTF-8"
