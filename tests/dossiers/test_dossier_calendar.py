"""Working-day calendar (VN holidays, Tết, config days off / make-up days) and due dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.dossiers.calendar import WorkCalendar
from handlers.dossiers.due import compute_due
from knowledge.processing_time import ProcessingTime

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkCalendar()


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 1),  # Tết Dương lịch
        date(2026, 2, 16),  # 29 Tết Bính Ngọ
        date(2026, 2, 17),  # mùng 1
        date(2026, 2, 20),  # mùng 4
        date(2027, 2, 5),  # 29 Tết Đinh Mùi
        date(2027, 2, 8),  # mùng 3 (a Monday)
        date(2027, 2, 10),  # mùng 5
        date(2026, 4, 27),  # Giỗ Tổ falls on Sunday 26/4: Monday off in lieu
        date(2027, 4, 16),  # Giỗ Tổ Hùng Vương 2027
        date(2026, 4, 30),
        date(2026, 5, 1),
        date(2026, 9, 2),
        date(2026, 9, 1),
        date(2026, 11, 21),  # a Saturday
        date(2026, 11, 22),  # a Sunday
    ],
)
def test_days_off(day: date) -> None:
    assert not CAL.is_working_day(day)


@pytest.mark.parametrize("day", [date(2026, 2, 23), date(2026, 11, 25), date(2027, 2, 11)])
def test_working_days(day: date) -> None:
    assert CAL.is_working_day(day)


def test_holiday_names() -> None:
    assert CAL.holiday_name(date(2026, 2, 17)) is not None
    assert CAL.holiday_name(date(2026, 2, 23)) is None


def test_extra_day_off_and_makeup_day_from_config() -> None:
    cal = WorkCalendar(
        extra_days_off=[date(2026, 12, 31)], makeup_working_days=[date(2026, 12, 26)]
    )
    assert CAL.is_working_day(date(2026, 12, 31))
    assert not cal.is_working_day(date(2026, 12, 31))
    assert not CAL.is_working_day(date(2026, 12, 26))
    assert cal.is_working_day(date(2026, 12, 26))
    # Wed 30/12 + 1 working day skips the extra day off and the New Year holiday.
    assert CAL.add_working_days(date(2026, 12, 30), 1) == date(2026, 12, 31)
    assert cal.add_working_days(date(2026, 12, 30), 1) == date(2027, 1, 4)
    # Fri 25/12 + 1 is the make-up Saturday.
    assert cal.add_working_days(date(2026, 12, 25), 1) == date(2026, 12, 26)


def test_add_working_days_across_tet() -> None:
    # Friday 13/2/2026: the next working day is Monday 23/2 after the Tết week.
    assert CAL.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)
    assert CAL.add_working_days(date(2026, 2, 13), 5) == date(2026, 2, 27)
    assert CAL.add_working_days(date(2026, 2, 14), 0) == date(2026, 2, 23)
    assert CAL.add_working_days(date(2026, 2, 12), 0) == date(2026, 2, 12)


def test_working_days_between() -> None:
    assert CAL.working_days_between(date(2026, 2, 13), date(2026, 2, 23)) == 1
    assert CAL.working_days_between(date(2026, 11, 23), date(2026, 11, 30)) == 4  # 24/11 off
    assert CAL.working_days_between(date(2026, 11, 30), date(2026, 11, 23)) == -4
    assert CAL.working_days_between(date(2026, 11, 25), date(2026, 11, 25)) == 0
    with pytest.raises(ValueError, match="negative"):
        CAL.add_working_days(date(2026, 1, 5), -1)


def _vn(y: int, m: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=VN)


@pytest.mark.parametrize(
    ("received", "processing", "due"),
    [
        # 15 working days from Monday 2/3/2026 (no holidays): Monday 23/3 at closing.
        (_vn(2026, 3, 2, 9), "15 ngày làm việc", _vn(2026, 3, 23, 17)),
        # Across 30/4 and 1/5 (Thu, Fri): Tue 28/4 + 3 = Tue 5/5.
        (_vn(2026, 4, 28, 9), "03 ngày làm việc", _vn(2026, 5, 5, 17)),
        # Received on Saturday: Monday is the first day counted.
        (_vn(2026, 3, 7, 9), "1 ngày làm việc", _vn(2026, 3, 9, 17)),
        # Bare number: working days.
        (_vn(2026, 3, 2, 9), "5", _vn(2026, 3, 9, 17)),
        # 2 office hours from 10:30 end 13:30 (lunch 12–13 does not count).
        (_vn(2026, 3, 2, 10, 30), "02 Giờ", _vn(2026, 3, 2, 13, 30)),
        # 4 hours from 15:00 Friday: 2 on Friday, 2 on Monday.
        (_vn(2026, 3, 6, 15), "04 giờ", _vn(2026, 3, 9, 10)),
        # Received after closing: counting starts next opening.
        (_vn(2026, 3, 2, 18), "02 Giờ", _vn(2026, 3, 3, 10)),
        # Same day.
        (_vn(2026, 3, 2, 9), "Trong ngày", _vn(2026, 3, 2, 17)),
        (_vn(2026, 3, 2, 17, 30), "Trong ngày", _vn(2026, 3, 3, 17)),
        (_vn(2026, 2, 14, 9), "Trong ngày", _vn(2026, 2, 23, 17)),
        # Calendar days land on the next working day when they end on a day off.
        (_vn(2026, 2, 10, 9), "10 ngày", _vn(2026, 2, 23, 17)),
    ],
)
def test_due_from_processing_time(received: datetime, processing: str, due: datetime) -> None:
    assert compute_due(received, processing, CAL) == due


def test_due_with_structured_time_and_unknowns() -> None:
    received = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội
    half = compute_due(received, ProcessingTime(0.5, "working_days"), CAL)
    assert half == _vn(2026, 3, 2, 14)
    assert compute_due(received, None, CAL) is None
    assert compute_due(received, "theo quy định", CAL) is None
    assert compute_due(received, ProcessingTime(0, "working_days"), CAL) == _vn(2026, 3, 2, 17)


def test_working_days_left() -> None:
    now = _vn(2026, 3, 2, 9)
    assert CAL.working_days_left(now, _vn(2026, 3, 4, 17)) == 2
    assert CAL.working_days_left(now, now + timedelta(hours=3)) == 0
    assert CAL.working_days_left(now, _vn(2026, 2, 27, 17)) == -1


def test_working_days_between_matches_day_by_day_count() -> None:
    cal = WorkCalendar(
        extra_days_off=[date(2026, 12, 31)], makeup_working_days=[date(2026, 12, 26)]
    )
    start = date(2025, 12, 20)
    for span in range(0, 800, 7):
        for offset in range(7):
            end = start + timedelta(days=span + offset)
            slow = sum(
                cal.is_working_day(start + timedelta(days=k))
                for k in range(1, (end - start).days + 1)
            )
            assert cal.working_days_between(start, end) == slow
