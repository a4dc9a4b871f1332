"""The retention jobs ([privacy]; they run beside the notification rules, and ``motcua staff
purge`` runs the second now):
- closed dossiers: after ``retention_days`` their personal fields are erased
  (storage.retention_repo); batches keep each transaction short;
- what citizens typed to a person: the conversation of a hand-off ticket closed more than
  ``retention_days`` ago (and the outbox rows of the answers sent in it; the ticket itself stays),
  and the web chat's inbox after ``conversation_days``, like the rest of a chat's state.
(Conversation rows have their own job: bot.retention.)"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from notifications.handoffs import RULE_HANDOFF_REPLY
from storage import handoff_repo, retention_repo
from storage import outbox_repo as outbox
from storage.engine import SessionFactory

log = logging.getLogger(__name__)

JOB_ID = "privacy-closed-dossiers"
HANDOFFS_JOB_ID = "privacy-handoffs"
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


@dataclass(frozen=True, slots=True)
class Purged:
    web_inbox: int  # messages waiting for (or shown to) a web chat page
    transcript_lines: int  # lines of closed tickets' conversations
    replies: int  # outbox rows of officers' answers in them

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


async def purge_handoffs(
    sessions: SessionFactory,
    *,
    transcript_days: int,
    inbox_days: int,
    now: datetime | None = None,
) -> Purged:
    """Deletes closed tickets' conversations older than ``transcript_days`` after closing and
    web chat inbox messages older than ``inbox_days`` (0 keeps either)."""
    now = now or datetime.now(UTC)
    web = lines = replies = 0
    if inbox_days > 0:
        async with sessions() as session, session.begin():
            web = await handoff_repo.purge_web_inbox(session, now - timedelta(days=inbox_days))
    for _ in range(MAX_BATCHES if transcript_days > 0 else 0):  # batches of tickets
        before = now - timedelta(days=transcript_days)
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
        log.info("privacy: hand-off conversations and web inbox deleted %s", purged.as_dict())
    return purged
