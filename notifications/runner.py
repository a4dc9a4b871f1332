"""Timing: the rule scans and the dispatcher as APScheduler jobs, or all of them once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from notifications.dispatcher import Dispatcher
from notifications.jobs import RuleJobs
from notifications.registry import Audience, Source

log = logging.getLogger(__name__)

DISPATCH_JOB_ID = "notify:dispatch"


def rule_job_id(audience: Audience, source: Source) -> str:
    """Explicit, stable job ids ("notify:followers:overdue"): starting twice replaces the jobs
    instead of doubling them."""
    return f"notify:{audience.value}:{source.value}"


@dataclass
class NotificationService:
    """The rules (what to enqueue, one RuleJobs per audience: subscribers, and by phone where a
    channel offers it) and the dispatcher (what to send), built by ``bot``."""

    jobs: RuleJobs
    dispatcher: Dispatcher
    by_phone: RuleJobs | None = None

    @property
    def rule_jobs(self) -> tuple[RuleJobs, ...]:
        return (self.jobs,) if self.by_phone is None else (self.jobs, self.by_phone)

    def job_ids(self) -> dict[str, tuple[RuleJobs, Source]]:
        return {
            rule_job_id(jobs.audience, source): (jobs, source)
            for jobs in self.rule_jobs
            for source in jobs.sources
        }

    async def enqueue_all(self) -> dict[str, Any]:
        """Every rule of the registry once, for every audience."""
        result: dict[str, Any] = {"enqueued": await self.jobs.run_all()}
        if self.by_phone is not None:
            result["enqueued_by_phone"] = await self.by_phone.run_all()
        return result

    async def run_once(self) -> dict[str, Any]:
        """Every rule once, then the dispatcher until nothing is due (``notify run-once``)."""
        result = await self.enqueue_all()
        stats = await self.dispatcher.run_once()
        return {**result, "dispatch": stats.as_dict()}

    async def run_job(self, job_id: str) -> None:
        """One scheduled job by id; takes no objects, only what the database holds."""
        if job_id == DISPATCH_JOB_ID:
            stats = await self.dispatcher.run_once()
            if stats.claimed:
                log.info("notify dispatch: %s", stats.as_dict())
            return
        jobs, source = self.job_ids()[job_id]
        counts = await jobs.run(source)
        if any(counts.values()):
            log.info("notify %s: new messages queued %s", job_id, counts)


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
    for job_id in service.job_ids():
        scheduler.add_job(
            service.run_job,
            "interval",
            args=[job_id],
            id=job_id,
            seconds=rules_interval_s,
            next_run_time=first,
            **common,
        )
    scheduler.add_job(
        service.run_job,
        "interval",
        args=[DISPATCH_JOB_ID],
        id=DISPATCH_JOB_ID,
        seconds=dispatch_interval_s,
        next_run_time=first,
        **common,
    )
    if not scheduler.running:
        scheduler.start()
    return scheduler
