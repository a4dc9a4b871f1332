"""The one-stop results table on a hand-counted month (tests/one_stop_support.py), on SQLite
and PostgreSQL: per agency, in total, one agency alone; nothing waiting for the citizen or paused
is ever past its deadline."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from one_stop_support import EXPECTED_A, EXPECTED_B, EXPECTED_TOTAL, NOW, A, B, seed_month

from storage import one_stop_repo
from storage.engine import SessionFactory

VN = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime.combine(date(2026, 11, 1), time.min, VN)
END = datetime.combine(date(2026, 12, 1), time.min, VN)


async def test_the_month_equals_the_hand_count(session_factory: SessionFactory) -> None:
    await seed_month(session_factory)
    async with session_factory() as session:
        total, by_agency = await one_stop_repo.one_stop_by_agency(session, START, END, now=NOW)
        only_b = await one_stop_repo.one_stop(session, START, END, now=NOW, agency=B)
    assert by_agency == {A: EXPECTED_A, B: EXPECTED_B}
    assert total == EXPECTED_TOTAL
    assert only_b == EXPECTED_B
    assert list(total) == list(one_stop_repo.KEYS)  # DESIGN.md's keys, in its order
    for table in (total, *by_agency.values()):
        assert table["received_total"] == table["carried_over"] + sum(
            table[f"received_new_{v}"] for v in ("online", "direct", "postal")
        )
        assert table["in_progress_total"] == (
            table["in_progress_within_deadline"] + table["in_progress_past_deadline"]
        )


async def test_a_period_still_running_is_counted_at_now(session_factory: SessionFactory) -> None:
    await seed_month(session_factory)
    # Seen on 12 November 15:00: A-4 (due 10/11) is in progress past its date; A-6 (due 13/11)
    # waits for the citizen since 12/11 10:00 and B-2 (due 22/10) is paused: within. A-5 and
    # B-3 are not accepted yet.
    now = datetime(2026, 11, 12, 15, 0, tzinfo=VN)
    async with session_factory() as session:
        table = await one_stop_repo.one_stop(session, START, END, now=now)
    assert table["in_progress_past_deadline"] == 1
    assert table["in_progress_within_deadline"] == 2
    assert table["waiting_on_citizen"] == 1
    # A-2 returned 4/11 and B-1 rejected 10/11 on time; A-3 ready 6/11, late.
    assert (table["resolved_on_time"], table["resolved_late"]) == (2, 1)


async def test_an_empty_period_has_no_percentages_to_invent(
    session_factory: SessionFactory,
) -> None:
    async with session_factory() as session:
        table = await one_stop_repo.one_stop(session, START, END, now=NOW)
    assert table["resolved_total"] == 0 and table["resolved_on_time_pct"] is None
    assert table["satisfaction"]["by_level"]["satisfied"] == {"count": 0, "pct": None}
