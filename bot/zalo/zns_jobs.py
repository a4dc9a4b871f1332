"""The overdue apology by ZNS for citizens who follow no chat: enqueued to the outbox on channel
``zns`` (recipient ``<rule>:<dossier id>:<occurrence>``), sent by ``bot.senders.zalo.ZnsSender``.

Subscribers get the apology from the notification rules on their own channel; this job covers
the dossiers nobody follows but whose applicant left a phone, once per missed date.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from bot.senders.zalo import ZNS_CHANNEL
from handlers.messages import Reply
from notifications import rules
from notifications.dispatcher import reply_to_body
from notifications.jobs import facts, outbox_key
from notifications.quiet import QuietHours
from notifications.rules import RuleContext
from storage import outbox_repo
from storage.engine import SessionFactory
from storage.zalo_repo import overdue_unfollowed_with_phone

log = logging.getLogger(__name__)


def zns_recipient(rule: str, dossier_id: int, occurrence: str) -> str:
    return f"{rule}:{dossier_id}:{occurrence}"


class ZnsApologies:
    def __init__(
        self,
        factory: SessionFactory,
        ctx: RuleContext,
        *,
        quiet: QuietHours | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._factory = factory
        self._ctx = ctx
        self._quiet = quiet
        self._clock = clock

    async def run(self) -> int:
        """Enqueues what is due now; returns how many rows were new (idempotent)."""
        now = self._clock()
        async with self._factory() as session, session.begin():
            found = await overdue_unfollowed_with_phone(session, list(rules.OPEN_STATUSES), now)
            at = self._quiet.next_allowed(now) if self._quiet is not None else now
            messages = []
            for d in found:
                assert d.id is not None
                notice = rules.overdue_apology(facts(d), now, self._ctx)
                if notice is None:
                    continue
                recipient = zns_recipient(notice.rule, d.id, notice.occurrence)
                messages.append(
                    outbox_repo.NewMessage(
                        key=outbox_key(d.id, notice, ZNS_CHANNEL, recipient),
                        dossier_id=d.id,
                        rule=notice.rule,
                        channel=ZNS_CHANNEL,
                        recipient=recipient,
                        body=reply_to_body(Reply(notice.text)),
                        next_attempt_at=at,
                    )
                )
            new = await outbox_repo.enqueue(session, messages, now) if messages else 0
        if new:
            log.info("ZNS apologies enqueued: %d", new)
        return new

    async def run_forever(self, stop: asyncio.Event, interval_s: float) -> None:
        while not stop.is_set():
            try:
                await self.run()
            except Exception:
                log.exception("ZNS apology scan failed; trying again later")
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval_s)
            except TimeoutError:
                continue
