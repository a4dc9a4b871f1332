"""Retention ([privacy]) on SQLite and PostgreSQL: what citizens typed to a person is deleted once
kept long enough (a closed ticket's conversation and its answers' outbox rows after
retention_days, the web chat's inbox after conversation_days); the ticket itself stays; an open
ticket and a recently closed one keep theirs; 0 keeps everything; the worker schedules it and
``motcua staff purge`` runs it now."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.bootstrap import Services
from bot.cli import main
from bot.senders.setup import build_service, start_worker
from handlers.messages import Incoming
from handlers.staff.audit import Actor
from notifications.handoffs import Tickets
from notifications.retention import HANDOFFS_JOB_ID, Purged, purge_handoffs
from storage.engine import SessionFactory
from storage.models import OutboxMessage
from storage.staff_models import HandoffMessage, HandoffTicket, WebInboxMessage

OFFICER = Actor(1, "lan", "officer")
CODE = re.compile(r"HT-[2-9A-HJKMNP-Z]{6}")


async def _ticket(services: Services, user: str, text: str) -> str:
    replies = await services.assistant.handle(Incoming("web", user, text="gặp cán bộ"))
    found = CODE.search(replies[0].text)
    assert found is not None
    await services.assistant.handle(Incoming("web", user, text=text))
    return found.group(0)


async def _count(sessions: SessionFactory, table: type, *where: object) -> int:
    async with sessions() as session:
        return int(
            await session.scalar(select(func.count()).select_from(table).where(*where)) or 0
        )


async def _age(sessions: SessionFactory, code: str, days: int) -> None:
    """Moves a ticket, its lines, its answers' outbox rows and the web inbox back in time."""
    async with sessions() as session, session.begin():
        ticket = (
            await session.execute(select(HandoffTicket).where(HandoffTicket.code == code))
        ).scalar_one()
        shift = timedelta(days=days)
        ticket.created_at -= shift
        if ticket.closed_at is not None:
            ticket.closed_at -= shift
        for m in (
            await session.execute(
                select(HandoffMessage).where(HandoffMessage.ticket_id == ticket.id)
            )
        ).scalars():
            m.at -= shift
        for row in (
            await session.execute(
                select(OutboxMessage).where(OutboxMessage.key.startswith(code))  # type: ignore[attr-defined]
            )
        ).scalars():
            row.created_at -= shift
        for w in (await session.execute(select(WebInboxMessage))).scalars():
            w.created_at = min(w.created_at, datetime.now(UTC) - shift)


async def test_old_transcripts_go_and_the_tickets_stay(staff_services: Services) -> None:
    services = staff_services
    sessions = services.sessions
    tickets = Tickets(sessions)
    old = await _ticket(services, "web-retention-old-0001", "Sổ đỏ ghi sai tên, gọi 0912345678")
    recent = await _ticket(services, "web-retention-new-0001", "Hỏi về tạm trú")
    still_open = await _ticket(services, "web-retention-open-001", "Hỏi về khai sinh")
    for code in (old, recent):
        await tickets.answer(OFFICER, code, "Mời ông/bà đến Bộ phận Một cửa.")
    await tickets.answer(OFFICER, still_open, "Cán bộ sẽ gọi lại.")
    stats = await build_service(services.settings, sessions, {}).dispatcher.run_once()
    assert stats.sent == 3  # to the web chat's inbox
    assert await _count(sessions, WebInboxMessage) == 3
    for code in (old, recent):
        await tickets.close(OFFICER, code, "Đã hướng dẫn")
    await _age(sessions, old, 100)
    await _age(sessions, still_open, 100)

    now = datetime.now(UTC)
    keep = await purge_handoffs(sessions, transcript_days=0, inbox_days=0, now=now)
    assert keep == Purged(0, 0, 0)  # 0 keeps everything
    lines = await _count(sessions, HandoffMessage)
    # The inbox (moved back 100 days) is older than 30 days; closed tickets kept 180 are not.
    first = await purge_handoffs(sessions, transcript_days=180, inbox_days=30, now=now)
    assert first == Purged(3, 0, 0) and await _count(sessions, HandoffMessage) == lines

    purged = await purge_handoffs(sessions, transcript_days=90, inbox_days=30, now=now)
    assert purged.web_inbox == 0
    assert purged.replies == 1 and purged.transcript_lines >= 3
    gone = await tickets.view(OFFICER, old)
    assert gone.messages == [] and gone.deliveries == {}
    assert gone.ticket.status == "closed" and gone.ticket.close_note == "Đã hướng dẫn"
    # A ticket closed recently, and one still open however old, keep their conversation.
    assert len((await tickets.view(OFFICER, recent)).messages) >= 3
    kept = await tickets.view(OFFICER, still_open)
    assert "Hỏi về khai sinh" in [m.text for m in kept.messages] and kept.deliveries
    assert await _count(sessions, OutboxMessage) == 2
    again = await purge_handoffs(sessions, transcript_days=90, inbox_days=30, now=now)
    assert again == Purged(0, 0, 0)  # nothing left to do

    # "phiếu của tôi" still answers with the state of the purged ticket.
    replies = await services.assistant.handle(
        Incoming("web", "web-retention-old-0001", text="phiếu của tôi")
    )
    assert old in replies[0].text and "đã đóng" in replies[0].text


async def test_the_worker_schedules_it_and_the_command_runs_it(
    staff_services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = staff_services.settings
    worker = start_worker(settings, staff_services.sessions, senders={})
    try:
        job = worker.scheduler.get_job(HANDOFFS_JOB_ID)
        assert job is not None and job.func is purge_handoffs
        assert job.kwargs == {
            "transcript_days": settings.privacy.retention_days,
            "inbox_days": settings.privacy.conversation_days,
        }
    finally:
        await worker.stop()

    assert await asyncio.to_thread(main, ["staff", "purge", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "web_inbox": 0,
        "transcript_lines": 0,
        "replies": 0,
    }
