"""The one-stop tally (kept in the writers' transactions) gives exactly the table counted from
the rows and from each dossier's history: random dossiers imported in rounds (re-imports that
move a dossier to another agency, way or due date, apology reasons), late events, withdrawals
and events at the periods' edges, through the real ingest, on SQLite and PostgreSQL. The tally
kept step by step equals one rebuilt from scratch, and the migration builds it for old data."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, func, insert, select
from sqlmodel import col
from test_one_stop_oracle import NOW, _by_hand

from handlers.dossiers.calendar import WorkCalendar
from handlers.dossiers.ingest import Ingestor
from storage import one_stop_repo, one_stop_tally, ratings_repo
from storage.engine import SessionFactory
from storage.migrate import downgrade_async, upgrade_async
from storage.models import Dossier
from storage.one_stop_tally import OneStopTally, OneStopTallyZone

VN = ZoneInfo("Asia/Ho_Chi_Minh")
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
# Local midnights the periods below start or end at, and moments just around them.
EDGES = [datetime(2026, m, 1, tzinfo=VN) for m in (10, 11, 12)] + [
    datetime(2026, 10, 15, tzinfo=VN),
    datetime(2026, 11, 20, tzinfo=VN),
    datetime(2026, 12, 20, tzinfo=VN),
]
PERIODS = [
    (datetime(2026, 9, 1, tzinfo=VN), datetime(2026, 10, 1, tzinfo=VN)),
    (datetime(2026, 10, 1, tzinfo=VN), datetime(2026, 11, 1, tzinfo=VN)),
    (datetime(2026, 11, 1, tzinfo=VN), datetime(2026, 12, 1, tzinfo=VN)),
    (datetime(2026, 10, 15, tzinfo=VN), datetime(2026, 11, 20, tzinfo=VN)),
    (datetime(2026, 11, 3, tzinfo=VN), datetime(2026, 11, 4, tzinfo=VN)),
    (datetime(2026, 9, 1, tzinfo=VN), datetime(2026, 12, 1, tzinfo=VN)),
    (datetime(2026, 12, 1, tzinfo=VN), datetime(2027, 1, 1, tzinfo=VN)),  # still running
    (datetime(2026, 12, 20, tzinfo=VN), datetime(2026, 12, 21, tzinfo=VN)),  # today
    (datetime(2027, 1, 1, tzinfo=VN), datetime(2027, 2, 1, tzinfo=VN)),  # not begun
    (datetime(2026, 11, 1, 8, 0, tzinfo=VN), datetime(2026, 12, 1, tzinfo=VN)),  # not a midnight
]


def _moment(rng: random.Random, origin: datetime, hours: int) -> datetime:
    """A random moment, now and then exactly at a period's edge or a microsecond from it."""
    if rng.random() < 0.15:
        edge = rng.choice(EDGES)
        return edge + rng.choice((timedelta(0), timedelta(microseconds=-1), timedelta(hours=1)))
    return origin + timedelta(hours=rng.randrange(0, hours), minutes=rng.randrange(60))


def _dossiers(rng: random.Random, n: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    origin = datetime(2026, 9, 20, 2, 0, tzinfo=UTC)
    for i in range(n):
        received = min(_moment(rng, origin, 24 * 85), NOW - timedelta(hours=1))
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
            at = max(at + timedelta(hours=rng.randrange(2, 24 * 12)), _moment(rng, at, 1))
            if at >= NOW:
                break
            step: dict[str, Any] = {
                **base,
                "status": rng.choice(STEPS),
                "status_at": at.isoformat(),
            }
            if rng.random() < 0.2:
                step["apology_reason"] = rng.choice(("Chờ xác minh", "   "))
                step["new_due_at"] = (at + timedelta(days=7)).date().isoformat()
            rows.append(step)
    return rows


def _reimports(rng: random.Random, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same dossiers again, some changed: another agency, way, due date or reason."""
    latest = {row["receipt_code"]: row for row in rows}
    again = []
    for row in rng.sample(list(latest.values()), len(latest) // 3):
        changed = dict(row)
        what = rng.choice(("agency", "via", "due", "reason"))
        if what == "agency":
            changed["agency"] = rng.choice([a for a in AGENCIES if a and a != row["agency"]])
        elif what == "via":
            changed["submitted_via"] = rng.choice(("online", "direct", "postal"))
        elif what == "due":
            changed["due_at"] = (
                datetime.fromisoformat(row["received_at"]) + timedelta(days=rng.randrange(1, 30))
            ).isoformat()
        else:
            changed["apology_reason"] = "Thiếu hồ sơ gốc"
        again.append(changed)
    return again


async def _late_events(rng: random.Random, ingestor: Ingestor, codes: list[str]) -> int:
    """Status events sent after later ones (or at an edge): they become history."""
    added = 0
    for code in rng.sample(codes, len(codes) // 4):
        status = rng.choice((*STEPS, "withdrawn", "withdrawn"))
        at = _moment(rng, datetime(2026, 9, 25, tzinfo=UTC), 24 * 80)
        body = {"status": status, "at": min(at, NOW).isoformat()}
        if rng.random() < 0.3:
            body["apology_reason"] = "Hệ thống gián đoạn"
        ok, rejected = await ingestor.ingest_event(code, body, NOW)
        assert rejected is None or rejected.reason in {"in_future"}, rejected
        added += ok
    return added


async def _seed(session_factory: SessionFactory, seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    ingestor = Ingestor(session_factory, WorkCalendar())
    rows = _dossiers(rng, n)
    report = await ingestor.ingest_rows(list(enumerate(rows, start=2)), NOW)
    assert report.rejected == [], report.rejected[:3]
    again = _reimports(rng, rows)
    report = await ingestor.ingest_rows(list(enumerate(again, start=2)), NOW)
    assert report.rejected == [], report.rejected[:3]
    codes = sorted({row["receipt_code"] for row in rows})
    assert await _late_events(rng, ingestor, codes) > 10
    async with session_factory() as session, session.begin():
        ids = [i for i in (await session.execute(select(col(Dossier.id)))).scalars() if i]
        rated = rng.sample(ids, 40)
        for k, dossier_id in enumerate(rated + rated[:8]):  # the last 8: a rating changed
            created = rng.choice(EDGES) if k % 5 == 0 else datetime(2026, 10, 1, tzinfo=VN)
            created += timedelta(days=rng.randrange(75) if k % 5 else 0)
            await ratings_repo.save_rating(
                session,
                dossier_id,
                "telegram",
                str(k % 40),
                value=rng.choice((1, 2, 3)),
                now=created,
            )
    return codes


async def _start_tally(session_factory: SessionFactory) -> None:
    """An empty tally in Vietnam's days (the tests' tables are emptied between tests)."""
    async with session_factory() as session, session.begin():
        conn = await session.connection()
        await conn.run_sync(one_stop_tally.rebuild, "Asia/Ho_Chi_Minh")


async def _tally_rows(session_factory: SessionFactory) -> dict[tuple[str, str, int, str], int]:
    async with session_factory() as session:
        rows = (await session.execute(select(OneStopTally))).scalars()
        return {(r.grain, r.kind, r.start, r.agency): r.n for r in rows if r.n}


async def _assert_tally_equals_direct(
    session_factory: SessionFactory, *, share: float = 0.1
) -> None:
    async with session_factory() as session:
        untallied = await session.scalar(
            select(func.count()).where(col(Dossier.one_stop_facts).is_(None))
        )
        everyone = await session.scalar(select(func.count()).select_from(Dossier))
    assert everyone and (untallied or 0) < everyone * share, (untallied, everyone)
    for start, end in PERIODS:
        async with session_factory() as session:
            tallied = await one_stop_repo.one_stop_by_agency(session, start, end, now=NOW)
            direct = await one_stop_repo.one_stop_by_agency(
                session, start, end, now=NOW, direct=True
            )
            for agency in AGENCIES:
                one = await one_stop_repo.one_stop(session, start, end, now=NOW, agency=agency)
                assert one == await one_stop_repo.one_stop(
                    session, start, end, now=NOW, agency=agency, direct=True
                ), (start, end, agency)
        assert tallied == direct, (start, end)
        by_hand = await _by_hand(session_factory, start, end)
        counted = {
            agency: {k: table[k] for k in one_stop_repo.COUNTS}
            for agency, table in tallied[1].items()
            if any(table[k] for k in one_stop_repo.COUNTS)
        }
        assert counted == by_hand, (start, end)
    bounds = [datetime(2026, m, 1, tzinfo=VN) for m in (9, 10, 11, 12)] + [
        datetime(2027, 1, 1, tzinfo=VN)
    ]
    async with session_factory() as session:
        for agency in (None, AGENCIES[0]):
            months = await one_stop_repo.on_time_by_month(session, bounds, agency=agency)
            assert months == await one_stop_repo.on_time_by_month(
                session, bounds, agency=agency, direct=True
            )
            assert sum(n for n, _ in months) > 10


async def test_tally_equals_the_count_from_rows_and_histories(
    session_factory: SessionFactory,
) -> None:
    await _start_tally(session_factory)
    await _seed(session_factory, 21, 300)
    await _assert_tally_equals_direct(session_factory)
    # What was kept step by step equals what a rebuild from the rows counts.
    kept = await _tally_rows(session_factory)
    assert len(kept) > 100
    await _start_tally(session_factory)
    assert await _tally_rows(session_factory) == kept


async def test_a_dossier_without_facts_is_counted_from_its_row(
    session_factory: SessionFactory,
) -> None:
    await _start_tally(session_factory)
    await _seed(session_factory, 7, 120)
    async with session_factory() as session, session.begin():
        # Without a zone the writers take a dossier's facts out of the tally and leave it to
        # be counted from its row (as after a bulk load that bypassed them).
        ids = list((await session.execute(select(col(Dossier.id)))).scalars())[::7]
        await session.execute(delete(OneStopTallyZone))
        assert await one_stop_tally.refresh(session, [i for i in ids if i]) > 5
        await session.execute(insert(OneStopTallyZone).values(id=1, timezone="Asia/Ho_Chi_Minh"))
    async with session_factory() as session:
        untallied = await session.scalar(
            select(func.count()).where(col(Dossier.one_stop_facts).is_(None))
        )
    assert (untallied or 0) >= len(ids) > 5
    await _assert_tally_equals_direct(session_factory, share=0.25)


async def test_the_migration_builds_the_tally_for_stored_dossiers(
    session_factory: SessionFactory, db_url: str
) -> None:
    await _start_tally(session_factory)
    await _seed(session_factory, 3, 150)
    kept = await _tally_rows(session_factory)
    async with session_factory() as session:
        ids = list((await session.execute(select(col(Dossier.id)))).scalars())
    try:
        await downgrade_async(db_url, "0006")  # drops the facts and the tally
        await upgrade_async(db_url)  # builds them from the rows
        assert await _tally_rows(session_factory) == kept
        async with session_factory() as session:
            tz = await one_stop_tally.zone(session)
            assert tz is not None and tz.key == "Asia/Ho_Chi_Minh"
            assert len(list((await session.execute(select(col(Dossier.id)))).scalars())) == len(
                ids
            )
        await _assert_tally_equals_direct(session_factory)
    finally:
        await upgrade_async(db_url)


def test_facts_of_one_dossier() -> None:
    """Accepted 30/10, supplement asked 31/10 (stops), processing again 3/11, due 5/11 (the
    clock's), result 7/11 (late): new on 30/10; within from 31/10; past from 6/11; late on 7/11."""
    day = lambda d: datetime(2026, 11, 1, tzinfo=VN).date().toordinal() + d  # noqa: E731
    at = lambda m, d, h=9: datetime(2026, m, d, h, tzinfo=VN)  # noqa: E731
    row = one_stop_tally.DossierFacts(
        id=1,
        agency="A",
        via=None,
        accepted_at=at(10, 30),
        resolved_at=at(11, 7),
        due_at=at(11, 5, 17),
        status="result_ready",
        status_at=at(11, 7),
        apology_reason=" ",
        stored=None,
    )
    history = [
        ("received", at(10, 30)),
        ("supplement_required", at(10, 31)),
        ("processing", at(11, 3)),
        ("result_ready", at(11, 7)),
    ]
    facts = one_stop_tally.dossier_facts(row, history, VN)
    assert facts == {
        ("new_direct", day(-2)): 1,
        ("within", day(-2)): 1,  # in progress from the start of 31/10
        ("waiting", day(-1)): 1,  # waiting from 1/11 (the supplement asked on 31/10)
        ("waiting", day(2)): -1,  # running again from 4/11
        ("within", day(4)): -1,  # past its date from 6/11
        ("past", day(4)): 1,
        ("past", day(6)): -1,  # resolved on 7/11
        ("late", day(6)): 1,  # a reason of spaces only is no reason
    }
    # Its ratings, on the day given: a value off the scale counts in the total only.
    rated = one_stop_tally.dossier_facts(row, history, VN, [(3, at(11, 8)), (5, at(11, 8))])
    assert rated == {**facts, ("rating_3", day(7)): 1, ("rating_x", day(7)): 1}
    # Resolved before it was accepted: counted from its row.
    early = dataclasses.replace(row, resolved_at=at(10, 29))
    assert one_stop_tally.dossier_facts(early, history, VN) is None


# This month's report reads what is in progress now as the tally's at the start of today, moved
# by the dossiers whose standing changed since: many dossiers changed today (accepted, due,
# stopped, running again, resolved, withdrawn), moments at the edge of today and of now.
TODAY = datetime(2026, 12, 20, tzinfo=VN)
TODAY_MOMENTS = (
    TODAY - timedelta(microseconds=1),
    TODAY,
    TODAY + timedelta(microseconds=1),
    NOW - timedelta(microseconds=1),
    NOW,
)


def _today_moment(rng: random.Random) -> datetime:
    if rng.random() < 0.3:
        return rng.choice(TODAY_MOMENTS)
    return TODAY + (NOW - TODAY) * rng.random()


def _changed_today(rng: random.Random, n: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for i in range(n):
        received = TODAY - timedelta(hours=rng.randrange(1, 24 * 20))
        if rng.random() < 0.3:
            received = _today_moment(rng)
        due = rng.choice((_today_moment(rng), received + timedelta(days=rng.randrange(1, 9))))
        base = {
            "receipt_code": f"000.00.20.H56-261220-{i + 1:04d}",
            "procedure_code": "1.001193",
            "received_at": received.isoformat(),
            "due_at": max(due, received).isoformat(),
            "submitted_via": rng.choice(("online", "direct", None)),
            "agency": rng.choice(AGENCIES),
        }
        rows.append({**base, "status": "received", "status_at": received.isoformat()})
        at = received
        for _ in range(rng.randrange(0, 4)):
            at = max(at, _today_moment(rng) if rng.random() < 0.7 else at + timedelta(hours=5))
            if at > NOW:
                break
            step = {**base, "status": rng.choice(STEPS), "status_at": at.isoformat()}
            if rng.random() < 0.3:
                step["apology_reason"] = rng.choice(("Chờ xác minh", " "))
            rows.append(step)
    return rows


async def _assert_now_equals_direct(session_factory: SessionFactory, now: datetime) -> None:
    periods = [
        (datetime(2026, 12, 1, tzinfo=VN), datetime(2027, 1, 1, tzinfo=VN)),  # this month
        (TODAY, TODAY + timedelta(days=1)),  # today
        (TODAY - timedelta(days=1), TODAY),  # yesterday: over, or ending now
        (datetime(2026, 11, 1, tzinfo=VN), TODAY + timedelta(days=2)),
    ]
    for start, end in periods:
        async with session_factory() as session:
            tallied = await one_stop_repo.one_stop_by_agency(session, start, end, now=now)
            direct = await one_stop_repo.one_stop_by_agency(
                session, start, end, now=now, direct=True
            )
            one = await one_stop_repo.one_stop(session, start, end, now=now, agency=AGENCIES[1])
            assert one == await one_stop_repo.one_stop(
                session, start, end, now=now, agency=AGENCIES[1], direct=True
            ), (start, end, now)
        assert tallied == direct, (start, end, now)
        counted = {
            agency: {k: table[k] for k in one_stop_repo.COUNTS}
            for agency, table in tallied[1].items()
            if any(table[k] for k in one_stop_repo.COUNTS)
        }
        assert counted == await _by_hand(session_factory, start, end, now), (start, end, now)


async def test_in_progress_now_with_dossiers_changed_today(
    session_factory: SessionFactory,
) -> None:
    await _start_tally(session_factory)
    rng = random.Random(5)
    ingestor = Ingestor(session_factory, WorkCalendar())
    rows = _changed_today(rng, 160)
    report = await ingestor.ingest_rows(list(enumerate(rows, start=2)), NOW)
    assert report.rejected == [], report.rejected[:3]
    async with session_factory() as session:
        today = TODAY.astimezone(UTC)
        tallied = col(Dossier.one_stop_facts).is_not(None)
        for changed in (
            col(Dossier.accepted_at) >= today,
            col(Dossier.resolved_at) >= today,
            and_(col(Dossier.due_at) >= today, col(Dossier.due_at) < NOW),
            and_(col(Dossier.status_at) >= today, col(Dossier.status) == "withdrawn"),
            and_(col(Dossier.status_at) >= today, col(Dossier.status) == "supplement_required"),
        ):
            assert (await session.scalar(select(func.count()).where(tallied, changed)) or 0) > 3
    nows = [NOW, *TODAY_MOMENTS[:3], TODAY + timedelta(hours=5)]
    for now in nows:
        await _assert_now_equals_direct(session_factory, now)
    # More changes today, after a report was read: late events, exactly now and at midnight.
    codes = sorted({row["receipt_code"] for row in rows})
    for code in rng.sample(codes, 50):
        body = {"status": rng.choice(STEPS), "at": _today_moment(rng).isoformat()}
        ok, rejected = await ingestor.ingest_event(code, body, NOW)
        assert rejected is None, rejected
    for now in nows:
        await _assert_now_equals_direct(session_factory, now)


async def test_in_progress_now_with_rows_written_without_their_history(
    session_factory: SessionFactory,
) -> None:
    """Rows a bulk load wrote as they are (no status events): accepted today in a status begun
    earlier, due exactly at midnight or at now, resolved exactly now; then tallied."""
    await _start_tally(session_factory)
    hour = timedelta(hours=1)
    rows = [
        # (accepted, due, resolved, status, status_at)
        (TODAY + hour, NOW + 9 * hour, None, "processing", TODAY - 48 * hour),
        (TODAY, NOW, None, "processing", TODAY - 48 * hour),
        (TODAY - hour, TODAY, None, "processing", TODAY - 48 * hour),
        (TODAY - 9 * hour, TODAY - hour, NOW, "result_ready", NOW),
        (TODAY - 9 * hour, TODAY + hour, None, "supplement_required", TODAY - 2 * hour),
        (TODAY + 2 * hour, NOW, None, "withdrawn", TODAY - 3 * hour),
    ]
    async with session_factory() as session, session.begin():
        for i, (accepted, due, resolved, status, status_at) in enumerate(rows):
            session.add(
                Dossier(
                    receipt_code=f"000.00.20.H56-261219-{i:04d}",
                    received_at=accepted - hour,
                    accepted_at=accepted,
                    due_at=due,
                    resolved_at=resolved,
                    status=status,
                    status_at=status_at,
                    agency=AGENCIES[i % 2],
                    apology_reason="Chờ xác minh" if i % 2 else None,
                )
            )
        await session.flush()
        ids = list((await session.execute(select(col(Dossier.id)))).scalars())
        assert await one_stop_tally.refresh(session, [i for i in ids if i]) == len(rows)
    for now in (NOW, NOW - timedelta(microseconds=1), TODAY, TODAY + 3 * hour):
        await _assert_now_equals_direct(session_factory, now)
