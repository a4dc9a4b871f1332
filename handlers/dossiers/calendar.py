"""Working days and office hours of Vietnamese public offices: weekends and public holidays
(lunar Tết included, from the ``holidays`` package) are off; extra days off, make-up working days
and the office periods of each weekday come from bot.toml ``[calendar]`` (default 07:30–11:30 and
13:30–17:00, Monday to Friday). A weekend day with periods (Saturday mornings where a desk opens)
receives dossiers but is not a working day: deadlines count working days only."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

Period = tuple[time, time]
WORKDAY_PERIODS: tuple[Period, ...] = ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))
# Weekday (Monday 0) -> office periods; Saturday and Sunday closed unless configured.
DEFAULT_OFFICE_HOURS: Mapping[int, tuple[Period, ...]] = dict.fromkeys(range(5), WORKDAY_PERIODS)
_MAX_SCAN_DAYS = 3660  # a guard against configurations with no working day at all
_ZERO = timedelta(0)


def parse_periods(values: Iterable[str]) -> tuple[Period, ...]:
    """``["07:30-11:30", "13:30-17:00"]`` -> ordered periods; ValueError on a bad or
    overlapping one."""
    periods: list[Period] = []
    for value in values:
        start_text, sep, end_text = value.replace("–", "-").partition("-")
        if not sep:
            raise ValueError(f"office period {value!r}: expected HH:MM-HH:MM")
        start, end = time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())
        if end <= start:
            raise ValueError(f"office period {value!r} ends before it starts")
        periods.append((start, end))
    periods.sort()
    for (_, end), (start, _) in zip(periods, periods[1:], strict=False):
        if start < end:
            raise ValueError(f"office periods overlap: {list(values)!r}")
    return tuple(periods)


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
        office_hours: Mapping[int, Sequence[Period]] | None = None,
    ) -> None:
        self.tz = ZoneInfo(timezone)
        self.extra_days_off = frozenset(extra_days_off)
        self.makeup_working_days = frozenset(makeup_working_days)
        hours = DEFAULT_OFFICE_HOURS if office_hours is None else office_hours
        self.office_hours = {day: tuple(hours.get(day, ())) for day in range(7)}
        # A make-up Saturday is worked like a weekday: the first weekday's periods.
        self.standard_periods = next(
            (self.office_hours[d] for d in range(5) if self.office_hours[d]), WORKDAY_PERIODS
        )
        self.hours_per_day = (
            sum((_span(start, end) for start, end in self.standard_periods), _ZERO).total_seconds()
            / 3600
        )
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

    def working_periods(self, day: date) -> tuple[Period, ...]:
        """The periods the clock runs on ``day``: none on a day off."""
        if not self.is_working_day(day):
            return ()
        return self.office_hours[day.weekday()] or self.standard_periods

    def open_periods(self, day: date) -> tuple[Period, ...]:
        """The periods the desk receives dossiers: working periods, and those configured for a
        weekend day that is not a holiday (Saturday mornings)."""
        if self.is_working_day(day):
            return self.working_periods(day)
        if day.weekday() >= 5 and self.holiday_name(day) is None:
            return self.office_hours[day.weekday()]
        return ()

    def closing(self, day: date) -> time:
        """Closing time of ``day`` (the standard one on a day off)."""
        periods = self.working_periods(day) or self.standard_periods
        return periods[-1][1]

    def end_of_day(self, day: date) -> datetime:
        """Closing time of ``day``, aware."""
        return datetime.combine(day, self.closing(day), tzinfo=self.tz)

    def at_closing(self, moment: datetime) -> bool:
        """Whether ``moment`` is at or after its day's closing, or on a day off: a due date
        given as a day rather than an hour."""
        local = self.local(moment)
        return not self.is_working_day(local.date()) or local.time() >= self.closing(local.date())

    def receive(self, moment: datetime) -> datetime:
        """When a dossier filed at ``moment`` counts as received: then, inside an open period;
        else at the start of the next one (an online filing at night counts from the morning)."""
        local = self.local(moment)
        day = local.date()
        for _ in range(_MAX_SCAN_DAYS):
            for opening, closing in self.open_periods(day):
                start = datetime.combine(day, opening, tzinfo=self.tz)
                end = datetime.combine(day, closing, tzinfo=self.tz)
                if local < end:
                    return max(start, local)
            day += timedelta(days=1)
        raise ValueError("no office period within ten years")

    def _segments(self, start: datetime) -> Iterable[tuple[datetime, datetime]]:
        """Working periods from ``start`` on, the first one cut at ``start``."""
        moment = self.local(start)
        day = moment.date()
        for _ in range(_MAX_SCAN_DAYS):
            for opening, closing in self.working_periods(day):
                seg_start = datetime.combine(day, opening, tzinfo=self.tz)
                seg_end = datetime.combine(day, closing, tzinfo=self.tz)
                begin = max(seg_start, moment)
                if begin < seg_end:
                    yield begin, seg_end
            day += timedelta(days=1)
        raise ValueError("no working hours within ten years")

    def add_office_time(self, start: datetime, amount: timedelta) -> datetime:
        """``amount`` of office time counted from ``start`` (outside hours counts from the next
        opening); ends exactly at a closing time when the time runs out there."""
        remaining = amount
        for begin, end in self._segments(start):
            available = end - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        raise AssertionError("unreachable")  # _segments raises first

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        return self.add_office_time(start, timedelta(hours=hours))

    def office_time(self, start: datetime, end: datetime) -> timedelta:
        """Office time in [start, end): how long a clock running in office hours ran."""
        total = _ZERO
        if end <= start:
            return total
        for begin, seg_end in self._segments(start):
            if begin >= end:
                break
            total += min(seg_end, end) - begin
        return total

    def working_days_left(self, now: datetime, due: datetime) -> int:
        """Whole working days from today to the due day (0: due today; negative: overdue)."""
        return self.working_days_between(self.local(now).date(), self.local(due).date())


def _span(start: time, end: time) -> timedelta:
    return datetime.combine(date.min, end) - datetime.combine(date.min, start)
