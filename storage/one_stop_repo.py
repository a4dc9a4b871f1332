"""The one-stop results table of a period [start, end) (``motcua report`` "one_stop", its .xlsx
and the staff console), per agency and in total. Read-only; the keys are DESIGN.md's.

- received: accepted in the period, by way of submission (online, direct, postal; a dossier whose
  way is not on record counts as direct, at the desk), plus ``carried_over``: accepted before
  the period and neither resolved nor withdrawn when it began. A registered dossier (code 1,
  not yet accepted) is not received.
- resolved: result ready, returned or rejected in the period, on time or late against the clock's
  due date (a new date given with an apology does not make a late result punctual).
- in progress: accepted and not resolved (nor withdrawn) at the period's end (or now, for a period
  not over): past the deadline when the clock's due time passed while it ran; a dossier waiting
  for the citizen or paused then is within (``waiting_on_citizen`` counts the former).
- apologies: the dossiers late in the period (resolved late, or in progress past the deadline)
  owe one; ``apologies_with_reason`` those whose reason the agency recorded.
- satisfaction: the ratings given in the period, by level, with percentages.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import Dossier, Rating, StatusEvent
from storage.types import utcnow

# Mirrors handlers.dossiers.statuses (storage cannot import handlers; a test keeps them equal).
WAITING_ON_CITIZEN = frozenset({"supplement_required", "financial_obligation"})
CLOCK_STOPPED = WAITING_ON_CITIZEN | {"paused"}
WITHDRAWN = "withdrawn"
# Mirrors notifications.rules.RATING_VALUES: the stored value of each satisfaction level.
RATING_LEVELS = {3: "very_satisfied", 2: "satisfied", 1: "unsatisfied"}
VIA = ("online", "direct", "postal")
KEYS = (
    "received_total",
    "received_new_online",
    "received_new_direct",
    "received_new_postal",
    "carried_over",
    "resolved_total",
    "resolved_on_time",
    "resolved_late",
    "resolved_on_time_pct",
    "in_progress_total",
    "in_progress_within_deadline",
    "in_progress_past_deadline",
    "waiting_on_citizen",
    "apologies_owed",
    "apologies_with_reason",
    "satisfaction",
)
# What the database counts; the totals and the percentage are derived from these.
COUNTS = (
    "received_new_online",
    "received_new_direct",
    "received_new_postal",
    "carried_over",
    "resolved_on_time",
    "resolved_late",
    "in_progress_within_deadline",
    "in_progress_past_deadline",
    "waiting_on_citizen",
    "apologies_owed",
    "apologies_with_reason",
)


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


class _Tally:
    def __init__(self) -> None:
        self.n: dict[str, int] = dict.fromkeys(COUNTS, 0)
        self.ratings: dict[int, int] = {}

    def add(self, counts: dict[str, int]) -> None:
        for key, value in counts.items():
            self.n[key] += value

    def result(self) -> dict[str, Any]:
        n = dict(self.n)
        n["received_total"] = sum(n[f"received_new_{v}"] for v in VIA) + n["carried_over"]
        n["resolved_total"] = n["resolved_on_time"] + n["resolved_late"]
        n["in_progress_total"] = n["in_progress_within_deadline"] + n["in_progress_past_deadline"]
        rated = sum(self.ratings.values())
        levels = {
            name: {"count": self.ratings.get(v, 0), "pct": _pct(self.ratings.get(v, 0), rated)}
            for v, name in RATING_LEVELS.items()
        }
        values: dict[str, Any] = {
            **n,
            "resolved_on_time_pct": _pct(n["resolved_on_time"], n["resolved_total"]),
            "satisfaction": {"total": rated, "by_level": levels},
        }
        return {k: values[k] for k in KEYS}


async def one_stop_by_agency(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    *,
    now: datetime | None = None,
    agency: str | None = None,
) -> tuple[dict[str, Any], dict[str | None, dict[str, Any]]]:
    """(the table for every agency together, the table per agency) for [start, end)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    at_end = min(end, (now or utcnow()).astimezone(UTC))
    total = _Tally()
    per_agency: dict[str | None, _Tally] = {}
    for agency_name, counts in await _counts(session, start, end, at_end, agency):
        per_agency.setdefault(agency_name, _Tally()).add(counts)
        total.add(counts)
    for value, agency_name, count in await _ratings(session, start, end, agency):
        for t in (total, per_agency.setdefault(agency_name, _Tally())):
            t.ratings[value] = t.ratings.get(value, 0) + count
    return total.result(), {name: t.result() for name, t in per_agency.items()}


async def one_stop(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    *,
    now: datetime | None = None,
    agency: str | None = None,
) -> dict[str, Any]:
    """The table for [start, end), for one agency or all of them."""
    total, _ = await one_stop_by_agency(session, start, end, now=now, agency=agency)
    return total


def _status_before(moment: datetime) -> Any:
    """The status a dossier had just before ``moment`` (NULL: none recorded before it): its
    current status when that began earlier, else the latest status event before ``moment``
    (an index lookup on (dossier_id, status, at), only for the few rows that need it)."""
    latest = (
        select(col(StatusEvent.status))
        .where(col(StatusEvent.dossier_id) == col(Dossier.id), col(StatusEvent.at) < moment)
        .order_by(col(StatusEvent.at).desc(), col(StatusEvent.id).desc())
        .limit(1)
        .scalar_subquery()
    )
    return case((col(Dossier.status_at) < moment, col(Dossier.status)), else_=latest)


def _candidates(start: datetime, end: datetime, at_end: datetime, agency: str | None) -> Any:
    """Dossiers that can count in [start, end): accepted before its end and not resolved nor
    withdrawn before it began, as four disjoint index ranges joined by UNION ALL (accepted in
    the period; accepted before it and resolved since it began; accepted before it and never
    resolved, open or withdrawn since it began), each with the status just before the period's
    start (carried over unless withdrawn) and end (in progress, stopped or withdrawn)."""
    accepted, resolved = col(Dossier.accepted_at), col(Dossier.resolved_at)
    status, status_at = col(Dossier.status), col(Dossier.status_at)
    open_at_end = and_(accepted < at_end, or_(resolved.is_(None), resolved >= at_end))
    columns: tuple[Any, ...] = (
        col(Dossier.agency).label("agency"),
        col(Dossier.submitted_via).label("via"),
        accepted.label("acc"),
        resolved.label("res"),
        col(Dossier.due_at).label("due"),
        case((func.trim(func.coalesce(col(Dossier.apology_reason), "")) != "", 1), else_=0).label(
            "reason"
        ),
        # Only where it matters: carried over (accepted before the start), in progress at the end.
        case((accepted < start, _status_before(start)), else_=None).label("st_start"),
        case((open_at_end, 1), else_=0).label("open_at_end"),
        case((open_at_end, _status_before(at_end)), else_=None).label("st_end"),
    )
    ranges = (
        # ix_dossiers_accepted_at
        (accepted >= start, accepted < end, or_(resolved.is_(None), resolved >= start)),
        # ix_dossiers_resolved_at (resolved_at, accepted_at, due_at)
        (resolved >= start, accepted < start),
        # ix_dossiers_unresolved_accepted_at (partial: never resolved, not withdrawn now)
        (accepted < start, resolved.is_(None), status != WITHDRAWN),
        # ix_dossiers_status_status_at: withdrawn, but only since the period began
        (status == WITHDRAWN, status_at >= start, accepted < start, resolved.is_(None)),
    )
    branches = []
    for where in ranges:
        branch = select(*columns).where(*where)
        if agency is not None:
            branch = branch.where(col(Dossier.agency) == agency)
        branches.append(branch)
    return union_all(*branches)


async def _counts(
    session: AsyncSession, start: datetime, end: datetime, at_end: datetime, agency: str | None
) -> list[tuple[str | None, dict[str, int]]]:
    """Per agency, the counters of the table (the totals are derived from them)."""
    base = _candidates(start, end, at_end, agency)
    # Kept as a derived table (a UNION ALL is never pulled up): each history read runs once
    # per dossier, not once per counter that uses it.
    d = base.subquery()
    st_end = func.coalesce(d.c.st_end, "")
    in_progress = and_(d.c.open_at_end == 1, st_end != WITHDRAWN)
    stopped = st_end.in_(sorted(CLOCK_STOPPED))
    past = and_(in_progress, ~stopped, d.c.due.is_not(None), d.c.due < at_end)
    resolved_here = and_(d.c.res >= start, d.c.res < end)
    late = and_(resolved_here, d.c.due.is_not(None), d.c.res > d.c.due)
    new = and_(d.c.acc >= start, d.c.acc < end)
    via = func.coalesce(d.c.via, "direct")

    def count(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    columns = {
        "received_new_online": count(and_(new, via == "online")),
        "received_new_postal": count(and_(new, via == "postal")),
        "received_new_direct": count(and_(new, via.not_in(["online", "postal"]))),
        "carried_over": count(and_(d.c.acc < start, func.coalesce(d.c.st_start, "") != WITHDRAWN)),
        "resolved_on_time": count(and_(resolved_here, ~late)),
        "resolved_late": count(late),
        "in_progress_within_deadline": count(and_(in_progress, ~past)),
        "in_progress_past_deadline": count(past),
        "waiting_on_citizen": count(and_(in_progress, st_end.in_(sorted(WAITING_ON_CITIZEN)))),
        "apologies_owed": count(or_(late, past)),
        "apologies_with_reason": count(and_(or_(late, past), d.c.reason == 1)),
    }
    stmt = select(d.c.agency, *(c.label(k) for k, c in columns.items())).group_by(d.c.agency)
    result = await session.execute(stmt)
    return [(row.agency, {k: int(getattr(row, k) or 0) for k in columns}) for row in result.all()]


async def on_time_by_month(
    session: AsyncSession, bounds: Sequence[datetime], *, agency: str | None = None
) -> list[tuple[int, int]]:
    """(resolved, resolved on time) in each [bounds[i], bounds[i + 1]), as the table counts
    them (result ready, returned or rejected, against the clock's due date): one index range
    over resolved_at, split into the months."""
    edges = [b.astimezone(UTC) for b in bounds]
    if len(edges) < 2:
        return []
    resolved, due = col(Dossier.resolved_at), col(Dossier.due_at)
    bucket = case(*((resolved < edge, i) for i, edge in enumerate(edges[1:])), else_=-1)
    on_time = case((and_(due.is_not(None), resolved > due), 0), else_=1)
    stmt = (
        select(bucket.label("bucket"), func.count(), func.sum(on_time))
        .where(resolved >= edges[0], resolved < edges[-1])
        .group_by(bucket)
    )
    if agency is not None:
        stmt = stmt.where(col(Dossier.agency) == agency)
    found = {int(b): (int(n), int(k or 0)) for b, n, k in (await session.execute(stmt)).all()}
    return [found.get(i, (0, 0)) for i in range(len(edges) - 1)]


async def _ratings(
    session: AsyncSession, start: datetime, end: datetime, agency: str | None
) -> list[tuple[int, str | None, int]]:
    created = col(Rating.created_at)
    stmt = (
        select(col(Rating.value), col(Dossier.agency), func.count())
        .join(Dossier, col(Dossier.id) == col(Rating.dossier_id))
        .where(created >= start, created < end)
        .group_by(col(Rating.value), col(Dossier.agency))
    )
    if agency is not None:
        stmt = stmt.where(col(Dossier.agency) == agency)
    result = await session.execute(stmt)
    return [(int(v), a, int(n)) for v, a, n in result.all()]
