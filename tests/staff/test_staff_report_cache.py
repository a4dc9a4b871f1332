"""The report's figures kept a short while: served while fresh, served stale while one
background task recomputes them, computed first when too old or asked for; a month that is over
is kept longer; a failed recomputation keeps the old figures."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from one_stop_support import EXPECTED_TOTAL, seed_month

from bot.bootstrap import Services
from bot.staff.report import FRESH, KEEP, ReportPage
from handlers.staff.audit import Actor
from handlers.staff.cache import StaleWhileRevalidate
from storage import dossiers_repo

T0 = datetime(2026, 12, 10, 3, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


async def test_fresh_stale_expired_and_forced() -> None:
    clock = Clock()
    cache: StaleWhileRevalidate[int] = StaleWhileRevalidate(
        clock, fresh=timedelta(minutes=2), keep=timedelta(minutes=30)
    )
    calls: list[int] = []

    async def compute() -> int:
        calls.append(1)
        await asyncio.sleep(0)
        return len(calls)

    assert (await cache.get("k", compute)).value == 1  # nothing kept: computed first
    clock.now += timedelta(minutes=1)
    assert (await cache.get("k", compute)).value == 1 and len(calls) == 1  # fresh
    clock.now += timedelta(minutes=5)
    stale = await cache.get("k", compute)
    assert stale.value == 1 and stale.at == T0  # served at once, recomputed behind
    assert (await cache.get("k", compute)).value == 1  # one recomputation at a time
    await cache.settled()  # the recomputation behind
    assert len(calls) == 2 and (await cache.get("k", compute)).value == 2
    assert (await cache.get("k", compute, force=True)).value == 3  # asked for: computed now
    clock.now += timedelta(hours=1)
    assert (await cache.get("k", compute)).value == 4  # too old to show: computed first

    async def broken() -> int:
        raise RuntimeError("database gone")

    clock.now += timedelta(minutes=3)
    assert (await cache.get("k", broken)).value == 4
    await cache.settled()  # the recomputation behind
    assert (await cache.get("k", compute)).value == 4  # the old figures stayed
    await cache.aclose()


async def test_the_report_serves_kept_figures_until_recomputed(
    staff_services: Services,
) -> None:
    await seed_month(staff_services.sessions)
    clock = Clock()
    page = ReportPage(staff_services.sessions, "Asia/Ho_Chi_Minh", clock=clock)
    viewer = Actor(1, "xem", "viewer")
    november = {"month": "2026-11"}
    first = await page.build(november, viewer)
    assert first.total == EXPECTED_TOTAL and first.computed_at == T0
    # A dossier accepted in November arrives late.
    row = {
        "receipt_code": "000.00.20.H56-261115-0099",
        "received_at": datetime(2026, 11, 15, 2, 0, tzinfo=UTC),
        "due_at": datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
        "base_due_at": datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
        "status": "received",
        "status_at": datetime(2026, 11, 15, 2, 0, tzinfo=UTC),
        "submitted_via": "postal",
        "agency": "UBND phường Bến Nghé",
    }
    async with staff_services.sessions() as session, session.begin():
        ids = await dossiers_repo.upsert_dossiers(session, [row], T0)
        await dossiers_repo.set_clocks(
            session,
            [
                {
                    "id": ids[row["receipt_code"]],
                    "accepted_at": row["received_at"],
                    "due_at": row["due_at"],
                    "clock_stopped_at": None,
                    "resolved_at": None,
                }
            ],
        )
    clock.now += FRESH / 2
    kept = await page.build(november, viewer)
    assert kept.total["received_new_postal"] == 1 and kept.computed_at == T0
    forced = await page.build(november, viewer, force=True)
    assert forced.total["received_new_postal"] == 2 and forced.computed_at == clock.now
    # Another agency's view, or another period, is kept apart.
    other = await page.build({"month": "2026-10"}, viewer)
    assert other.start.month == 10
    clock.now += KEEP * 2
    again = await page.build(november, viewer)
    assert again.computed_at == clock.now  # too old: read again before answering
    await page.aclose()
