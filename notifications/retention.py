"""Retention of what citizens typed to a person ([privacy] retention_days): the web chat's inbox,
the conversations of hand-off tickets closed long enough ago, and the outbox rows of the answers
sent in them. Run by the worker's scheduler (and ``motcua staff purge``); idempotent."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from notifications.handoffs import RULE_HANDOFF_REPLY
from storage import handoff_repo
from storage import outbox_repo as outbox
from storage.engine import SessionFactory

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Purged:
    web_inbox: int  # messages waiting for (or shown to) a web chat page
    transcript_lines: int  # lines of closed tickets' conversations
    replies: int  # outbox rows of officers' answers in them

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


async def purge_expired(sessions: SessionFactory, now: datetime, days: int) -> Purged | None:
    """Deletes what is older than ``days`` (None, nothing deleted, when ``days`` is 0: kept)."""
    if days <= 0:
        return None
    before = now - timedelta(days=days)
    web = lines = replies = 0
    async with sessions() as session, session.begin():
        web = await handoff_repo.purge_web_inbox(session, before)
    while True:  # in batches of tickets, each its own transaction
        async with sessions() as session, session.begin():
            tickets = await handoff_repo.closed_with_transcripts(session, before)
            if not tickets:
                break
            lines += await handoff_repo.purge_transcripts(session, [i for i, _ in tickets])
            # Answers are keyed "<ticket code>:handoff_reply:<message id>:..." (reply_key).
            prefixes = [f"{code}:{RULE_HANDOFF_REPLY}:" for _, code in tickets]
            replies += await outbox.purge_finished(session, RULE_HANDOFF_REPLY, prefixes)
    purged = Purged(web_inbox=web, transcript_lines=lines, replies=replies)
    if any(purged.as_dict().values()):
        log.info("retention (%d days): deleted %s", days, purged.as_dict())
    return purged
