"""The retention job for closed dossiers: after ``[privacy] retention_days`` their personal
fields are erased (storage.retention_repo). It runs beside the notification rules; batches keep
each transaction short. (Conversation rows have their own job: issue #12.)"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from storage import retention_repo
from storage.engine import SessionFactory

log = logging.getLogger(__name__)

JOB_ID = "privacy-closed-dossiers"
MAX_BATCHES = 200  # per run: a first run on a large archive goes on at the next one


async def erase_closed_dossiers(
    sessions: SessionFactory, retention_days: int, now: datetime | None = None
) -> int:
    """Erases the personal fields of dossiers closed more than ``retention_days`` ago; how
    many. ``retention_days`` <= 0 keeps everything."""
    if retention_days <= 0:
        return 0
    cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)
    erased = 0
    for _ in range(MAX_BATCHES):
        async with sessions() as session, session.begin():
            ids = await retention_repo.closed_before(session, cutoff)
            await retention_repo.erase(session, ids)
        erased += len(ids)
        if len(ids) < retention_repo.BATCH:
            break
    if erased:
        log.info("privacy: personal fields of %d closed dossier(s) erased", erased)
    return erased
