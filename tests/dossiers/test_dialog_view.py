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
    accepted_at: datetime | None = datetime(2026, 11, 20, 9, 30, tzinfo=VN)
    due_at: datetime | None = datetime(2026, 11, 30, 17, 0, tzinfo=VN)
    clock_stopped_at: datetime | None = None
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


def test_late_counts_working_days_and_apologises() -> None:
    facts = Facts(due_at=datetime(2026, 11, 20, 17, 0, tzinfo=VN), apology_reason="Chờ xác minh")
    text = render(facts)
    # Mon 23 and Wed 25: Tue 24 November is Vietnam Culture Day, a holiday from 2026.
    assert "trễ hẹn 2 ngày làm việc" in text
    assert "xin lỗi" in text
    assert "Lý do trễ hẹn: Chờ xác minh" in text
    assert "phiếu xin lỗi và hẹn lại ngày trả kết quả" in text  # the letter follows


def test_late_later_the_same_day() -> None:
    facts = Facts(due_at=datetime(2026, 11, 25, 8, 0, tzinfo=VN))
    text = render(facts)
    assert "Hồ sơ đã trễ hẹn trả kết quả" in text


def test_a_new_date_does_not_hide_that_the_dossier_is_late() -> None:
    facts = Facts(
        due_at=datetime(2026, 11, 20, 17, 0, tzinfo=VN),
        new_due_at=datetime(2026, 11, 27, 17, 0, tzinfo=VN),
        apology_reason="Hệ thống liên thông gián đoạn",
    )
    text = render(facts)
    assert "Hẹn trả kết quả: 20/11/2026" in text
    assert "Ngày hẹn trả mới: 27/11/2026" in text
    assert "trễ hẹn so với ngày hẹn 20/11/2026" in text and "27/11/2026" in text
    assert "Lý do trễ hẹn: Hệ thống liên thông gián đoạn" in text
    assert "Còn 2 ngày làm việc đến ngày hẹn trả mới" in text


def test_late_twice_names_both_dates_and_promises_nothing() -> None:
    facts = Facts(
        due_at=datetime(2026, 11, 13, 17, 0, tzinfo=VN),
        new_due_at=datetime(2026, 11, 20, 17, 0, tzinfo=VN),
        apology_reason="Chờ ý kiến Sở Tư pháp",
    )
    text = render(facts)
    assert "quá cả ngày hẹn 13/11/2026 và ngày hẹn lại 20/11/2026" in text
    assert "Còn" not in text


def test_a_date_rescheduled_ahead_is_told_without_calling_it_late() -> None:
    facts = Facts(
        new_due_at=datetime(2026, 12, 4, 17, 0, tzinfo=VN), apology_reason="Chờ xác minh"
    )
    text = render(facts)
    assert "Cơ quan đã hẹn lại ngày trả kết quả là 04/12/2026" in text
    assert "trễ hẹn" not in text and "Còn 3 ngày làm việc đến ngày hẹn trả kết quả" in text


@pytest.mark.parametrize(
    ("status", "says"),
    [
        ("supplement_required", "chờ ông/bà bổ sung hồ sơ"),
        ("financial_obligation", "chờ ông/bà thực hiện nghĩa vụ tài chính"),
        ("paused", "trong thời gian hồ sơ dừng xử lý"),
    ],
)
def test_a_stopped_clock_is_never_late_and_says_what_resumes_it(status: str, says: str) -> None:
    # Due on the 20th, stopped on the 18th: a week later nothing is late.
    facts = Facts(
        status=status,
        due_at=datetime(2026, 11, 20, 17, 0, tzinfo=VN),
        clock_stopped_at=datetime(2026, 11, 18, 10, 0, tzinfo=VN),
        note="Bản sao sổ hộ khẩu",
    )
    text = render(facts)
    assert "trễ" not in text and "quá hạn" not in text and "xin lỗi" not in text
    assert f"Thời hạn giải quyết tạm dừng từ ngày 18/11/2026, {says}" in text
    assert "thời hạn được tính tiếp (còn 2 ngày làm việc)" in text  # Thu 19, Fri 20
    assert "Hẹn trả kết quả" not in text  # the date will move: not shown as if fixed
    restart = render_dossier(
        facts,
        now=NOW,
        working_days=CAL.working_days_between,
        agency=AgencyInfo(supplement_clock="restart"),
    )
    if status == "supplement_required":
        assert "được tính lại từ đầu" in restart
    else:  # only a supplement restarts; a fee or a pause resumes
        assert "(còn 2 ngày làm việc)" in restart


def test_registered_online_has_no_due_date_yet() -> None:
    facts = Facts(status="registered", accepted_at=None, due_at=None)
    text = render(facts)
    assert "Mới đăng ký, chờ tiếp nhận" in text
    assert "Ngày nộp: 20/11/2026" in text and "Ngày tiếp nhận" not in text
    assert "chưa có ngày hẹn trả kết quả" in text and "Hẹn trả" not in text
    assert "chờ cán bộ kiểm tra và tiếp nhận" in text


def test_filed_online_at_night_shows_both_days() -> None:
    facts = Facts(
        received_at=datetime(2026, 11, 19, 20, 30, tzinfo=VN),
        accepted_at=datetime(2026, 11, 20, 7, 30, tzinfo=VN),
    )
    text = render(facts)
    assert "Ngày nộp: 19/11/2026" in text and "Ngày tiếp nhận: 20/11/2026" in text


def test_finished_dossiers_have_no_countdown() -> None:
    facts = Facts(status="returned", due_at=datetime(2026, 11, 1, 17, 0, tzinfo=VN))
    text = render(facts)
    assert "trễ hẹn" not in text and "Còn" not in text
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
