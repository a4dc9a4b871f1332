"""Working days and hours of Vietnamese public offices: weekends and public holidays (lunar Tết
included, from the ``holidays`` package) are off; extra days off and make-up working days come
from bot.toml ``[calendar]``. Office hours are 08:00–12:00 and 13:00–17:00 local time."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

MORNING = (time(8, 0), time(12, 0))
AFTERNOON = (time(13, 0), time(17, 0))
HOURS_PER_DAY = 8
_MAX_SCAN_DAYS = 3660  # a guard against configurations with no working day at all


@lru_cache(maxsize=64)
def _vn_holidays(year: int) -> tuple[dict[date, str], frozenset[date]]:
    table = holidays.country_holidays("VN", years=year)
    # Saturdays the government declared working days to make up for a bridge day off.
    workdays = frozenset(getattr(table, "weekend_workdays", ()) or ())
    return {d: str(name) for d, name in table.items()}, workdays


def _weekdays_through(day: date) -> int:
    """Monday-to-Friday days from 0001-01-01 (a Monday) through ``day``."""
    weeks, rest = divmod(day.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


class WorkCalendar:
    """Pure date arithmetic; times in and out are timezone-aware (UTC or local)."""

    def __init__(
        self,
        timezone: str = "Asia/Ho_Chi_Minh",
        extra_days_off: Iterable[date] = (),
        makeup_working_days: Iterable[date] = (),
    ) -> None:
        self.tz = ZoneInfo(timezone)
        self.extra_days_off = frozenset(extra_days_off)
        self.makeup_working_days = frozenset(makeup_working_days)
        self._exception_cache: dict[int, tuple[list[date], list[int]]] = {}

    # --- days ---------------------------------------------------------------------------
    def holiday_name(self, day: date) -> str | None:
        if day in self.extra_days_off:
            return "Ngày nghỉ bổ sung"
        return _vn_holidays(day.year)[0].get(day)

    def is_working_day(self, day: date) -> bool:
        if day in self.makeup_working_days:
            return True
        if day in self.extra_days_off:
            return False
        names, workdays = _vn_holidays(day.year)
        if day in names:
            return False
        return day.weekday() < 5 or day in workdays

    def next_working_day(self, day: date, *, include: bool = False) -> date:
        """The first working day after ``day`` (or ``day`` itself when include and it works)."""
        current = day if include else day + timedelta(days=1)
        for _ in range(_MAX_SCAN_DAYS):
            if self.is_working_day(current):
                return current
            current += timedelta(days=1)
        raise ValueError("no working day within ten years")

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after ``day`` (n=0: ``day`` if it works, else the next one)."""
        if n < 0:
            raise ValueError("n must not be negative")
        current = self.next_working_day(day, include=True) if n == 0 else day
        for _ in range(n):
            current = self.next_working_day(current)
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start.

        Weekdays are counted in closed form, then the exceptions (holidays on weekdays, worked
        weekend days) are applied, so a lookup stays fast for dossiers years old.
        """
        if end < start:
            return -self.working_days_between(end, start)
        count = _weekdays_through(end) - _weekdays_through(start)
        for year in range(start.year, end.year + 1):
            days, deltas = self._exceptions(year)
            lo = bisect_right(days, start)
            hi = bisect_right(days, end)
            count += sum(deltas[lo:hi])
        return count

    def _exceptions(self, year: int) -> tuple[list[date], list[int]]:
        """Days of ``year`` whose status differs from the weekday rule: -1 off, +1 worked."""
        cached = self._exception_cache.get(year)
        if cached is not None:
            return cached
        names, workdays = _vn_holidays(year)
        candidates = set(names) | set(workdays) | self.extra_days_off | self.makeup_working_days
        marks = sorted(
            (day, (1 if self.is_working_day(day) else 0) - (1 if day.weekday() < 5 else 0))
            for day in candidates
            if day.year == year
        )
        marks = [(day, delta) for day, delta in marks if delta]
        result = ([d for d, _ in marks], [delta for _, delta in marks])
        self._exception_cache[year] = result
        return result

    # --- times --------------------------------------------------------------------------
    def local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.tz)
        return moment.astimezone(self.tz)

    def end_of_day(self, day: date) -> datetime:
        """Closing time (17:00 local) of ``day``, aware."""
        return datetime.combine(day, AFTERNOON[1], tzinfo=self.tz)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """``hours`` of office time counted from ``start`` (outside hours counts from the next
        opening); ends exactly at a closing time when the hours run out there."""
        remaining = timedelta(hours=hours)
        moment = self.local(start)
        day = moment.date()
        for _ in range(_MAX_SCAN_DAYS):
            if self.is_working_day(day):
                for opening, closing in (MORNING, AFTERNOON):
                    seg_start = datetime.combine(day, opening, tzinfo=self.tz)
                    seg_end = datetime.combine(day, closing, tzinfo=self.tz)
                    begin = max(seg_start, moment)
                    if begin >= seg_end:
                        continue
                    available = seg_end - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += timedelta(days=1)
            moment = datetime.combine(day, time(0), tzinfo=self.tz)
        raise ValueError("no working hours within ten years")

    def working_days_left(self, now: datetime, due: datetime) -> int:
        """Whole working days from today to the due day (0: due today; negative: overdue)."""
        return self.working_days_between(self.local(now).date(), self.local(due).date())
