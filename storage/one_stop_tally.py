"""The one-stop table pre-counted per agency and local day (and month), so a period's table
reads a few thousand rows, not its dossiers. Kept in the transaction that changes a dossier
(``refresh``, called with the clock's recomputation), built for existing data by ``rebuild``.

Each dossier adds *facts* (kind, local day, +-1), stored beside it (``one_stop_facts``) so a
change subtracts exactly what it had added:
- flows, counted when their day lies in the period: ``new_<via>`` on the day accepted,
  ``on_time`` / ``late`` / ``late_reason`` on the day resolved;
- stocks, the dossier's standing at the start of a day k (the moment every comparison of the
  table's SQL makes with a period's edge: ``x < edge`` is ``day(x) < k``), written as the changes
  from one day to the next: ``within`` (in progress within the deadline), ``waiting`` (of which
  waiting on the citizen), ``past`` (past the deadline) and ``past_reason`` (of which with a
  reason recorded); the standing at day k is the sum of the changes dated before k;
- its satisfaction ratings, ``rating_<value>`` on the day given (a rating moves with the
  dossier's agency; ``storage.ratings_repo.save_rating`` refreshes the dossier).
A dossier resolved before it was accepted (or without being accepted) has no facts: its
``one_stop_facts`` is NULL and the table counts it straight from its row, as it counts any
dossier written by a path that kept no facts (always right; only slower).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, String, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from storage import dossiers_repo
from storage.models import Dossier, Rating, StatusEvent
from storage.statements import upsert_insert

# Mirrors storage.one_stop_repo (and through it handlers.dossiers.statuses).
WAITING_ON_CITIZEN = frozenset({"supplement_required", "financial_obligation"})
CLOCK_STOPPED = WAITING_ON_CITIZEN | {"paused"}
WITHDRAWN = "withdrawn"
FLOWS = ("new_online", "new_direct", "new_postal", "on_time", "late", "late_reason")
# A flow on the day a rating was given: per level, and any other value together (it counts in
# the total only).
RATING = "rating_"
RATING_LEVELS = (1, 2, 3)
RATINGS = (*(f"{RATING}{v}" for v in RATING_LEVELS), RATING + "x")
STOCKS = ("within", "waiting", "past", "past_reason")
DAY, MONTH = "d", "m"
BATCH = 1000


class OneStopTally(SQLModel, table=True):
    """The sum of the dossiers' facts per (grain: day or month, kind, first day, agency)."""

    __tablename__ = "one_stop_tally"

    grain: str = Field(sa_type=String(1), primary_key=True)
    kind: str = Field(sa_type=String(16), primary_key=True)
    start: int = Field(sa_type=Integer, primary_key=True)  # date.toordinal() of the first day
    agency: str = Field(sa_type=String(301), primary_key=True)  # agency_key()
    n: int = Field(default=0)


class OneStopTallyZone(SQLModel, table=True):
    """The time zone whose local days the tally counts in (a single row, id 1)."""

    __tablename__ = "one_stop_tally_zone"

    id: int | None = Field(default=None, primary_key=True)
    timezone: str = Field(sa_type=String(64))


def agency_key(agency: str | None) -> str:
    """The tally's agency column: '' for none, else '@' and the name (NULL cannot be a key)."""
    return "" if agency is None else "@" + agency


def agency_name(key: str) -> str | None:
    return key[1:] if key else None


@dataclass(frozen=True, slots=True)
class DossierFacts:
    """What the table reads of a dossier's row."""

    id: int
    agency: str | None
    via: str | None
    accepted_at: datetime | None
    resolved_at: datetime | None
    due_at: datetime | None
    status: str
    status_at: datetime
    apology_reason: str | None
    stored: str | None  # one_stop_facts as stored


_COLUMNS: tuple[Any, ...] = (
    Dossier.id,
    Dossier.agency,
    Dossier.submitted_via,
    Dossier.accepted_at,
    Dossier.resolved_at,
    Dossier.due_at,
    Dossier.status,
    Dossier.status_at,
    Dossier.apology_reason,
    Dossier.one_stop_facts,
)

Facts = dict[tuple[str, int], int]


def dossier_facts(
    row: DossierFacts,
    history: Sequence[tuple[str, datetime]],
    zone: ZoneInfo,
    ratings: Sequence[tuple[int, datetime]] = (),
) -> Facts | None:
    """The facts one dossier adds (``history``: its status events, oldest first; ``ratings``:
    (value, given at)); None: it is counted straight from its row (resolved before it was
    accepted, or resolved without being accepted)."""
    accepted, resolved, due = row.accepted_at, row.resolved_at, row.due_at
    if resolved is not None and (accepted is None or resolved < accepted):
        return None

    def day(moment: datetime) -> int:
        return moment.astimezone(zone).date().toordinal()

    facts: Counter[tuple[str, int]] = Counter()
    for value, given in ratings:
        level = value if value in RATING_LEVELS else "x"
        facts[f"{RATING}{level}", day(given)] += 1
    if accepted is None:
        return {key: n for key, n in facts.items() if n}
    a = day(accepted)
    via = row.via if row.via in ("online", "postal") else "direct"
    facts["new_" + via, a] += 1
    # The SQL's trim() takes spaces only.
    reason = (row.apology_reason or "").strip(" ") != ""
    r = day(resolved) if resolved is not None else None
    if resolved is not None and r is not None:
        late = due is not None and resolved > due
        facts["late" if late else "on_time", r] += 1
        if late and reason:
            facts["late_reason", r] += 1
    d = day(due) if due is not None else None
    status_day = day(row.status_at)
    events = [(day(at), status) for status, at in history]

    def stock(k: int) -> tuple[str, ...]:
        """The stocks at the start of day k: the table's SQL with the period's edge there."""
        if not (a < k and (r is None or r >= k)):
            return ()
        status: str | None = None
        if status_day < k:
            status = row.status
        else:
            for event_day, step in events:  # oldest first: the last one before k
                if event_day >= k:
                    break
                status = step
        if status == WITHDRAWN:
            return ()
        if status in CLOCK_STOPPED:
            return ("within", "waiting") if status in WAITING_ON_CITIZEN else ("within",)
        if d is not None and d < k:
            return ("past", "past_reason") if reason else ("past",)
        return ("within",)

    # The standing changes only on the day after one of these.
    points = {a, status_day, *(e for e, _ in events), *(x for x in (r, d) if x is not None)}
    before: tuple[str, ...] = ()
    for point in sorted(points):
        now = stock(point + 1)
        for kind in before:
            facts[kind, point] -= 1
        for kind in now:
            facts[kind, point] += 1
        before = now
    return {key: n for key, n in facts.items() if n}


def encode(agency: str | None, facts: Facts | None) -> str | None:
    if facts is None:
        return None
    return json.dumps(
        {"a": agency, "f": sorted([k, d, n] for (k, d), n in facts.items())},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def decode(stored: str | None) -> tuple[str | None, Facts]:
    if not stored:
        return None, {}
    data = json.loads(stored)
    return data["a"], {(str(k), int(d)): int(n) for k, d, n in data["f"]}


def _month(day: int) -> int:
    return date.fromordinal(day).replace(day=1).toordinal()


Totals = Counter[tuple[str, str, int, str]]  # (grain, kind, first day, agency key) -> n


def _add(totals: Totals, agency: str | None, facts: Facts, sign: int) -> None:
    key = agency_key(agency)
    for (kind, day), n in facts.items():
        totals[DAY, kind, day, key] += sign * n
        totals[MONTH, kind, _month(day), key] += sign * n


# --- kept in the writer's transaction ----------------------------------------------------------


async def zone(session: AsyncSession) -> ZoneInfo | None:
    """The tally's time zone (None: no tally; every table is counted from the rows)."""
    name = await session.scalar(select(col(OneStopTallyZone.timezone)).limit(1))
    return ZoneInfo(name) if name else None


async def refresh(
    session: AsyncSession,
    dossier_ids: Iterable[int],
    histories: Mapping[int, Sequence[tuple[str, datetime]]] | None = None,
) -> int:
    """Recounts these dossiers' facts after a change (their rows and histories as they stand
    in this transaction) and moves the tally by the difference; returns how many changed.
    ``histories`` (status, at) oldest first, when the caller has read them already."""
    ids = sorted(set(dossier_ids))
    tz = await zone(session) if ids else None
    totals: Totals = Counter()
    changed: list[dict[str, Any]] = []
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        # Row locks: two writers of one dossier subtract and add one after the other.
        read: Any = select(*(col(c) for c in _COLUMNS)).where(col(Dossier.id).in_(chunk))
        rows = [DossierFacts(*r) for r in (await session.execute(read.with_for_update())).all()]
        steps = histories
        if steps is None or any(r.id not in steps for r in rows):
            steps = await dossiers_repo.status_steps(session, chunk)
        given = await _ratings(session, chunk)
        for row in rows:
            facts = (
                dossier_facts(row, steps.get(row.id, ()), tz, given.get(row.id, ()))
                if tz is not None
                else None
            )
            stored = encode(row.agency, facts)
            if stored == row.stored:
                continue
            old_agency, old = decode(row.stored)
            _add(totals, old_agency, old, -1)
            if facts is not None:
                _add(totals, row.agency, facts, 1)
            changed.append({"b_id": row.id, "b_facts": stored})
    if changed:
        conn = await session.connection()
        await conn.execute(_SET_FACTS, changed)
    moves = [
        {"grain": g, "kind": k, "start": s, "agency": a, "n": n}
        for (g, k, s, a), n in sorted(totals.items())  # one order: no deadlock between writers
        if n
    ]
    if moves:
        table = OneStopTally.__table__  # type: ignore[attr-defined]
        stmt = upsert_insert(session, table)
        stmt = stmt.on_conflict_do_update(
            index_elements=["grain", "kind", "start", "agency"],
            set_={"n": table.c.n + stmt.excluded.n},
        )
        conn = await session.connection()
        for start in range(0, len(moves), BATCH):
            await conn.execute(stmt, moves[start : start + BATCH])
    return len(changed)


async def _ratings(
    session: AsyncSession, dossier_ids: Sequence[int]
) -> dict[int, list[tuple[int, datetime]]]:
    found: dict[int, list[tuple[int, datetime]]] = {}
    result = await session.execute(
        select(col(Rating.dossier_id), col(Rating.value), col(Rating.created_at)).where(
            col(Rating.dossier_id).in_(list(dossier_ids))
        )
    )
    for dossier_id, value, at in result.all():
        found.setdefault(dossier_id, []).append((value, at))
    return found


_SET_FACTS = (
    update(Dossier)
    .where(col(Dossier.id) == bindparam("b_id"))
    .values(one_stop_facts=bindparam("b_facts"))
)


# --- built from the rows (the migration, a restore, a bulk load) -------------------------------


def rebuild(conn: Connection, timezone: str, *, batch: int = 5000) -> int:
    """Recounts every dossier's facts and the whole tally in ``timezone`` (a synchronous
    connection: the migration's, or ``AsyncConnection.run_sync``); returns the dossiers read."""
    tz = ZoneInfo(timezone)
    tally = OneStopTally.__table__  # type: ignore[attr-defined]
    conn.execute(delete(OneStopTallyZone))
    conn.execute(delete(tally))
    totals: Totals = Counter()
    last, seen = 0, 0
    ident = col(Dossier.id)
    while True:
        stmt = select(*(col(c) for c in _COLUMNS)).where(ident > last).order_by(ident).limit(batch)
        rows = [DossierFacts(*r) for r in conn.execute(stmt).all()]
        if not rows:
            break
        last, seen = rows[-1].id, seen + len(rows)
        steps: dict[int, list[tuple[str, datetime]]] = {}
        events = conn.execute(
            select(col(StatusEvent.dossier_id), col(StatusEvent.status), col(StatusEvent.at))
            .where(col(StatusEvent.dossier_id) >= rows[0].id, col(StatusEvent.dossier_id) <= last)
            .order_by(col(StatusEvent.dossier_id), col(StatusEvent.at), col(StatusEvent.id))
        )
        for dossier_id, status, at in events.all():
            steps.setdefault(dossier_id, []).append((status, at))
        given: dict[int, list[tuple[int, datetime]]] = {}
        rated = conn.execute(
            select(col(Rating.dossier_id), col(Rating.value), col(Rating.created_at)).where(
                col(Rating.dossier_id) >= rows[0].id, col(Rating.dossier_id) <= last
            )
        )
        for dossier_id, value, at in rated.all():
            given.setdefault(dossier_id, []).append((value, at))
        changed = []
        for row in rows:
            facts = dossier_facts(row, steps.get(row.id, ()), tz, given.get(row.id, ()))
            stored = encode(row.agency, facts)
            if facts is not None:
                _add(totals, row.agency, facts, 1)
            if stored != row.stored:
                changed.append({"b_id": row.id, "b_facts": stored})
        if changed:
            conn.execute(_SET_FACTS, changed)
    rows_out = [
        {"grain": g, "kind": k, "start": s, "agency": a, "n": n}
        for (g, k, s, a), n in sorted(totals.items())
        if n
    ]
    for start in range(0, len(rows_out), batch):
        conn.execute(tally.insert(), rows_out[start : start + batch])
    zone_table = OneStopTallyZone.__table__  # type: ignore[attr-defined]
    conn.execute(zone_table.insert(), [{"id": 1, "timezone": timezone}])
    return seen


# --- read by the report ------------------------------------------------------------------------


def local_day(moment: datetime, tz: ZoneInfo) -> int | None:
    """The ordinal of the day ``moment`` starts in ``tz`` (None: not a local midnight)."""
    local = moment.astimezone(tz)
    if (local.hour, local.minute, local.second, local.microsecond) != (0, 0, 0, 0):
        return None
    return local.date().toordinal()


def _next_month(day: int) -> int:
    d = date.fromordinal(day).replace(day=1)
    d = d.replace(year=d.year + 1, month=1) if d.month == 12 else d.replace(month=d.month + 1)
    return d.toordinal()


def _span(lo: int | None, hi: int) -> Any:
    """Which tally rows sum to the facts dated in [lo, hi) (lo None: since ever): whole months
    from the month rows, the days at either edge from the day rows."""
    start, grain = col(OneStopTally.start), col(OneStopTally.grain)
    hi_month = _month(hi)
    if lo is None:
        return or_(
            and_(grain == MONTH, start < hi_month),
            and_(grain == DAY, start >= hi_month, start < hi),
        )
    lo_month = lo if date.fromordinal(lo).day == 1 else _next_month(lo)
    if lo_month >= hi_month:
        return and_(grain == DAY, start >= lo, start < hi)
    return or_(
        and_(grain == MONTH, start >= lo_month, start < hi_month),
        and_(grain == DAY, start >= lo, start < lo_month),
        and_(grain == DAY, start >= hi_month, start < hi),
    )


async def sums(
    session: AsyncSession,
    kinds: Sequence[str],
    lo: int | None,
    hi: int,
    agency: str | None,
    *,
    any_agency: bool,
) -> dict[str | None, dict[str, int]]:
    """agency -> kind -> the facts of ``kinds`` dated in [lo, hi); ``any_agency``: every
    agency (else only ``agency``, which may be None: dossiers without one)."""
    kind = col(OneStopTally.kind)
    stmt = (
        select(col(OneStopTally.agency), kind, func.sum(col(OneStopTally.n)))
        .where(kind.in_(list(kinds)), _span(lo, hi))
        .group_by(col(OneStopTally.agency), kind)
    )
    if not any_agency:
        stmt = stmt.where(col(OneStopTally.agency) == agency_key(agency))
    found: dict[str | None, dict[str, int]] = {}
    for key, k, n in (await session.execute(stmt)).all():
        found.setdefault(agency_name(key), {})[k] = int(n or 0)
    return found
