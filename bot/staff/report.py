"""The report page: a period chosen by month or by dates, the sections of ``motcua report``
as labelled rows, and the hook for the same ``.xlsx`` the command line writes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.cli.report import _label as report_label  # one labelling for the CLI and the page
from bot.cli.report import period
from storage import report_repo
from storage.engine import SessionFactory

MAX_DAYS = 366
Clock = Callable[[], datetime]
XlsxWriter = Callable[[Mapping[str, Any]], bytes]


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    value: str
    depth: int  # 0: a section's title
    heading: bool = False


@dataclass(frozen=True, slots=True)
class ShownReport:
    start: date
    end: date
    month: str  # YYYY-MM when the period is one calendar month, else ""
    data: Mapping[str, Any]
    rows: list[Row] = field(default_factory=list)
    adjusted: bool = False  # the asked period was invalid: this month is shown instead


def _month_bounds(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def _rows(section: Mapping[str, Any], path: tuple[str, ...], out: list[Row]) -> None:
    for key, value in section.items():
        label = report_label(str(key), path)
        if isinstance(value, Mapping) and not value:
            out.append(Row(label, "—", len(path)))  # nothing to break down
            continue
        if isinstance(value, Mapping):
            out.append(Row(label, "", len(path), heading=True))
            _rows(value, (*path, str(key)), out)
            continue
        if value is None:
            shown = "—"
        elif isinstance(value, float):
            shown = f"{value:.2f}".replace(".", ",")
        else:
            shown = f"{value:,}".replace(",", ".") if isinstance(value, int) else str(value)
        out.append(Row(label, shown, len(path)))


class ReportPage:
    """Builds what /staff/report shows; ``xlsx_writer`` is the CLI's spreadsheet writer once
    it exists (until then the page says the download is not available)."""

    def __init__(
        self,
        sessions: SessionFactory,
        timezone: str,
        *,
        clock: Clock = lambda: datetime.now(UTC),
        xlsx_writer: XlsxWriter | None = None,
    ) -> None:
        self._sessions = sessions
        self._timezone = timezone
        self._tz = ZoneInfo(timezone)
        self._clock = clock
        self.xlsx_writer = xlsx_writer

    def choose(self, query: Mapping[str, str]) -> tuple[date, date, bool]:
        """The period a query asks for (``month=YYYY-MM`` or ``from``/``to``), else this
        month; the flag says the asked one was invalid."""
        today = self._clock().astimezone(self._tz).date()
        try:
            if query.get("from") or query.get("to"):
                start = date.fromisoformat(query.get("from", ""))
                end = date.fromisoformat(query.get("to", ""))
                if start <= end and (end - start).days < MAX_DAYS:
                    return start, end, False
                raise ValueError("bad period")
            if query.get("month"):
                start, end = _month_bounds(date.fromisoformat(query["month"] + "-01"))
                return start, end, False
        except ValueError:
            start, end = _month_bounds(today)
            return start, end, True
        start, end = _month_bounds(today)
        return start, end, False

    async def build(self, query: Mapping[str, str]) -> ShownReport:
        start, end, adjusted = self.choose(query)
        since, until = period(start, end, self._timezone)
        async with self._sessions() as session:
            data = await report_repo.period_report(session, since, until)
        rows: list[Row] = []
        _rows(data, (), rows)
        month = start.strftime("%Y-%m") if (start, end) == _month_bounds(start) else ""
        report = {"from": start.isoformat(), "to": end.isoformat(), **data}
        return ShownReport(start, end, month, report, rows, adjusted)

    def xlsx(self, shown: ShownReport) -> bytes | None:
        return self.xlsx_writer(shown.data) if self.xlsx_writer is not None else None
