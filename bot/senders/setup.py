"""Builds the notification service from Settings: rule context, senders, dispatcher, scheduler."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram import Bot
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.config import Settings
from bot.senders.gate import RedisSendGate, paces
from bot.senders.telegram import TelegramSender, create_push_bot, push_bot_like
from bot.senders.web import WebSender
from bot.senders.zalo import ZNS_CHANNEL
from bot.telegram import NAME as TELEGRAM
from bot.telegram.callbacks import CallbackIds
from bot.web import NAME as WEB
from bot.zalo import NAME as ZALO
from notifications.dispatcher import ChannelLimits, Dispatcher, DispatcherConfig
from notifications.jobs import RuleJobs
from notifications.notice import Notice
from notifications.ports import Sender, SendGate
from notifications.quiet import QuietHours
from notifications.registry import Audience
from notifications.retention import HANDOFFS_JOB_ID, erase_closed_dossiers, purge_handoffs
from notifications.retention import JOB_ID as RETENTION_JOB_ID
from notifications.rules import RuleContext
from notifications.runner import NotificationService, start_scheduler
from storage.engine import SessionFactory

log = logging.getLogger(__name__)
DRAIN_S = 20.0  # SIGTERM: how long the sends in flight may take before the process exits


def rule_context(settings: Settings) -> RuleContext:
    cal = settings.calendar
    return RuleContext(
        calendar=cal.work_calendar(),
        tz=ZoneInfo(cal.timezone),
        agency_name=settings.agency.name,
        contact=settings.agency.contact,
        collect_place=settings.agency.collect_place,
        legal_reference=settings.notifications.legal_reference,
        collect_after_working_days=settings.notifications.collect_reminder_working_days,
        supplement_clock=cal.supplement_clock,
    )


def channel_limits(settings: Settings) -> dict[str, ChannelLimits]:
    n = settings.notifications
    return {
        TELEGRAM: ChannelLimits(n.telegram_per_second, n.telegram_per_chat_interval_s),
        ZALO: ChannelLimits(n.zalo_per_minute / 60.0, 0.0),
        # ZNS shares the app's request quota with the OA API.
        ZNS_CHANNEL: ChannelLimits(n.zalo_per_minute / 60.0, 0.0),
        # The web inbox is our own table: Telegram's pace keeps claim batches as they were.
        WEB: ChannelLimits(n.telegram_per_second, 0.0),
    }


def send_gate(settings: Settings) -> RedisSendGate | None:
    """The limits shared by every worker, in Redis when it is configured (else None: each
    process paces its own sends). The web inbox is our own table: no shared pace."""
    if not settings.redis.url:
        return None
    limits = {k: v for k, v in channel_limits(settings).items() if k != WEB}
    # ZNS shares the app's request quota with the OA API: one bucket for both.
    return RedisSendGate.from_url(settings.redis.url, paces(limits, {ZNS_CHANNEL: ZALO}))


def telegram_sender(
    settings: Settings, bot: Bot | None = None, callback_ids: CallbackIds | None = None
) -> TelegramSender | None:
    """A Telegram sender like ``bot`` (serve's own), or from the token in the settings; its
    session is its own (close it with ``aclose``). ``callback_ids``: the chat side's store."""
    if bot is not None:
        return TelegramSender(push_bot_like(bot), callback_ids)
    token = settings.telegram.token.get_secret_value()
    if not token:
        return None
    return TelegramSender(create_push_bot(token, settings.telegram.api_base), callback_ids)


def build_service(
    settings: Settings,
    factory: SessionFactory,
    senders: Mapping[str, Sender],
    *,
    worker_id: str | None = None,
    observe: Callable[[Sender], Sender] | None = None,
    gate: SendGate | None = None,
) -> NotificationService:
    n = settings.notifications
    tz = ZoneInfo(settings.calendar.timezone)
    quiet = QuietHours.parse(n.quiet_hours, tz)
    config = DispatcherConfig(
        lease=timedelta(seconds=n.lease_s),
        concurrency=max(n.concurrency, 1),
        max_attempts=n.max_attempts,
        quiet=quiet,
    )
    if worker_id:
        config = replace(config, worker_id=worker_id)
    ctx = rule_context(settings)
    by_phone = None
    templates = dict(settings.zalo.zns_templates)
    if ZNS_CHANNEL in senders and templates:
        # The registry's by-phone rules, for applicants nobody follows, where a ZNS template
        # for the notice's rule is configured.
        def has_template(notice: Notice) -> bool:
            return bool(templates.get(notice.rule))

        by_phone = RuleJobs(
            factory,
            ctx,
            quiet=quiet,
            audience=Audience.PHONE,
            phone_channel=ZNS_CHANNEL,
            wants=has_template,
        )
    # Hand-off answers to web chat sessions wait in the page's inbox (bot/web/inbox.py).
    senders = {WEB: WebSender(factory), **senders}
    if observe is not None:
        senders = {name: observe(sender) for name, sender in senders.items()}
    return NotificationService(
        jobs=RuleJobs(factory, ctx, quiet=quiet, channels=set(senders)),
        dispatcher=Dispatcher(factory, senders, channel_limits(settings), config, gate=gate),
        by_phone=by_phone,
    )


@dataclass
class Worker:
    """The notification jobs running in this process; :meth:`stop` drains them."""

    scheduler: AsyncIOScheduler
    service: NotificationService
    gate: RedisSendGate | None = None

    async def stop(self, timeout: float = DRAIN_S) -> None:
        """No new job runs and no new outbox row is claimed; the sends in flight finish and
        the rows still queued go back to the table; then the scheduler stops."""
        self.scheduler.pause()
        drained = await self.service.dispatcher.drain(timeout)
        if not drained:
            log.warning(
                "notifications: sends still in flight after %.0f s; their rows come "
                "back when the lease expires",
                timeout,
            )
        self.scheduler.shutdown(wait=False)
        if self.gate is not None:
            await self.gate.aclose()


def start_worker(
    settings: Settings,
    factory: SessionFactory,
    *,
    senders: Mapping[str, Sender],
    observe: Callable[[Sender], Sender] | None = None,
) -> Worker:
    """The hook ``motcua serve`` calls inside its event loop; stop with ``await .stop()``.

    ``senders``: the running channels' (their lifespans own and close them);
    ``observe`` wraps each sender (e.g. to count sends for /metrics). With Redis configured,
    the channels' limits are counted there, across every worker.
    """
    gate = send_gate(settings)
    service = build_service(settings, factory, senders, observe=observe, gate=gate)
    n = settings.notifications
    scheduler = start_scheduler(
        service, rules_interval_s=n.rules_interval_s, dispatch_interval_s=n.poll_interval_s
    )
    scheduler.add_job(  # closed dossiers' personal fields, after [privacy] retention_days
        erase_closed_dossiers,
        "interval",
        hours=6,
        args=[factory, settings.privacy.retention_days],
        id=RETENTION_JOB_ID,
        replace_existing=True,
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC) + timedelta(minutes=1),
    )
    scheduler.add_job(  # what citizens typed to a person: closed tickets, the web chat inbox
        purge_handoffs,
        "interval",
        hours=6,
        args=[factory],
        kwargs={
            "transcript_days": settings.privacy.retention_days,
            "inbox_days": settings.privacy.conversation_days,
        },
        id=HANDOFFS_JOB_ID,
        replace_existing=True,
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC) + timedelta(minutes=1),
    )
    return Worker(scheduler, service, gate)
