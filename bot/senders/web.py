"""Pushes to the web chat: the message waits in the session's inbox until the page (open now,
or opened later) fetches it from /api/chat/inbox."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from bot.web import NAME as WEB
from handlers.messages import Reply
from notifications.dispatcher import reply_to_body
from notifications.ports import SENT, Outcome, SendContext, SendResult
from storage import handoff_repo
from storage.engine import SessionFactory

log = logging.getLogger(__name__)


class WebSender:
    """``notifications.ports.Sender`` for channel ``web``; the recipient is the session id."""

    def __init__(
        self, sessions: SessionFactory, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    @property
    def channel(self) -> str:
        return WEB

    async def send(
        self, recipient: str, reply: Reply, context: SendContext | None = None
    ) -> SendResult:
        try:
            async with self._sessions() as session, session.begin():
                await handoff_repo.add_web_message(
                    session, recipient, reply_to_body(reply), self._clock()
                )
        except Exception as exc:  # the database is down: the dispatcher retries later
            log.warning("web inbox write failed: %s", type(exc).__name__)
            return SendResult(Outcome.TRANSIENT, error=type(exc).__name__)
        return SENT
