"""POST /api/chat/inbox: what was pushed to a web chat session (an officer's answer) and not
yet shown. The page asks when it opens and now and then while open; it keeps the last id."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from bot.running import via
from bot.web.chat import reply_json
from bot.web.limits import PerAddressLimit, client_address
from handlers.ratelimit import CounterStore
from notifications.dispatcher import body_to_reply
from storage import handoff_repo
from storage.counters import MemoryCounterStore
from storage.engine import SessionFactory

log = logging.getLogger(__name__)

MAX_BODY = 1024
KEEP = timedelta(days=30)  # older messages are not shown any more
_SESSION = re.compile(r"[A-Za-z0-9_-]{16,64}")


class WebInbox:
    """Generous per address: a page asks three times a minute, and many phones share one
    carrier address; a refused ask only delays a message to the next one."""

    def __init__(
        self,
        sessions: SessionFactory,
        *,
        per_ip_per_minute: int = 600,
        counters: CounterStore | None = None,
    ) -> None:
        self._sessions = sessions
        store = counters if counters is not None else MemoryCounterStore()
        self._limit = PerAddressLimit(per_ip_per_minute, store, name="web-inbox")

    @staticmethod
    def mount(app: web.Application) -> None:
        """The route; the inbox itself is ``app[INBOX]``, built when the app starts."""
        app.router.add_post("/api/chat/inbox", via(INBOX, WebInbox.inbox))

    def register(self, app: web.Application) -> None:
        """This inbox alone on ``app`` (tests)."""
        app[INBOX] = self
        self.mount(app)

    async def inbox(self, request: web.Request) -> web.Response:
        if (request.content_length or 0) > MAX_BODY:
            return web.json_response({"messages": []}, status=413)
        address = client_address(request.remote, request.headers.get("X-Forwarded-For"))
        decision = await self._limit.take(address)
        if not decision.allowed:
            retry = {"Retry-After": str(decision.retry_after_s)}
            return web.json_response({"messages": []}, status=429, headers=retry)
        try:
            body: Any = json.loads(await request.content.read(MAX_BODY + 1))
        except ValueError:
            return web.json_response({"messages": []}, status=400)
        session = body.get("session") if isinstance(body, dict) else None
        after = body.get("after", 0) if isinstance(body, dict) else 0
        if not isinstance(session, str) or not _SESSION.fullmatch(session):
            return web.json_response({"messages": []}, status=400)
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            after = 0
        since = datetime.now(UTC) - KEEP
        async with self._sessions() as db:
            rows = await handoff_repo.web_messages(db, session, after, since)
        messages = [
            {"id": row.id, "replies": reply_json([body_to_reply(row.body)])} for row in rows
        ]
        return web.json_response(
            {"messages": messages}, dumps=lambda o: json.dumps(o, ensure_ascii=False)
        )


INBOX = web.AppKey("web_inbox", WebInbox)
