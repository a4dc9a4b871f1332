"""The scheduler hook: explicit job ids, idempotent start; the core's rating hook."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fakes.bot_api import FakeBotAPI
from notify_support import add_dossier, outbox_rows

from bot.config import load_settings
from bot.senders.setup import build_service, start_worker, telegram_sender
from bot.senders.telegram import create_push_bot
from handlers import texts_vi as core_texts
from handlers.assistant import Assistant
from handlers.conversation import MemoryConversationStore
from handlers.messages import Incoming
from handlers.payloads import Rate
from knowledge.base import KnowledgeBase
from notifications import texts_vi as t
from notifications.ratings import Ratings
from notifications.runner import DISPATCH_JOB_ID, start_scheduler
from storage.engine import SessionFactory


async def test_jobs_have_explicit_ids_and_starting_twice_adds_none(
    session_factory: SessionFactory,
) -> None:
    service = build_service(load_settings(), session_factory, {})
    scheduler = start_scheduler(service, rules_interval_s=3600, dispatch_interval_s=3600)
    try:
        ids = {job.id for job in scheduler.get_jobs()}
        # One job per source the registry's rules use, for the subscribers (no ZNS here).
        assert ids == {
            "notify:followers:events",
            "notify:followers:due_soon",
            "notify:followers:overdue",
            "notify:followers:result_waiting",
            DISPATCH_JOB_ID,
        }
        start_scheduler(service, scheduler=scheduler)
        assert sorted(job.id for job in scheduler.get_jobs()) == sorted(ids)
    finally:
        scheduler.shutdown(wait=False)


async def test_serve_hook_runs_the_rules_and_sends(
    session_factory: SessionFactory, fake_api: FakeBotAPI
) -> None:
    settings = load_settings(
        notifications={"quiet_hours": "off", "poll_interval_s": 0.2, "rules_interval_s": 0.2},
        telegram={"token": fake_api.token, "api_base": fake_api.base_url},
    )
    await add_dossier(
        session_factory, "S-1", chats=["321"], due_at=datetime.now(UTC) - timedelta(hours=2)
    )
    bot = create_push_bot(fake_api.token, fake_api.base_url)
    sender = telegram_sender(settings, bot)
    assert sender is not None
    worker = start_worker(settings, session_factory, senders={"telegram": sender})
    try:
        await fake_api.wait_for("sendMessage", 1, chat_id=321, timeout=30)
    finally:
        await worker.stop()
        await sender.aclose()
        await bot.session.close()
    # The serve bot's own retrying session is not the one the pushes used.
    assert fake_api.sent("sendMessage", 321)
    (params,) = fake_api.sent("sendMessage", 321)
    # Nothing recorded by the agency: a plain apology, addressed, not titled as the form.
    assert "Kính gửi ông/bà" in str(params["text"]) and "PHIẾU" not in str(params["text"])
    assert [r["status"] for r in await outbox_rows(session_factory)] == ["sent"]


async def test_the_core_stores_rate_payloads_through_its_hook_and_answers_the_rest(
    session_factory: SessionFactory, kb: KnowledgeBase
) -> None:
    d = await add_dossier(session_factory, "R-9", chats=["55"], status="returned")
    core = Assistant(
        kb, MemoryConversationStore(), ratings=Ratings(session_factory, contact="0200")
    )
    press = Incoming("telegram", "55", payload=Rate(d, "very_satisfied").encode())
    assert [r.text for r in await core.handle(press)] == [t.RATING_THANKS]
    hello = Incoming("telegram", "55", text="xin chào")
    assert [r.text for r in await core.handle(hello)] == [core_texts.GREETING]
