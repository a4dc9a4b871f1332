"""Working-day calendar (VN holidays, Tết, config days off / make-up days) and due dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.dossiers.calendar import WorkCalendar, parse_periods
from handlers.dossiers.due import compute_due
from knowledge.processing_time import ProcessingTime

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkCalendar()
# The hour arithmetic below was written for 08:00–12:00 and 13:00–17:00 (an office that keeps
# those hours); the default periods have tests of their own further down.
EIGHT_TO_FIVE = dict.fromkeys(range(5), parse_periods(["08:00-12:00", "13:00-17:00"]))
CAL8 = WorkCalendar(office_hours=EIGHT_TO_FIVE)


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
    assert compute_due(received, processing, CAL8) == due


def test_due_with_structured_time_and_unknowns() -> None:
    received = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội
    half = compute_due(received, ProcessingTime(0.5, "working_days"), CAL8)
    assert half == _vn(2026, 3, 2, 14)
    # With the default 7.5-hour day, half a day is 3 h 45 min: 09:00–11:30, then 13:30–14:45.
    assert compute_due(received, ProcessingTime(0.5, "working_days"), CAL) == _vn(
        2026, 3, 2, 14, 45
    )
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


# --- office periods (default 07:30–11:30, 13:30–17:00; Saturday mornings where configured) ----


def test_default_office_hours_count_hours_and_close_at_five() -> None:
    # 2 hours from 10:30: one until 11:30, one from 13:30.
    assert compute_due(_vn(2026, 3, 2, 10, 30), "02 Giờ", CAL) == _vn(2026, 3, 2, 14, 30)
    # 4 hours from 15:00 Friday: 2 on Friday, 2 from 07:30 Monday.
    assert compute_due(_vn(2026, 3, 6, 15), "04 giờ", CAL) == _vn(2026, 3, 9, 9, 30)
    assert CAL.end_of_day(date(2026, 3, 2)) == _vn(2026, 3, 2, 17)
    assert CAL.hours_per_day == 7.5


def test_a_filing_outside_office_hours_is_received_at_the_next_opening() -> None:
    assert CAL.receive(_vn(2026, 3, 2, 9)) == _vn(2026, 3, 2, 9)  # inside: as filed
    assert CAL.receive(_vn(2026, 3, 2, 12)) == _vn(2026, 3, 2, 13, 30)  # lunch
    assert CAL.receive(_vn(2026, 3, 2, 6)) == _vn(2026, 3, 2, 7, 30)
    # Wednesday 20:30 before the 30/4–1/5 holidays (Thu, Fri in 2026): Monday 4/5 07:30.
    assert CAL.receive(_vn(2026, 4, 29, 20, 30)) == _vn(2026, 5, 4, 7, 30)
    # Saturday mornings: a desk that opens them receives then, but Saturday is not counted.
    saturday = WorkCalendar(office_hours={**EIGHT_TO_FIVE, 5: parse_periods(["07:30-11:30"])})
    assert saturday.receive(_vn(2026, 3, 6, 20, 30)) == _vn(2026, 3, 7, 7, 30)
    assert saturday.receive(_vn(2026, 3, 7, 11, 45)) == _vn(2026, 3, 9, 8)
    assert not saturday.is_working_day(date(2026, 3, 7))
    assert saturday.office_time(_vn(2026, 3, 6, 16), _vn(2026, 3, 9, 9)) == timedelta(hours=2)
    # A holiday Saturday stays closed (Quốc khánh 2/9/2028 is a Saturday).
    assert saturday.open_periods(date(2028, 9, 2)) == ()


def test_office_time_and_adding_it_back_agree() -> None:
    start, end = _vn(2026, 3, 2, 10), _vn(2026, 3, 4, 14)  # Mon 10:00 -> Wed 14:00
    spent = CAL.office_time(start, end)
    assert spent == timedelta(hours=5 + 7.5 + 4.5)
    assert CAL.add_office_time(start, spent) == end
    assert CAL.office_time(end, start) == timedelta(0)
    # Across Tết 2026 (16–20 Feb): Friday 13/2 16:00 -> Monday 23/2 08:30 is 2 hours.
    assert CAL.office_time(_vn(2026, 2, 13, 16), _vn(2026, 2, 23, 8, 30)) == timedelta(hours=2)
    assert CAL.add_office_time(_vn(2026, 2, 13, 16), timedelta(hours=1)) == _vn(2026, 2, 13, 17)
    assert CAL.at_closing(_vn(2026, 2, 13, 17)) and CAL.at_closing(_vn(2026, 2, 14, 9))
    assert not CAL.at_closing(_vn(2026, 2, 13, 16, 59))


@pytest.mark.parametrize(
    "bad", [["07:30"], ["11:30-07:30"], ["07:30-11:30", "11:00-12:00"], ["7h30-11h"]]
)
def test_bad_office_periods_are_refused(bad: list[str]) -> None:
    with pytest.raises(ValueError, match="office period|isoformat|Invalid"):
        parse_periods(bad)


def test_periods_parse_in_order() -> None:
    assert parse_periods(["13:30-17:00", "07:30–11:30"]) == (
        (time(7, 30), time(11, 30)),
        (time(13, 30), time(17, 0)),
    )
