"""Timing: the rule scans and the dispatcher as APScheduler jobs, or all of them once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from notifications.dispatcher import Dispatcher
from notifications.jobs import RuleJobs

log = logging.getLogger(__name__)

# Explicit, stable job ids: starting twice replaces the jobs instead of doubling them.
RULE_JOB_IDS = {
    "status_changes": "notify:status_changes",
    "due_reminders": "notify:due_reminders",
    "overdue_apologies": "notify:overdue_apologies",
    "collect_reminders": "notify:collect_reminders",
}
DISPATCH_JOB_ID = "notify:dispatch"


@dataclass
class NotificationService:
    """The rules (what to enqueue) and the dispatcher (what to send), built by ``bot``."""

    jobs: RuleJobs
    dispatcher: Dispatcher

    async def run_once(self) -> dict[str, Any]:
        """Every rule once, then the dispatcher until nothing is due (``notify run-once``)."""
        enqueued = await self.jobs.run_all()
        stats = await self.dispatcher.run_once()
        return {"enqueued": enqueued, "dispatch": stats.as_dict()}

    async def run_job(self, name: str) -> None:
        """One scheduled job by name; takes no objects, only what the database holds."""
        if name == "dispatch":
            stats = await self.dispatcher.run_once()
            if stats.claimed:
                log.info("notify dispatch: %s", stats.as_dict())
            return
        count = await getattr(self.jobs, name)()
        if count:
            log.info("notify %s: %d new message(s) queued", name, count)


def start_scheduler(
    service: NotificationService,
    *,
    rules_interval_s: float = 60.0,
    dispatch_interval_s: float = 10.0,
    scheduler: AsyncIOScheduler | None = None,
) -> AsyncIOScheduler:
    """Add the jobs (idempotent ids) and start the scheduler on the running event loop.

    Stop it with ``scheduler.shutdown(wait=False)``.
    """
    scheduler = scheduler or AsyncIOScheduler(timezone=UTC)
    common: dict[str, Any] = {
        "replace_existing": True,
        "max_instances": 1,  # a slow pass is never overlapped by the next one
        "coalesce": True,
        "misfire_grace_time": None,
    }
    first = datetime.now(UTC)
    for name, job_id in RULE_JOB_IDS.items():
        scheduler.add_job(
            service.run_job,
            "interval",
            args=[name],
            id=job_id,
            seconds=rules_interval_s,
            next_run_time=first,
            **common,
        )
    scheduler.add_job(
        service.run_job,
        "interval",
        args=["dispatch"],
        id=DISPATCH_JOB_ID,
        seconds=dispatch_interval_s,
        next_run_time=first,
        **common,
    )
    if not scheduler.running:
        scheduler.start()
    return scheduler
