"""``motcua report --from --to [--json]`` on SQLite and PostgreSQL: Vietnamese days taken
inclusively, Vietnamese labels for staff, stable English keys in JSON."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.bootstrap import Services
from bot.cli import main
from bot.cli.report import period
from handlers.messages import Incoming
from storage import ratings_repo
from storage.engine import SessionFactory
from storage.models import Dossier, OutboxMessage, UsageEvent

VN = ZoneInfo("Asia/Ho_Chi_Minh")
FIRST = datetime.combine(date(2026, 11, 1), time.min, VN)  # 31 Oct 17:00 UTC
LAST = datetime.combine(date(2026, 11, 30), time(23, 59, 59), VN)


def test_a_period_of_vietnamese_days_in_utc() -> None:
    start, end = period(date(2026, 11, 1), date(2026, 11, 30), "Asia/Ho_Chi_Minh")
    assert start.astimezone(UTC) == datetime(2026, 10, 31, 17, 0, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    one_day = period(date(2026, 11, 5), date(2026, 11, 5), "Asia/Ho_Chi_Minh")
    assert one_day[1] - one_day[0] == timedelta(days=1)


async def _seed(session_factory: SessionFactory) -> None:
    async with session_factory() as session, session.begin():
        for at, kind in [
            (FIRST, "question_answered"),
            (LAST, "question_answered"),
            (FIRST - timedelta(seconds=1), "question_answered"),  # 31 Oct in Vietnam
            (LAST + timedelta(seconds=1), "question_answered"),  # 1 Dec in Vietnam
            (FIRST + timedelta(days=3), "question_abstained"),
            (FIRST + timedelta(days=3), "lookup_attempt"),
        ]:
            session.add(
                UsageEvent(at=at, channel="telegram", kind=kind, procedure_code="1.001193")
            )
        dossier = Dossier(
            receipt_code="000.00.20.H56-261105-0001",
            applicant_name="Trần Thị Bình",
            received_at=FIRST + timedelta(days=4),
            due_at=FIRST + timedelta(days=400),
            status="processing",
            status_at=FIRST + timedelta(days=4),
        )
        session.add(dossier)
        await session.flush()
        assert dossier.id is not None
        session.add(
            OutboxMessage(
                key=f"{dossier.id}:status:1:telegram:42",
                dossier_id=dossier.id,
                rule="status",
                channel="telegram",
                recipient="42",
                body="{}",
                status="sent",
                created_at=FIRST + timedelta(days=4),
                sent_at=FIRST + timedelta(days=4),
            )
        )
        await ratings_repo.save_rating(
            session, dossier.id, "zalo", "z1", value=3, now=FIRST + timedelta(days=5)
        )


async def _cli(argv: list[str]) -> int:
    # The command runs its own event loop (asyncio.run): give it a thread of its own.
    return await asyncio.to_thread(main, argv)


@pytest.fixture
def report_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MOTCUA_DATABASE__URL", db_url)
    return db_url


async def test_json_has_stable_keys_and_counts_both_end_days(
    report_db: str,
    session_factory: SessionFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _seed(session_factory)
    assert await _cli(["report", "--from", "2026-11-01", "--to", "2026-11-30", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {
        "from",
        "to",
        "questions",
        "lookups",
        "subscriptions",
        "dossiers",
        "notifications",
        "ratings",
        "one_stop",
    }
    assert (report["from"], report["to"]) == ("2026-11-01", "2026-11-30")
    assert report["questions"]["answered"] == 2
    assert report["questions"]["abstained"] == 1
    assert report["questions"]["asked"] == 3
    assert report["lookups"]["typed_codes"] == 1
    assert report["dossiers"]["received"] == 1
    assert report["dossiers"]["by_status"] == {"processing": 1}
    assert report["ratings"] == {"count": 1, "average": 3.0, "by_value": {"3": 1}}
    # One day only: the last moment of 30 Nov is in, the first of 1 Dec is not.
    assert await _cli(["report", "--from", "2026-11-30", "--to", "2026-11-30", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["questions"]["answered"] == 1


async def test_text_is_vietnamese_for_staff(
    report_db: str,
    session_factory: SessionFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _seed(session_factory)
    assert await _cli(["report", "--from", "2026-11-01", "--to", "2026-11-30"]) == 0
    out = capsys.readouterr().out
    assert "từ 01/11/2026 đến 30/11/2026" in out
    assert "Câu hỏi về thủ tục:" in out
    assert "  Trả lời bằng một thủ tục: 2" in out
    assert "  Tiếp nhận trong kỳ: 1" in out
    assert "    Đang xử lý: 1" in out  # the status in words, not "processing"
    assert "    Rất hài lòng: 1" in out
    assert "  Điểm trung bình: 3,00" in out
    assert "    Thay đổi trạng thái hồ sơ:\n      Telegram:\n        Đã gửi: 1\n" in out
    assert "processing" not in out and "questions" not in out
    # A period with nothing in it: empty breakdowns show a dash, not a dangling heading.
    assert await _cli(["report", "--from", "2025-01-01", "--to", "2025-01-31"]) == 0
    empty = capsys.readouterr().out
    assert "  Theo trạng thái hiện nay: —" in empty
    assert "  Điểm trung bình: —" in empty


async def test_a_period_that_ends_before_it_starts_is_refused(
    report_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await _cli(["report", "--from", "2026-11-30", "--to", "2026-11-01"]) == 2
    captured = capsys.readouterr()
    assert "--to" in captured.err and captured.out == ""


async def test_messages_through_the_served_assistant_reach_the_report(
    db_services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    # db_services points MOTCUA_DATABASE__URL at the same database the CLI then reads.
    web = "web"
    await db_services.assistant.handle(Incoming(web, "u1", text="sửa máy giặt ở đâu"))
    await db_services.assistant.handle(Incoming(web, "u2", payload="p_1-001193"))
    await db_services.assistant.handle(Incoming(web, "u3", text="mã 000.00.20.H56-210615-0009"))
    assert db_services.usage is not None
    await db_services.usage.flush()
    today = datetime.now(VN).date().isoformat()
    assert await _cli(["report", "--from", today, "--to", today, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["questions"]["abstained"] == 1
    assert report["questions"]["procedures_opened"] == 1
    assert report["lookups"]["typed_codes"] == 1


async def test_one_stop_table_json_agency_and_xlsx_read_back(
    report_db: str,
    session_factory: SessionFactory,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    from one_stop_support import EXPECTED_A, EXPECTED_B, EXPECTED_TOTAL, A, B, seed_month
    from openpyxl import load_workbook

    await seed_month(session_factory)
    out = tmp_path / "bao-cao" / "thang-11.xlsx"
    argv = ["report", "--from", "2026-11-01", "--to", "2026-11-30"]
    assert await _cli([*argv, "--json", "--xlsx", str(out)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["one_stop"] == EXPECTED_TOTAL
    assert str(out) in captured.err
    assert await _cli([*argv, "--json", "--agency", A]) == 0
    only_a = json.loads(capsys.readouterr().out)
    assert only_a["one_stop"] == EXPECTED_A and only_a["agency"] == A

    ws = load_workbook(out).active
    assert ws is not None and ws.title == "Kết quả giải quyết TTHC"
    cells = {(c.row, c.column): c.value for row in ws.iter_rows() for c in row}
    assert "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in str(cells[(1, 1)])
    assert cells[(2, 1)] == "Kỳ báo cáo: từ ngày 01/11/2026 đến ngày 30/11/2026"
    head = [cells.get((4, c)) for c in range(1, 20)]
    sub = [cells.get((5, c)) for c in range(1, 20)]
    assert head[:3] == ["STT", "Cơ quan, đơn vị", "Số hồ sơ nhận giải quyết"]
    col = {name: sub.index(name) + 1 for name in ("Kỳ trước chuyển qua", "Trả quá hạn")}
    pct = sub.index("Tỷ lệ đúng hạn") + 1
    rows = {cells.get((r, 2)): r for r in range(6, 9)}
    assert list(rows) == [A, B, "Tổng cộng"]  # one row per agency, then the total
    for name, expected in ((A, EXPECTED_A), (B, EXPECTED_B), ("Tổng cộng", EXPECTED_TOTAL)):
        r = rows[name]
        assert cells[(r, 3)] == expected["received_total"]
        assert cells[(r, col["Kỳ trước chuyển qua"])] == expected["carried_over"]
        assert cells[(r, col["Trả quá hạn"])] == expected["resolved_late"]
        assert cells[(r, pct)] == round(expected["resolved_on_time_pct"] / 100, 3)
        assert ws.cell(row=r, column=pct).number_format == "0.0%"
    # The satisfaction table beside it.
    sat = next(c for (r, c), v in cells.items() if v == "Mức độ hài lòng của người dân")
    assert sat > 3 + len([x for x in sub if x])
    levels = {cells.get((r, sat)): cells.get((r, sat + 1)) for r in range(6, 10)}
    assert levels == {"Rất hài lòng": 1, "Hài lòng": 1, "Không hài lòng": 1, "Tổng cộng": 3}


async def test_text_report_names_the_one_stop_figures_in_vietnamese(
    report_db: str,
    session_factory: SessionFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from one_stop_support import seed_month

    await seed_month(session_factory)
    assert await _cli(["report", "--from", "2026-11-01", "--to", "2026-11-30"]) == 0
    out = capsys.readouterr().out
    assert "Kết quả giải quyết thủ tục hành chính:" in out
    assert "  Số hồ sơ nhận giải quyết: 9" in out
    assert "  Tỷ lệ đúng hạn (%): 66,70" in out
    assert "  Chờ người dân bổ sung, nộp nghĩa vụ tài chính: 1" in out
    assert "received_total" not in out and "one_stop" not in out


async def test_db_tally_counts_dossiers_a_bulk_load_left_out(
    report_db: str,
    session_factory: SessionFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sqlalchemy import delete, select, update
    from sqlmodel import col

    from storage import one_stop_repo
    from storage.one_stop_tally import OneStopTally

    await _seed(session_factory)
    async with session_factory() as session, session.begin():  # as a COPY would leave them
        await session.execute(update(Dossier).values(one_stop_facts=None))
        await session.execute(delete(OneStopTally))
    async with session_factory() as session:
        before = await one_stop_repo.one_stop(session, FIRST, FIRST + timedelta(days=30))
        assert before == await one_stop_repo.one_stop(
            session, FIRST, FIRST + timedelta(days=30), direct=True
        )  # counted from its row meanwhile
    assert await _cli(["db", "tally"]) == 0
    assert "One-stop tally rebuilt (1 dossiers" in capsys.readouterr().out
    async with session_factory() as session:
        facts = (await session.execute(select(col(Dossier.one_stop_facts)))).scalars().all()
        after = await one_stop_repo.one_stop(session, FIRST, FIRST + timedelta(days=30))
    assert all(facts) and after == before
