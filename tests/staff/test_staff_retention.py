"""Retention ([privacy] retention_days) on SQLite and PostgreSQL: what citizens typed to a person
(a closed ticket's conversation, the answers' outbox rows, the web chat's inbox) is deleted once
older than the setting, the ticket itself stays; an open ticket and a recent one are kept; 0 keeps
everything; the worker schedules it and ``motcua staff purge`` runs it now."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.bootstrap import Services
from bot.cli import main
from bot.senders.setup import build_service
from handlers.messages import Channel, Incoming
from handlers.staff.audit import Actor
from notifications.handoffs import Tickets
from notifications.retention import Purged, purge_expired
from notifications.runner import RETENTION_JOB_ID, start_scheduler
from storage.engine import SessionFactory
from storage.models import OutboxMessage
from storage.staff_models import HandoffMessage, HandoffTicket, WebInboxMessage

OFFICER = Actor(1, "lan", "officer")
CODE = re.compile(r"HT-[2-9A-HJKMNP-Z]{6}")


async def _ticket(services: Services, user: str, text: str) -> str:
    replies = await services.assistant.handle(Incoming(Channel.WEB, user, text="gặp cán bộ"))
    found = CODE.search(replies[0].text)
    assert found is not None
    await services.assistant.handle(Incoming(Channel.WEB, user, text=text))
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
    assert await purge_expired(sessions, now, 0) is None  # 0 keeps everything
    assert await _count(sessions, HandoffMessage) > 0

    purged = await purge_expired(sessions, now, 90)
    assert purged is not None and purged.web_inbox == 3  # every inbox row was moved back
    assert purged.replies == 1 and purged.transcript_lines >= 3
    gone = await tickets.view(OFFICER, old)
    assert gone.messages == [] and gone.deliveries == {}
    assert gone.ticket.status == "closed" and gone.ticket.close_note == "Đã hướng dẫn"
    # A ticket closed recently, and one still open however old, keep their conversation.
    assert len((await tickets.view(OFFICER, recent)).messages) >= 3
    kept = await tickets.view(OFFICER, still_open)
    assert "Hỏi về khai sinh" in [m.text for m in kept.messages] and kept.deliveries
    assert await _count(sessions, OutboxMessage) == 2
    assert await purge_expired(sessions, now, 90) == Purged(0, 0, 0)  # nothing left to do

    # "phiếu của tôi" still answers with the state of the purged ticket.
    replies = await services.assistant.handle(
        Incoming(Channel.WEB, "web-retention-old-0001", text="phiếu của tôi")
    )
    assert old in replies[0].text and "đã đóng" in replies[0].text


async def test_the_worker_schedules_it_and_the_command_runs_it(
    staff_services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    service = build_service(staff_services.settings, staff_services.sessions, {})
    assert service.retention is not None
    scheduler = start_scheduler(service, rules_interval_s=3600, dispatch_interval_s=3600)
    try:
        assert scheduler.get_job(RETENTION_JOB_ID) is not None
    finally:
        scheduler.shutdown(wait=False)
    kept = staff_services.settings.model_copy(
        update={
            "privacy": staff_services.settings.privacy.model_copy(update={"retention_days": 0})
        }
    )
    assert build_service(kept, staff_services.sessions, {}).retention is None

    assert await asyncio.to_thread(main, ["staff", "purge", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "web_inbox": 0,
        "transcript_lines": 0,
        "replies": 0,
    }
