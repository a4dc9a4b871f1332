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

A period whose edges are local midnights reads the tally (storage.one_stop_tally) and counts
only the rest from rows: the dossiers the tally leaves out, and, for a period not over, the
dossiers whose standing changed since the start of today (what is in progress now is the
tally's at the start of today, moved by those); any other period is counted from the rows.
Both give the same table (a test keeps them equal); an agency with nothing to count is left
out of the per-agency tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select, union, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage import one_stop_tally
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
    direct: bool = False,
) -> tuple[dict[str, Any], dict[str | None, dict[str, Any]]]:
    """(the table for every agency together, the table per agency) for [start, end);
    ``direct``: counted from the rows even where the tally could answer."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    at_end = min(end, (now or utcnow()).astimezone(UTC))
    await _one_snapshot(session)
    tallied = None if direct else await _tallied(session, start, end, at_end, agency)
    if tallied is None:
        counted = await _counts(session, start, end, at_end, agency)
        ratings = await _ratings(session, start, end, agency)
    else:
        counted, ratings = tallied
    total = _Tally()
    per_agency: dict[str | None, _Tally] = {}
    for agency_name, counts in counted:
        if any(counts.values()):
            per_agency.setdefault(agency_name, _Tally()).add(counts)
            total.add(counts)
    for value, agency_name, count in ratings:
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
    direct: bool = False,
) -> dict[str, Any]:
    """The table for [start, end), for one agency or all of them."""
    total, _ = await one_stop_by_agency(session, start, end, now=now, agency=agency, direct=direct)
    return total


async def _one_snapshot(session: AsyncSession) -> None:
    """The table's several statements read one snapshot (REPEATABLE READ) on PostgreSQL, so a
    dossier committed between two of them is counted once; a session already begun keeps its
    own isolation."""
    if not session.in_transaction() and session.get_bind().dialect.name == "postgresql":
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


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


def _candidates(
    start: datetime, end: datetime, at_end: datetime, agency: str | None, untallied: bool
) -> Any:
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
        if untallied:  # ix_dossiers_untallied_accepted_at
            branch = branch.where(col(Dossier.one_stop_facts).is_(None))
        branches.append(branch)
    return union_all(*branches)


async def _counts(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    at_end: datetime,
    agency: str | None,
    *,
    untallied: bool = False,
) -> list[tuple[str | None, dict[str, int]]]:
    """Per agency, the counters of the table (the totals are derived from them), counted from
    the rows (``untallied``: of the dossiers without facts in the tally only)."""
    base = _candidates(start, end, at_end, agency, untallied)
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
        # Late and past are one each: a dossier resolved late at a running period's "now"
        # (or later) is still in progress then, and owes for both (as the tally counts).
        "apologies_owed": count(late) + count(past),
        "apologies_with_reason": count(and_(late, d.c.reason == 1))
        + count(and_(past, d.c.reason == 1)),
    }
    stmt = select(d.c.agency, *(c.label(k) for k, c in columns.items())).group_by(d.c.agency)
    result = await session.execute(stmt)
    return [(row.agency, {k: int(getattr(row, k) or 0) for k in columns}) for row in result.all()]


async def _tallied(
    session: AsyncSession, start: datetime, end: datetime, at_end: datetime, agency: str | None
) -> tuple[list[tuple[str | None, dict[str, int]]], list[tuple[int, str | None, int]]] | None:
    """(the counters, the ratings) from the tally, plus what it leaves to the rows; None when
    the period's edges are not local midnights of the tally's zone (or it has none, or the
    period starts later)."""
    tz = await one_stop_tally.zone(session)
    if tz is None or at_end < start:
        return None
    s, e = one_stop_tally.local_day(start, tz), one_stop_tally.local_day(end, tz)
    if s is None or e is None:
        return None
    every = agency is None

    async def sums(kinds: Sequence[str], lo: int | None, hi: int) -> dict[Any, dict[str, int]]:
        return await one_stop_tally.sums(session, kinds, lo, hi, agency, any_agency=every)

    flows = await sums(one_stop_tally.FLOWS, s, e)
    before = await sums(("within", "past"), None, s)
    if at_end == end:
        after = await sums(one_stop_tally.STOCKS, None, e)
    else:  # a period not over: what is in progress now
        after = await _in_progress_now(session, at_end, agency, tz)
    found: list[tuple[str | None, dict[str, int]]] = []
    for name in {*flows, *before, *after}:
        f, b, a = flows.get(name, {}), before.get(name, {}), after.get(name, {})
        late, past = f.get("late", 0), a.get("past", 0)
        counts = {
            "received_new_online": f.get("new_online", 0),
            "received_new_direct": f.get("new_direct", 0),
            "received_new_postal": f.get("new_postal", 0),
            "carried_over": b.get("within", 0) + b.get("past", 0),
            "resolved_on_time": f.get("on_time", 0),
            "resolved_late": late,
            "in_progress_within_deadline": a.get("within", 0),
            "in_progress_past_deadline": past,
            "waiting_on_citizen": a.get("waiting", 0),
            "apologies_owed": late + past,
            "apologies_with_reason": f.get("late_reason", 0) + a.get("past_reason", 0),
        }
        found.append((name, counts))
    found += await _counts(session, start, end, at_end, agency, untallied=True)
    ratings = await _ratings(session, start, end, agency, untallied=True)
    for name, kinds in (await sums(one_stop_tally.RATINGS, s, e)).items():
        for kind, n in kinds.items():
            level = kind.removeprefix(one_stop_tally.RATING)
            if n:  # a value off the scale counts in the total only (0 is no level)
                ratings.append((int(level) if level.isdigit() else 0, name, n))
    return found, ratings


async def _in_progress_now(
    session: AsyncSession, moment: datetime, agency: str | None, tz: ZoneInfo
) -> dict[str | None, dict[str, int]]:
    """agency -> the tally's stocks (within, waiting, past, past_reason) at ``moment``: the
    tally's at the start of its local day, moved by the tallied dossiers whose standing can
    differ between then and ``moment``. Any other one has no moment in between (accepted,
    resolved, due or a status begun there), so every comparison the table makes gives the same
    at both: four index ranges of today's few changes, not every open dossier."""
    day = moment.astimezone(tz).date()
    midnight = datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)
    found: dict[str | None, dict[str, int]] = {}
    at_midnight = await one_stop_tally.sums(
        session, one_stop_tally.STOCKS, None, day.toordinal(), agency, any_agency=agency is None
    )
    for name, kinds in at_midnight.items():
        found[name] = {k: kinds.get(k, 0) for k in one_stop_tally.STOCKS}
    accepted, resolved = col(Dossier.accepted_at), col(Dossier.resolved_at)
    due, status_at = col(Dossier.due_at), col(Dossier.status_at)
    ranges = (
        (accepted >= midnight, accepted < moment),  # ix_dossiers_accepted_at
        (resolved >= midnight,),  # ix_dossiers_resolved_at (and any resolved later on)
        (resolved.is_(None), due >= midnight, due < moment),  # ix_dossiers_unresolved_due_at
        # ix_dossiers_unresolved_status_at; a status begun later on reads its history
        (resolved.is_(None), status_at >= midnight),
    )
    changed = union(*(select(col(Dossier.id)).where(*where) for where in ranges)).subquery()

    def standing(at: datetime) -> tuple[Any, ...]:
        is_open = and_(accepted < at, or_(resolved.is_(None), resolved >= at))
        return (
            case((is_open, 1), else_=0),
            case((is_open, _status_before(at)), else_=None),
            case((and_(due.is_not(None), due < at), 1), else_=0),
        )

    reason = case((func.trim(func.coalesce(col(Dossier.apology_reason), "")) != "", 1), else_=0)
    columns = (col(Dossier.agency), reason, *standing(midnight), *standing(moment))
    stmt = select(*columns, func.count()).where(
        col(Dossier.id).in_(select(changed.c.id)), col(Dossier.one_stop_facts).is_not(None)
    )
    if agency is not None:
        stmt = stmt.where(col(Dossier.agency) == agency)
    stmt = stmt.group_by(*columns)
    for name, why, *moves, n in (await session.execute(stmt)).all():
        kinds = found.setdefault(name, dict.fromkeys(one_stop_tally.STOCKS, 0))
        for sign, (is_open, st, late) in ((-1, moves[:3]), (1, moves[3:])):
            for kind in _stocks(is_open, st, late, why):
                kinds[kind] += sign * n
    return found


def _stocks(is_open: int, status: str | None, late: int, reason: int) -> tuple[str, ...]:
    """The tally's stocks one dossier is in (as storage.one_stop_tally.dossier_facts)."""
    if not is_open or status == WITHDRAWN:
        return ()
    if status in CLOCK_STOPPED:
        return ("within", "waiting") if status in WAITING_ON_CITIZEN else ("within",)
    if late:
        return ("past", "past_reason") if reason else ("past",)
    return ("within",)


async def on_time_by_month(
    session: AsyncSession,
    bounds: Sequence[datetime],
    *,
    agency: str | None = None,
    direct: bool = False,
) -> list[tuple[int, int]]:
    """(resolved, resolved on time) in each [bounds[i], bounds[i + 1]), as the table counts
    them (result ready, returned or rejected, against the clock's due date): from the tally
    when the bounds are local midnights, else one index range over resolved_at, split."""
    edges = [b.astimezone(UTC) for b in bounds]
    if len(edges) < 2:
        return []
    await _one_snapshot(session)
    tz = None if direct else await one_stop_tally.zone(session)
    days = [one_stop_tally.local_day(e, tz) for e in edges] if tz is not None else []
    if not days or any(d is None for d in days):
        return await _resolved_by_month(session, edges, agency, untallied=False)
    found = await _resolved_by_month(session, edges, agency, untallied=True)
    out: list[tuple[int, int]] = []
    for (n, k), lo, hi in zip(found, days, days[1:], strict=False):
        assert lo is not None and hi is not None
        sums = await one_stop_tally.sums(
            session, ("on_time", "late"), lo, hi, agency, any_agency=agency is None
        )
        on_time = sum(t.get("on_time", 0) for t in sums.values())
        late = sum(t.get("late", 0) for t in sums.values())
        out.append((n + on_time + late, k + on_time))
    return out


async def _resolved_by_month(
    session: AsyncSession, edges: Sequence[datetime], agency: str | None, *, untallied: bool
) -> list[tuple[int, int]]:
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
    if untallied:
        stmt = stmt.where(col(Dossier.one_stop_facts).is_(None))
    found = {int(b): (int(n), int(k or 0)) for b, n, k in (await session.execute(stmt)).all()}
    return [found.get(i, (0, 0)) for i in range(len(edges) - 1)]


async def _ratings(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    agency: str | None,
    *,
    untallied: bool = False,
) -> list[tuple[int, str | None, int]]:
    """(value, agency, count) of the ratings given in [start, end) (``untallied``: of the
    dossiers without facts only, from ix_dossiers_untallied_accepted_at)."""
    created = col(Rating.created_at)
    stmt = (
        select(col(Rating.value), col(Dossier.agency), func.count())
        .join(Dossier, col(Dossier.id) == col(Rating.dossier_id))
        .where(created >= start, created < end)
        .group_by(col(Rating.value), col(Dossier.agency))
    )
    if agency is not None:
        stmt = stmt.where(col(Dossier.agency) == agency)
    if untallied:
        stmt = stmt.where(col(Dossier.one_stop_facts).is_(None))
    result = await session.execute(stmt)
    return [(int(v), a, int(n)) for v, a, n in result.all()]
