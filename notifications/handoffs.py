"""Hand-off tickets as officers work them: the open list, one ticket's conversation, an answer
(queued in the outbox for the citizen's own channel, like every other push) and closing with a
note. Every change is audited in the transaction that makes it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from handlers import texts_vi as citizen_texts
from handlers.messages import Reply
from handlers.staff import audit
from handlers.staff.audit import Actor, Forbidden, NotFound, Refused
from notifications.dispatcher import reply_to_body
from notifications.quiet import QuietHours
from storage import handoff_repo
from storage import outbox_repo as outbox
from storage.engine import SessionFactory
from storage.handoff_repo import TicketLine
from storage.models import OutboxMessage
from storage.staff_models import HandoffMessage, HandoffTicket

RULE_HANDOFF_REPLY = "handoff_reply"
MAX_ANSWER = 3000
MAX_NOTE = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _clean(text: str) -> str:
    """Control characters out, line breaks kept, trailing spaces and blank edges trimmed."""
    lines = [line.rstrip() for line in _CONTROL.sub(" ", text.replace("\r\n", "\n")).split("\n")]
    return "\n".join(lines).strip()


def reply_key(ticket: HandoffTicket, message_id: int) -> str:
    """The outbox key: ticket, rule, the answer's id, channel, recipient (sent once)."""
    return f"{ticket.code}:{RULE_HANDOFF_REPLY}:{message_id}:{ticket.channel}:{ticket.user_id}"


@dataclass(frozen=True, slots=True)
class TicketView:
    ticket: HandoffTicket
    messages: list[HandoffMessage]
    deliveries: dict[int, OutboxMessage]  # officer message id -> its outbox row


class Tickets:
    """Officers' use cases on hand-off tickets (role ``officer`` or above)."""

    def __init__(
        self,
        sessions: SessionFactory,
        *,
        quiet: QuietHours | None = None,
        clock: Clock = _utcnow,
    ) -> None:
        self._sessions = sessions
        self._quiet = quiet
        self._clock = clock

    @staticmethod
    def _check(actor: Actor) -> None:
        if not actor.can("officer"):
            raise Forbidden("hand-off tickets")

    async def listing(self, actor: Actor, *, closed: bool = False) -> list[TicketLine]:
        self._check(actor)
        statuses = ("closed",) if closed else ("open", "answered")
        async with self._sessions() as session:
            return await handoff_repo.list_tickets(session, statuses)

    async def counts(self, actor: Actor) -> dict[str, int]:
        self._check(actor)
        async with self._sessions() as session:
            return await handoff_repo.count_by_status(session)

    async def view(self, actor: Actor, code: str) -> TicketView:
        self._check(actor)
        async with self._sessions() as session:
            ticket = await handoff_repo.by_code(session, code)
            if ticket is None or ticket.id is None:
                raise NotFound(code)
            lines = await handoff_repo.messages(session, ticket.id)
            keys = {
                reply_key(ticket, m.id): m.id
                for m in lines
                if m.author == "officer" and m.id is not None
            }
            rows = await outbox.rows_by_key(session, list(keys))
        return TicketView(ticket, lines, {keys[r.key]: r for r in rows})

    async def answer(self, actor: Actor, code: str, text: str) -> None:
        """The officer's answer joins the conversation and goes to the citizen's chat."""
        self._check(actor)
        text = _clean(text)
        if not text:
            raise Refused("answer_missing")
        if len(text) > MAX_ANSWER:
            raise Refused("answer_too_long")
        now = self._clock()
        async with self._sessions() as session, session.begin():
            ticket = await handoff_repo.by_code_for_update(session, code)
            if ticket is None or ticket.id is None:
                raise NotFound(code)
            if ticket.status == "closed":
                raise Refused("ticket_closed")
            message = await handoff_repo.add_message(
                session, ticket.id, "officer", text, now, staff=actor.username
            )
            assert message.id is not None
            body = "\n\n".join(
                (
                    citizen_texts.HANDOFF_REPLY.format(code=ticket.code, text=text),
                    citizen_texts.HANDOFF_REPLY_FOOTER,
                )
            )
            at = self._quiet.next_allowed(now) if self._quiet is not None else now
            await outbox.enqueue(
                session,
                [
                    outbox.NewMessage(
                        key=reply_key(ticket, message.id),
                        dossier_id=None,
                        rule=RULE_HANDOFF_REPLY,
                        channel=ticket.channel,
                        recipient=ticket.user_id,
                        body=reply_to_body(Reply(body)),
                        next_attempt_at=at,
                    )
                ],
                now,
            )
            before = {"status": ticket.status}
            ticket.status = "answered"
            ticket.updated_at = now
            await audit.record(
                session,
                actor,
                "handoff_answered",
                "ticket",
                ticket.code,
                at=now,
                before=before,
                after={"status": "answered", "answer": text},
            )

    async def close(self, actor: Actor, code: str, note: str) -> None:
        self._check(actor)
        note = _clean(note)
        if not note:
            raise Refused("note_missing")
        if len(note) > MAX_NOTE:
            raise Refused("note_too_long")
        now = self._clock()
        async with self._sessions() as session, session.begin():
            ticket = await handoff_repo.by_code_for_update(session, code)
            if ticket is None:
                raise NotFound(code)
            if ticket.status == "closed":
                raise Refused("ticket_closed")
            before = {"status": ticket.status}
            ticket.status = "closed"
            ticket.closed_at = now
            ticket.closed_by = actor.username
            ticket.close_note = note
            ticket.updated_at = now
            await audit.record(
                session,
                actor,
                "handoff_closed",
                "ticket",
                ticket.code,
                at=now,
                before=before,
                after={"status": "closed", "note": note},
            )
