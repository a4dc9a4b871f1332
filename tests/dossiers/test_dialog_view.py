"""The lookup answer: masked name, dates in Vietnam time, working days left/overdue, next step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from handlers.dossiers.calendar import WorkCalendar
from handlers.dossiers.view import AgencyInfo, mask_name, render_dossier

VN = timezone(timedelta(hours=7))
CAL = WorkCalendar()
AGENCY = AgencyInfo(
    contact="Bộ phận Một cửa xã, điện thoại 0243 000 111", collect_place="quầy số 3"
)


@dataclass
class Facts:
    receipt_code: str = "000.00.20.H56-261120-0007"
    procedure_name: str | None = "Đăng ký khai sinh"
    applicant_name: str | None = "Nguyễn Văn An"
    received_at: datetime = datetime(2026, 11, 20, 9, 30, tzinfo=VN)
    due_at: datetime | None = datetime(2026, 11, 30, 17, 0, tzinfo=VN)
    status: str = "processing"
    note: str | None = None
    apology_reason: str | None = None
    new_due_at: datetime | None = None
    applicant_phone: str | None = "0912345678"


NOW = datetime(2026, 11, 25, 10, 0, tzinfo=VN)  # a Wednesday


def render(facts: Facts, now: datetime = NOW) -> str:
    return render_dossier(facts, now=now, working_days=CAL.working_days_between, agency=AGENCY)


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Nguyễn Văn An", "N*** V** A"),
        ("Trần Thị Bích Ngọc", "T*** T** B*** N"),
        ("  lê   hà ", "L* H"),
        ("Madonna", "M***"),
        ("", "***"),
        (None, "***"),
    ],
)
def test_mask_name(name: str | None, masked: str) -> None:
    assert mask_name(name) == masked


def test_found_dossier_shows_status_dates_and_days_left() -> None:
    text = render(Facts())
    assert "000.00.20.H56-261120-0007" in text
    assert "Đăng ký khai sinh" in text
    assert "N*** V** A" in text and "Nguyễn" not in text
    assert "Đang xử lý" in text
    assert "20/11/2026" in text and "30/11/2026" in text
    # Thu 26, Fri 27, Mon 30.
    assert "Còn 3 ngày làm việc" in text
    for digits in ("0912345678", "5678", "345"):
        assert digits not in text


def test_dates_are_in_vietnam_time() -> None:
    # 18:00 UTC on the 19th is 01:00 on the 20th in Hà Nội.
    text = render(Facts(received_at=datetime(2026, 11, 19, 18, 0, tzinfo=UTC)))
    assert "Ngày tiếp nhận: 20/11/2026" in text


def test_days_left_skip_public_holidays() -> None:
    now = datetime(2026, 12, 30, 10, 0, tzinfo=VN)
    facts = Facts(due_at=datetime(2027, 1, 4, 17, 0, tzinfo=VN))
    # Thu 31 Dec and Mon 4 Jan; 1 Jan is New Year's Day.
    assert "Còn 2 ngày làm việc" in render(facts, now)


def test_due_today() -> None:
    facts = Facts(due_at=datetime(2026, 11, 25, 17, 0, tzinfo=VN))
    assert "Hôm nay là ngày hẹn trả kết quả" in render(facts)


def test_overdue_counts_working_days_and_apologises() -> None:
    facts = Facts(due_at=datetime(2026, 11, 20, 17, 0, tzinfo=VN), apology_reason="Chờ xác minh")
    text = render(facts)
    # Mon 23 and Wed 25: Tue 24 November is Vietnam Culture Day, a holiday from 2026.
    assert "quá hạn 2 ngày làm việc" in text
    assert "xin lỗi" in text
    assert "Lý do chậm trả: Chờ xác minh" in text


def test_overdue_later_the_same_day() -> None:
    facts = Facts(due_at=datetime(2026, 11, 25, 8, 0, tzinfo=VN))
    text = render(facts)
    assert "đã quá thời hạn hẹn trả" in text


def test_new_due_date_counts_instead_of_the_old_one() -> None:
    facts = Facts(
        due_at=datetime(2026, 11, 20, 17, 0, tzinfo=VN),
        new_due_at=datetime(2026, 11, 27, 17, 0, tzinfo=VN),
        apology_reason="Hệ thống liên thông gián đoạn",
    )
    text = render(facts)
    assert "Ngày hẹn trả mới: 27/11/2026" in text
    assert "Còn 2 ngày làm việc" in text
    assert "quá hạn" not in text


def test_finished_dossiers_have_no_countdown() -> None:
    facts = Facts(status="returned", due_at=datetime(2026, 11, 1, 17, 0, tzinfo=VN))
    text = render(facts)
    assert "quá hạn" not in text and "Còn" not in text
    assert "Đã trả kết quả" in text


@pytest.mark.parametrize(
    ("status", "note", "expected"),
    [
        ("supplement_required", "Bản sao giấy chứng sinh", "Bản sao giấy chứng sinh"),
        ("supplement_required", None, "0243 000 111"),
        ("financial_obligation", "Lệ phí 8.000 đồng", "nộp phí, lệ phí"),
        ("result_ready", None, "quầy số 3"),
        ("rejected", "Không thuộc thẩm quyền", "Lý do: Không thuộc thẩm quyền"),
        ("rejected", None, "Lý do: cơ quan chưa ghi chi tiết"),
        ("received", None, "chưa cần làm gì thêm"),
    ],
)
def test_next_step_per_status(status: str, note: str | None, expected: str) -> None:
    text = render(Facts(status=status, note=note))
    assert "Việc cần làm:" in text
    assert expected in text


def test_unknown_status_word_is_not_shown_raw() -> None:
    text = render(Facts(status="weird_state"))
    assert "weird_state" not in text
    assert "Đang cập nhật" in text


def test_procedure_title_drops_the_repeated_word() -> None:
    from handlers.dossiers.view import procedure_title

    assert procedure_title("Thủ tục đăng ký khai sinh") == "Đăng ký khai sinh"
    assert procedure_title("THỦ TỤC cấp bản sao") == "Cấp bản sao"
    assert procedure_title("Cấp giấy phép xây dựng") == "Cấp giấy phép xây dựng"
    assert procedure_title(None) == "(chưa rõ tên thủ tục)"
