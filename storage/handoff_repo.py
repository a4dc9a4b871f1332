"""Hand-off tickets and their messages, and the web chat's inbox. Never commits."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.staff_models import HandoffMessage, HandoffTicket, WebInboxMessage
from storage.statements import is_postgresql


@dataclass(frozen=True, slots=True)
class TicketLine:
    """A ticket as the console lists it."""

    ticket: HandoffTicket
    messages: int
    last_text: str | None  # the citizen's latest message


async def add_ticket(session: AsyncSession, ticket: HandoffTicket) -> HandoffTicket:
    session.add(ticket)
    await session.flush()
    return ticket


async def by_code(session: AsyncSession, code: str) -> HandoffTicket | None:
    result = await session.execute(select(HandoffTicket).where(col(HandoffTicket.code) == code))
    return result.scalar_one_or_none()


async def by_code_for_update(session: AsyncSession, code: str) -> HandoffTicket | None:
    """The ticket, locked until the transaction ends (two officers answering at once)."""
    stmt = select(HandoffTicket).where(col(HandoffTicket.code) == code)
    if is_postgresql(session):
        stmt = stmt.with_for_update()
    result = await session.execute(stmt)
    return result.scalar_one_or_none()


async def open_for_user(session: AsyncSession, channel: str, user_id: str) -> HandoffTicket | None:
    """The user's latest ticket that is not closed."""
    result = await session.execute(
        select(HandoffTicket)
        .where(
            col(HandoffTicket.channel) == channel,
            col(HandoffTicket.user_id) == user_id,
            col(HandoffTicket.status) != "closed",
        )
        .order_by(col(HandoffTicket.id).desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def of_user(
    session: AsyncSession, channel: str, user_id: str, *, limit: int = 3
) -> list[HandoffTicket]:
    """The user's latest tickets, newest first."""
    result = await session.execute(
        select(HandoffTicket)
        .where(col(HandoffTicket.channel) == channel, col(HandoffTicket.user_id) == user_id)
        .order_by(col(HandoffTicket.id).desc())
        .limit(limit)
    )
    return list(result.scalars())


async def add_message(
    session: AsyncSession,
    ticket_id: int,
    author: str,
    text: str,
    at: datetime,
    *,
    staff: str | None = None,
) -> HandoffMessage:
    message = HandoffMessage(ticket_id=ticket_id, author=author, text=text, at=at, staff=staff)
    session.add(message)
    await session.flush()
    return message


async def messages(session: AsyncSession, ticket_id: int) -> list[HandoffMessage]:
    result = await session.execute(
        select(HandoffMessage)
        .where(col(HandoffMessage.ticket_id) == ticket_id)
        .order_by(col(HandoffMessage.at), col(HandoffMessage.id))
    )
    return list(result.scalars())


async def last_officer_message(session: AsyncSession, ticket_id: int) -> HandoffMessage | None:
    result = await session.execute(
        select(HandoffMessage)
        .where(col(HandoffMessage.ticket_id) == ticket_id, col(HandoffMessage.author) == "officer")
        .order_by(col(HandoffMessage.id).desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def list_tickets(
    session: AsyncSession, statuses: Collection[str], *, limit: int = 200
) -> list[TicketLine]:
    """Tickets in these statuses with their message counts and the citizen's latest words:
    open ones the longest waiting first, closed ones the latest closed first. The tickets come
    first (an index range, however many there are), then their messages by ticket id."""
    order = (
        [col(HandoffTicket.closed_at).desc(), col(HandoffTicket.id).desc()]
        if set(statuses) == {"closed"}
        else [col(HandoffTicket.last_citizen_at), col(HandoffTicket.id)]
    )
    result = await session.execute(
        select(HandoffTicket)
        .where(col(HandoffTicket.status).in_(list(statuses)))
        .order_by(*order)
        .limit(limit)
    )
    tickets = list(result.scalars())
    ids = [t.id for t in tickets if t.id is not None]
    if not ids:
        return []
    ticket_id = col(HandoffMessage.ticket_id)
    counts = dict(
        (
            await session.execute(
                select(ticket_id, func.count()).where(ticket_id.in_(ids)).group_by(ticket_id)
            )
        ).all()
    )
    latest = (
        select(func.max(col(HandoffMessage.id)))
        .where(ticket_id.in_(ids), col(HandoffMessage.author) == "citizen")
        .group_by(ticket_id)
    )
    texts = dict(
        (
            await session.execute(
                select(ticket_id, col(HandoffMessage.text)).where(
                    col(HandoffMessage.id).in_(latest)
                )
            )
        ).all()
    )
    return [TicketLine(t, int(counts.get(t.id, 0)), texts.get(t.id)) for t in tickets if t.id]


async def count_by_status(session: AsyncSession) -> dict[str, int]:
    status = col(HandoffTicket.status)
    result = await session.execute(select(status, func.count()).group_by(status))
    return {str(s): int(n) for s, n in result.all()}


# --- the web chat's inbox -------------------------------------------------------------------


async def add_web_message(session: AsyncSession, web_session: str, body: str, at: datetime) -> int:
    row = WebInboxMessage(session=web_session, body=body, created_at=at)
    session.add(row)
    await session.flush()
    assert row.id is not None
    return row.id


async def web_messages(
    session: AsyncSession, web_session: str, after_id: int, since: datetime, *, limit: int = 20
) -> list[WebInboxMessage]:
    """Messages for a web session newer than ``after_id`` and ``since``, oldest first."""
    result = await session.execute(
        select(WebInboxMessage)
        .where(
            col(WebInboxMessage.session) == web_session,
            col(WebInboxMessage.id) > after_id,
            col(WebInboxMessage.created_at) >= since,
        )
        .order_by(col(WebInboxMessage.id))
        .limit(limit)
    )
    return list(result.scalars())


# --- retention ([privacy] retention_days) -----------------------------------------------------


async def purge_web_inbox(session: AsyncSession, before: datetime) -> int:
    """Deletes web chat inbox messages queued before ``before``; returns how many."""
    result = await session.execute(
        delete(WebInboxMessage).where(col(WebInboxMessage.created_at) < before)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def closed_with_transcripts(
    session: AsyncSession, closed_before: datetime, *, limit: int = 1000
) -> list[tuple[int, str]]:
    """(id, code) of tickets closed before ``closed_before`` that still hold a conversation."""
    has_lines = select(col(HandoffMessage.id)).where(
        col(HandoffMessage.ticket_id) == col(HandoffTicket.id)
    )
    result = await session.execute(
        select(col(HandoffTicket.id), col(HandoffTicket.code))
        .where(
            col(HandoffTicket.status) == "closed",
            col(HandoffTicket.closed_at) < closed_before,
            has_lines.exists(),
        )
        .order_by(col(HandoffTicket.id))
        .limit(limit)
    )
    return [(int(i or 0), str(c)) for i, c in result.all()]


async def purge_transcripts(session: AsyncSession, ticket_ids: Collection[int]) -> int:
    """Deletes the conversation of these tickets (what the citizen typed, the assistant's and
    the officers' lines); each ticket itself (code, state, who closed it, the note) stays for
    the record. Returns how many lines went."""
    if not ticket_ids:
        return 0
    result = await session.execute(
        delete(HandoffMessage).where(col(HandoffMessage.ticket_id).in_(list(ticket_ids)))
    )
    return int(getattr(result, "rowcount", 0) or 0)
