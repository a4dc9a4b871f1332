"""The report page: a period chosen by month or by dates, the one-stop results table (in total and
per agency, laid out as the .xlsx is), a chart of the on-time share by month, the satisfaction
table, what the assistant did, and the same ``.xlsx`` the command line writes. An account bound to
an agency sees that agency's figures only."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.cli.report import label, period
from bot.report_xlsx import GROUPS, LEVELS, one_stop_xlsx_bytes
from bot.staff import texts_vi as T
from bot.staff.chart import Bar, Chart, on_time_chart
from handlers.staff.audit import Actor
from handlers.staff.cache import StaleWhileRevalidate
from storage import one_stop_repo, report_repo
from storage.engine import SessionFactory

MAX_DAYS = 366
CHART_MONTHS = 12
MAX_AGENCY = 300
# How long figures are served as they are, then served while recomputed in the background.
FRESH = timedelta(minutes=2)
KEEP = timedelta(minutes=30)
CLOSED_MONTH_FRESH = timedelta(hours=1)  # a month that is over: imports rarely touch it
CLOSED_MONTH_KEEP = timedelta(days=1)
Clock = Callable[[], datetime]


class XlsxWriter(Protocol):
    """bot.report_xlsx.one_stop_xlsx_bytes: the command line's sheet, as bytes."""

    def __call__(
        self,
        *,
        start: date,
        end: date,
        total: Mapping[str, Any],
        by_agency: Mapping[str | None, Mapping[str, Any]],
        title_agency: str | None = None,
    ) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    value: str
    depth: int  # 0: a section's title
    heading: bool = False


@dataclass(frozen=True, slots=True)
class Level:
    """A line of the satisfaction table."""

    label: str
    answers: str
    share: str
    total: bool = False


@dataclass(frozen=True, slots=True)
class AgencyLine:
    """One agency's main figures, for the breakdown under the table."""

    name: str | None
    received: str
    resolved: str
    on_time_pct: str
    past_deadline: str


@dataclass(frozen=True, slots=True)
class Figures:
    """What the database gives for one report: kept a short while (StaleWhileRevalidate)."""

    total: Mapping[str, Any]
    by_agency: Mapping[str | None, Mapping[str, Any]]
    activity: Mapping[str, Any]
    bars: list[Bar]


@dataclass(frozen=True, slots=True)
class ShownReport:
    start: date
    end: date
    month: str  # YYYY-MM when the period is one calendar month, else ""
    agency: str | None  # the figures are this agency's (None: every agency)
    bound: bool  # the account is bound to that agency (no other can be chosen)
    total: Mapping[str, Any]
    by_agency: Mapping[str | None, Mapping[str, Any]]
    table: list[Row] = field(default_factory=list)
    agencies: list[AgencyLine] = field(default_factory=list)
    satisfaction: list[Level] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    chart: Chart | None = None
    activity: list[Row] = field(default_factory=list)  # the assistant's; unbound accounts only
    adjusted: bool = False  # the asked period was invalid: this month is shown instead
    computed_at: datetime | None = None  # when the figures were read from the database

    def query(self, **extra: str) -> dict[str, str]:
        """The period (and agency) as URL parameters, for links to this same report."""
        found = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.agency and not self.bound:
            found["agency"] = self.agency
        return {k: v for k, v in {**found, **extra}.items() if v}


def month_bounds(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def count(value: int | None) -> str:
    """1.234 as Vietnamese write it; a dash when there is nothing to count."""
    return T.EMPTY if value is None else f"{value:,}".replace(",", ".")


def percent(value: float | None) -> str:
    """66,7 % from 66.7; a dash when undefined (nothing to divide)."""
    return T.EMPTY if value is None else f"{value:.1f}".replace(".", ",") + " %"


def _table(total: Mapping[str, Any]) -> list[Row]:
    """The results table as labelled rows, grouped as the .xlsx columns are."""
    rows: list[Row] = []
    for group, items in GROUPS:
        rows.append(Row(group, "", 0, heading=True))
        for key, sub in items:
            if key == "resolved_late_pct":
                pct = total.get("resolved_on_time_pct")
                shown = percent(None if pct is None else round(100 - pct, 1))
            elif key.endswith("_pct"):
                shown = percent(total.get(key))
            else:
                shown = count(total.get(key))
            rows.append(Row(sub, shown, 1))
    return rows


def _satisfaction(total: Mapping[str, Any]) -> list[Level]:
    """The satisfaction table: each level, then the total."""
    found = total.get("satisfaction") or {}
    levels = found.get("by_level") or {}
    out = [
        Level(
            T.RATING_LEVELS[level],
            count((levels.get(level) or {}).get("count", 0)),
            percent((levels.get(level) or {}).get("pct")),
        )
        for level in LEVELS
    ]
    rated = int(found.get("total") or 0)
    out.append(Level(T.REPORT_TOTAL, count(rated), percent(100.0 if rated else None), True))
    return out


def _activity(section: Mapping[str, Any], path: tuple[str, ...], out: list[Row]) -> None:
    for key, value in section.items():
        title = label(str(key), path)
        if isinstance(value, Mapping):
            out.append(Row(title, "", len(path), heading=True))
            _activity(value, (*path, str(key)), out)
        else:
            out.append(Row(title, count(value), len(path)))


def _agency_lines(by_agency: Mapping[str | None, Mapping[str, Any]]) -> list[AgencyLine]:
    named = sorted(by_agency.items(), key=lambda item: (item[0] is None, item[0] or ""))
    return [
        AgencyLine(
            name,
            count(t["received_total"]),
            count(t["resolved_total"]),
            percent(t["resolved_on_time_pct"]),
            count(t["in_progress_past_deadline"]),
        )
        for name, t in named
    ]


class ReportPage:
    """Builds what /staff/report shows and the .xlsx download."""

    def __init__(
        self,
        sessions: SessionFactory,
        timezone: str,
        *,
        clock: Clock = lambda: datetime.now(UTC),
        xlsx_writer: XlsxWriter = one_stop_xlsx_bytes,
    ) -> None:
        self._sessions = sessions
        self._timezone = timezone
        self._tz = ZoneInfo(timezone)
        self._clock = clock
        self.xlsx_writer = xlsx_writer
        self._figures: StaleWhileRevalidate[Figures] = StaleWhileRevalidate(
            clock, fresh=FRESH, keep=KEEP
        )
        self._closed_months: StaleWhileRevalidate[tuple[int, int]] = StaleWhileRevalidate(
            clock, fresh=CLOSED_MONTH_FRESH, keep=CLOSED_MONTH_KEEP, size=2048
        )

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
                start, end = month_bounds(date.fromisoformat(query["month"] + "-01"))
                return start, end, False
        except ValueError:
            start, end = month_bounds(today)
            return start, end, True
        start, end = month_bounds(today)
        return start, end, False

    @staticmethod
    def scope(actor: Actor, query: Mapping[str, str]) -> str | None:
        """An account bound to an agency sees that agency's figures, whatever the query says."""
        if actor.agency:
            return actor.agency
        asked = " ".join(query.get("agency", "").split())
        return asked[:MAX_AGENCY] or None

    def _months(self, end: date) -> list[datetime]:
        """The first moments of the CHART_MONTHS months ending with ``end``'s, and the next."""
        first = end.replace(day=1)
        starts = [first]
        for _ in range(CHART_MONTHS - 1):
            starts.insert(0, (starts[0] - timedelta(days=1)).replace(day=1))
        following = (first + timedelta(days=32)).replace(day=1)
        return [datetime.combine(d, time.min, self._tz) for d in (*starts, following)]

    async def build(
        self, query: Mapping[str, str], actor: Actor, *, force: bool = False
    ) -> ShownReport:
        """The report the query asks for; ``force``: recomputed now, not served from the
        figures kept a short while (FRESH)."""
        start, end, adjusted = self.choose(query)
        agency = self.scope(actor, query)
        activity_too = not actor.agency  # the assistant's figures are every agency's
        entry = await self._figures.get(
            (agency, start, end, activity_too),
            lambda: self._compute(start, end, agency, activity_too),
            force=force,
        )
        figures = entry.value
        rows: list[Row] = []
        _activity(figures.activity, (), rows)
        month = start.strftime("%Y-%m") if (start, end) == month_bounds(start) else ""
        return ShownReport(
            start=start,
            end=end,
            month=month,
            agency=agency,
            bound=bool(actor.agency),
            total=figures.total,
            by_agency=figures.by_agency,
            table=_table(figures.total),
            agencies=_agency_lines(figures.by_agency) if agency is None else [],
            satisfaction=_satisfaction(figures.total),
            bars=figures.bars,
            chart=on_time_chart(figures.bars),
            activity=rows,
            adjusted=adjusted,
            computed_at=entry.at,
        )

    async def _compute(
        self, start: date, end: date, agency: str | None, activity_too: bool
    ) -> Figures:
        since, until = period(start, end, self._timezone)
        now = self._clock()
        async with self._sessions() as session:
            total, by_agency = await one_stop_repo.one_stop_by_agency(
                session, since, until, now=now, agency=agency
            )
            activity = (
                await report_repo.assistant_activity(session, since, until) if activity_too else {}
            )
        bars = [
            await self._bar(agency, first, following, now)
            for first, following in zip(self._months(end), self._months(end)[1:], strict=False)
        ]
        return Figures(total, by_agency, activity, bars)

    async def _bar(
        self, agency: str | None, first: datetime, following: datetime, now: datetime
    ) -> Bar:
        """One month of the chart; a month over is kept an hour (its figures hardly move)."""

        async def count() -> tuple[int, int]:
            async with self._sessions() as session:
                (found,) = await one_stop_repo.on_time_by_month(
                    session, [first, following], agency=agency
                )
            return found

        if following <= now:
            resolved, on_time = (await self._closed_months.get((agency, first), count)).value
        else:
            resolved, on_time = await count()
        return Bar(first.date(), resolved, on_time)

    async def aclose(self) -> None:
        await self._figures.aclose()
        await self._closed_months.aclose()

    def xlsx(self, shown: ShownReport) -> bytes:
        return self.xlsx_writer(
            start=shown.start,
            end=shown.end,
            total=shown.total,
            by_agency=shown.by_agency,
            title_agency=shown.agency,
        )
