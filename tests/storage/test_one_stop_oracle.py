"""The one-stop table as SQL aggregates equals a count made dossier by dossier in Python from
each one's full status history (the way the rules read it), on random histories imported through
the real ingest, for several periods, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from handlers.dossiers.calendar import WorkCalendar
from handlers.dossiers.ingest import Ingestor
from storage import dossiers_repo, one_stop_repo, ratings_repo
from storage.engine import SessionFactory
from storage.models import Dossier

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 12, 20, 3, 0, tzinfo=UTC)
AGENCIES = ("UBND xã Tân Phú", "UBND phường Bến Thành", None)
STEPS = (
    "processing",
    "supplement_required",
    "financial_obligation",
    "paused",
    "processing",
    "result_ready",
    "returned",
    "rejected",
    "withdrawn",
)
STOPPED = {"supplement_required", "financial_obligation", "paused"}
WAITING = {"supplement_required", "financial_obligation"}


def _histories(rng: random.Random, n: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    origin = datetime(2026, 9, 20, 2, 0, tzinfo=UTC)
    for i in range(n):
        received = origin + timedelta(hours=rng.randrange(0, 24 * 85))
        base = {
            "receipt_code": f"000.00.20.H56-260920-{i + 1:04d}",
            "procedure_code": "1.001193",
            "received_at": received.isoformat(),
            "due_at": (received + timedelta(days=rng.choice((2, 5, 9, 15)))).date().isoformat(),
            "submitted_via": rng.choice(("online", "direct", "postal", None)),
            "agency": rng.choice(AGENCIES),
        }
        first = "registered" if rng.random() < 0.15 else "received"
        rows.append({**base, "status": first, "status_at": received.isoformat()})
        at = received
        for _ in range(rng.randrange(0, 5)):
            at += timedelta(hours=rng.randrange(2, 24 * 12))
            if at >= NOW:
                break
            step: dict[str, Any] = {**base, "status": rng.choice(STEPS)}
            step["status_at"] = at.isoformat()
            if rng.random() < 0.2:
                step["apology_reason"] = "Chờ xác minh"
                step["new_due_at"] = (at + timedelta(days=7)).date().isoformat()
            rows.append(step)
    return rows


def _status_before(history: Sequence[tuple[str, datetime]], moment: datetime) -> str | None:
    found = None
    for status, at in history:
        if at >= moment:
            break
        found = status
    return found


def _count_by_hand(
    dossier: Dossier,
    history: Sequence[tuple[str, datetime]],
    start: datetime,
    end: datetime,
    at_end: datetime,
) -> list[str]:
    """The counters one dossier adds to, read from its history."""
    out: list[str] = []
    accepted, resolved, due = dossier.accepted_at, dossier.resolved_at, dossier.due_at
    if accepted is None or accepted >= end or (resolved is not None and resolved < start):
        return out
    late_keys = []
    if start <= accepted < end:
        via = dossier.submitted_via if dossier.submitted_via in ("online", "postal") else "direct"
        out.append(f"received_new_{via}")
    elif _status_before(history, start) != "withdrawn":
        out.append("carried_over")
    if resolved is not None and start <= resolved < end:
        late = due is not None and resolved > due
        out.append("resolved_late" if late else "resolved_on_time")
        if late:
            late_keys.append("late")
    if accepted < at_end and (resolved is None or resolved >= at_end):
        status = _status_before(history, at_end)
        if status in STOPPED:
            out.append("in_progress_within_deadline")
            if status in WAITING:
                out.append("waiting_on_citizen")
        elif status == "withdrawn":
            pass
        elif due is not None and due < at_end:
            out.append("in_progress_past_deadline")
            late_keys.append("past")
        else:
            out.append("in_progress_within_deadline")
    for _ in late_keys:
        out.append("apologies_owed")
        if (dossier.apology_reason or "").strip():
            out.append("apologies_with_reason")
    return out


async def _by_hand(
    factory: SessionFactory, start: datetime, end: datetime, now: datetime = NOW
) -> dict[str | None, dict[str, int]]:
    at_end = min(end, now)
    async with factory() as session:
        dossiers = list((await session.execute(select(Dossier))).scalars())
        steps = await dossiers_repo.status_steps(session, [d.id for d in dossiers if d.id])
    tables: dict[str | None, dict[str, int]] = {}
    for d in dossiers:
        assert d.id is not None
        history = steps.get(d.id) or [(d.status, d.status_at)]
        keys = _count_by_hand(d, history, start, end, at_end)
        if keys or (d.accepted_at is not None and d.accepted_at < end):
            table = tables.setdefault(d.agency, dict.fromkeys(one_stop_repo.COUNTS, 0))
            for key in keys:
                table[key] += 1
    return {a: t for a, t in tables.items() if any(t.values())}


async def test_sql_counts_equal_the_count_from_each_history(
    session_factory: SessionFactory,
) -> None:
    rng = random.Random(11)
    report = await Ingestor(session_factory, WorkCalendar()).ingest_rows(
        list(enumerate(_histories(rng, 260), start=2)), NOW
    )
    assert report.rejected == [], report.rejected[:3]
    async with session_factory() as session, session.begin():
        ids = [d.id for d in (await session.execute(select(Dossier))).scalars() if d.id]
        for n, dossier_id in enumerate(rng.sample(ids, 40)):
            created = datetime(2026, 10, 1, tzinfo=VN) + timedelta(days=rng.randrange(75))
            await ratings_repo.save_rating(
                session, dossier_id, "telegram", str(n), value=rng.choice((1, 2, 3)), now=created
            )
    periods = [
        (datetime(2026, 11, 1, tzinfo=VN), datetime(2026, 12, 1, tzinfo=VN)),
        (datetime(2026, 10, 15, tzinfo=VN), datetime(2026, 11, 20, tzinfo=VN)),
        (datetime(2026, 12, 1, tzinfo=VN), datetime(2027, 1, 1, tzinfo=VN)),  # still running
        (datetime(2026, 9, 1, tzinfo=VN), datetime(2026, 10, 1, tzinfo=VN)),
    ]
    seen = dict.fromkeys(one_stop_repo.COUNTS, 0)
    for start, end in periods:
        expected = await _by_hand(session_factory, start, end)
        async with session_factory() as session:
            total, by_agency = await one_stop_repo.one_stop_by_agency(session, start, end, now=NOW)
            only = await one_stop_repo.one_stop(session, start, end, now=NOW, agency=AGENCIES[0])
        counted = {
            agency: {k: table[k] for k in one_stop_repo.COUNTS}
            for agency, table in by_agency.items()
            if any(table[k] for k in one_stop_repo.COUNTS)
        }
        assert counted == expected, (start, end)
        for key in one_stop_repo.COUNTS:
            assert total[key] == sum(t[key] for t in expected.values())
            assert only[key] == expected.get(AGENCIES[0], {}).get(key, 0)
            seen[key] += total[key]
        ratings = sum(t["satisfaction"]["total"] for t in by_agency.values())
        assert ratings == total["satisfaction"]["total"]
    # The random histories reach every counter, so each rule above was compared at least once.
    assert all(seen.values()), seen


async def test_on_time_share_by_month_matches_the_table(session_factory: SessionFactory) -> None:
    rng = random.Random(5)
    await Ingestor(session_factory, WorkCalendar()).ingest_rows(
        list(enumerate(_histories(rng, 200), start=2)), NOW
    )
    bounds = [datetime(2026, m, 1, tzinfo=VN) for m in (9, 10, 11, 12)]
    async with session_factory() as session:
        months = await one_stop_repo.on_time_by_month(session, bounds)
        tables = [
            await one_stop_repo.one_stop(session, a, b, now=NOW)
            for a, b in zip(bounds, bounds[1:], strict=False)
        ]
        agency = await one_stop_repo.on_time_by_month(session, bounds, agency=AGENCIES[1])
        agency_tables = [
            await one_stop_repo.one_stop(session, a, b, now=NOW, agency=AGENCIES[1])
            for a, b in zip(bounds, bounds[1:], strict=False)
        ]
    assert months == [(t["resolved_total"], t["resolved_on_time"]) for t in tables]
    assert agency == [(t["resolved_total"], t["resolved_on_time"]) for t in agency_tables]
    assert sum(n for n, _ in months) > 20 and any(n > k for n, k in months)
