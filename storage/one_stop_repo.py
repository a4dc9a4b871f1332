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
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.dossiers_repo import status_steps
from storage.models import Dossier, Rating
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


@dataclass(frozen=True, slots=True)
class _Row:
    id: int
    agency: str | None
    submitted_via: str | None
    accepted_at: datetime
    due_at: datetime | None
    resolved_at: datetime | None
    status: str
    status_at: datetime
    apology_reason: str | None


def _status_before(history: Sequence[tuple[str, datetime]], moment: datetime) -> str | None:
    """The status the dossier had just before ``moment`` (None: no step recorded before it)."""
    found = None
    for status, at in history:
        if at >= moment:
            break
        found = status
    return found


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


class _Tally:
    def __init__(self) -> None:
        self.n: dict[str, int] = dict.fromkeys(
            (k for k in KEYS if not k.endswith("_pct") and k != "satisfaction"), 0
        )
        self.ratings: dict[int, int] = {}

    def result(self) -> dict[str, Any]:
        n = self.n
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
    rows = await _rows(session, start, end, agency)
    histories = await status_steps(session, [r.id for r in rows])
    total = _Tally()
    per_agency: dict[str | None, _Tally] = {}
    for row in rows:
        tally = per_agency.setdefault(row.agency, _Tally())
        history = histories.get(row.id) or [(row.status, row.status_at)]
        for key, late, reason in _classify(row, history, start, end, at_end):
            for t in (total, tally):
                t.n[key] += 1
                if late:
                    t.n["apologies_owed"] += 1
                    t.n["apologies_with_reason"] += reason
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


def _classify(
    row: _Row,
    history: Sequence[tuple[str, datetime]],
    start: datetime,
    end: datetime,
    at_end: datetime,
) -> list[tuple[str, bool, bool]]:
    """The counters this dossier adds to: (key, late in the period, reason recorded)."""
    out: list[tuple[str, bool, bool]] = []
    reason = bool((row.apology_reason or "").strip())
    if start <= row.accepted_at < end:
        via = row.submitted_via if row.submitted_via in VIA else "direct"
        out.append((f"received_new_{via}", False, False))
    elif row.accepted_at < start and _status_before(history, start) != WITHDRAWN:
        out.append(("carried_over", False, False))
    resolved = row.resolved_at
    if resolved is not None and start <= resolved < end:
        late = row.due_at is not None and resolved > row.due_at
        out.append(("resolved_late" if late else "resolved_on_time", late, reason))
    if row.accepted_at < at_end and (resolved is None or resolved >= at_end):
        status = _status_before(history, at_end)
        if status == WITHDRAWN:
            return out
        if status in CLOCK_STOPPED:
            out.append(("in_progress_within_deadline", False, False))
            if status in WAITING_ON_CITIZEN:
                out.append(("waiting_on_citizen", False, False))
        elif row.due_at is not None and row.due_at < at_end:
            out.append(("in_progress_past_deadline", True, reason))
        else:
            out.append(("in_progress_within_deadline", False, False))
    return out


async def _rows(
    session: AsyncSession, start: datetime, end: datetime, agency: str | None
) -> list[_Row]:
    accepted, resolved = col(Dossier.accepted_at), col(Dossier.resolved_at)
    stmt = select(*(col(getattr(Dossier, name)) for name in _Row.__slots__)).where(
        accepted.is_not(None), accepted < end, or_(resolved.is_(None), resolved >= start)
    )
    if agency is not None:
        stmt = stmt.where(col(Dossier.agency) == agency)
    result = await session.execute(stmt)
    return [_Row(*r) for r in result.all()]


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
