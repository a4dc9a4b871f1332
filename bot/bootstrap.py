"""The one place that wires dependencies: settings in, ready services (and their closing) out."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot import kb_source
from bot.config import Settings, StartupError
from bot.metrics import Metrics
from bot.one_at_a_time import OneAtATime
from bot.ports import Responder
from bot.state_cache import WriteBehindStore
from handlers.assistant import Assistant
from handlers.conversation import ConversationStore
from handlers.dossiers.calendar import WorkCalendar
from handlers.dossiers.dialog import DossierDialog
from handlers.dossiers.ratelimit import (
    CounterStore,
    FallbackCounterStore,
    MemoryCounterStore,
    RedisCounterStore,
    counter_store,
)
from handlers.dossiers.view import AgencyInfo
from handlers.helpdesk.desk import HelpDesk
from handlers.messages import Channel
from handlers.outage import OutageLog
from handlers.staff.questions import LiveKnowledge
from knowledge.base import KnowledgeBase
from notifications.ports import Sender
from notifications.ratings import RatingResponder
from storage.conversations_repo import SqlConversationStore
from storage.engine import Engine, SessionFactory, create_engine, session_factory
from storage.migrate import upgrade_async
from storage.usage_repo import BatchedUsageWriter

if TYPE_CHECKING:
    from aiogram import Bot  # imported only when a token is set: commands start faster

logger = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything the channels and the HTTP API share; build with :func:`bootstrap`."""

    settings: Settings
    kb: KnowledgeBase  # the procedures loaded at start (``knowledge`` follows updates)
    knowledge: LiveKnowledge  # the search in use: kb update's exports, learned phrases
    engine: Engine
    sessions: SessionFactory
    store: ConversationStore
    calendar: WorkCalendar
    dossiers: DossierDialog
    assistant: Responder  # the Assistant, one message at a time per user
    telegram: Bot | None = None  # the Bot API client, when a token is set
    notifications: bool = True  # run the notification scheduler inside ``motcua serve``
    senders: dict[str, Sender] = field(default_factory=dict)  # beyond Telegram's (e.g. Zalo)
    demo_codes: list[str] = field(default_factory=list)
    usage: BatchedUsageWriter | None = None  # anonymous counts for ``motcua report``
    staff_counters: CounterStore = field(default_factory=MemoryCounterStore)  # logins, tickets
    metrics: Metrics = field(default_factory=Metrics)  # GET /metrics (bot.health)

    async def aclose(self) -> None:
        if isinstance(self.store, WriteBehindStore):
            await self.store.aclose()
        if self.telegram is not None:
            await self.telegram.session.close()
        await self.dossiers.aclose()
        if self.usage is not None:
            await self.usage.aclose()  # before the engine goes: it writes what is buffered
        if isinstance(self.staff_counters, RedisCounterStore | FallbackCounterStore):
            await self.staff_counters.aclose()
        await self.engine.dispose()


def load_kb(settings: Settings) -> KnowledgeBase:
    """The configured files' knowledge base (never empty: StartupError)."""
    return kb_source.load_files(settings)


def push_channels(settings: Settings) -> frozenset[str]:
    """The chats the outbox can reach: others (the web chat) are offered no subscription."""
    channels = set()
    if settings.telegram.token.get_secret_value():
        channels.add(str(Channel.TELEGRAM))
    if settings.zalo.enabled:
        channels.add(str(Channel.ZALO))
    return frozenset(channels)


def telegram_bot_url(settings: Settings) -> str:
    """The bot's plain link, when it can push and its username is known; else empty."""
    username = settings.telegram.username.strip().lstrip("@")
    if not username or not settings.telegram.token.get_secret_value():
        return ""
    return f"https://t.me/{username}"


async def bootstrap(
    settings: Settings,
    *,
    demo: bool = False,
    kb: KnowledgeBase | None = None,
    replicas: bool = False,
) -> Services:
    """Migrates the database to head, loads the knowledge base and wires the core.

    ``kb`` lets tests share one loaded knowledge base; ``demo`` loads the demo dossiers;
    ``replicas`` (``serve --role web``) means other processes answer the same users.
    """
    url = settings.database_url()
    signing_key = settings.signing_key()  # refuses a deployment without one key for all
    await upgrade_async(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    try:
        knowledge = await kb_source.live(settings, sessions, kb)
    except BaseException:
        await engine.dispose()
        raise
    kb = knowledge.base
    calendar = settings.calendar.work_calendar()
    # Anonymous counts for the period report; an outage is logged once, not per flush.
    usage = BatchedUsageWriter(
        sessions, failures=OutageLog(logging.getLogger("storage.usage_repo"), "usage counts")
    )
    metrics = Metrics()
    counted = metrics.usage(usage)  # the report's counts, and /metrics' decisions and lookups
    dossiers = DossierDialog(
        sessions,
        signing_key=signing_key,
        counters=counter_store(settings.redis.url),
        per_minute=settings.lookup.per_user_per_minute,
        per_day=settings.lookup.per_user_per_day,
        failures_per_hour=settings.lookup.failures_per_hour,
        storm_per_minute=settings.lookup.storm_failures_per_minute,
        token_days=settings.security.token_days,
        max_subscribers=settings.security.max_subscribers_per_dossier,
        max_decodes=settings.web.image_decodes,
        working_days=calendar.working_days_between,
        agency=AgencyInfo(
            contact=settings.agency.contact,
            collect_place=settings.agency.collect_place,
            supplement_clock=settings.calendar.supplement_clock,
        ),
        usage=counted,
        push_channels=push_channels(settings),
        telegram_url=telegram_bot_url(settings),
    )
    staff_counters = counter_store(settings.redis.url)
    helpdesk = HelpDesk(
        sessions,
        calendar,
        staff_counters,
        reachable=push_channels(settings) | {str(Channel.WEB)},
        contact=settings.agency.contact,
        per_user_per_day=settings.staff.handoffs_per_user_per_day,
        per_channel_per_hour=settings.staff.handoffs_per_channel_per_hour,
    )
    sql_store = SqlConversationStore(sessions)
    # The embedded setup (SQLite, no Redis) is one process: state in memory, written behind.
    # PostgreSQL or Redis means replicas may share users: every message reads and writes SQL.
    embedded = url.startswith("sqlite") and not settings.redis.url and not replicas
    store: ConversationStore = WriteBehindStore(sql_store) if embedded else sql_store
    # "rate:" presses answer the satisfaction question that notifications/ sends.
    assistant = OneAtATime(
        RatingResponder(
            Assistant(
                knowledge,
                store,
                dossiers=dossiers,
                portal_url=settings.knowledge.portal_url,
                usage=counted,
                today=lambda: calendar.local(datetime.now(UTC)).date(),
                handoff=helpdesk,
            ),
            sessions,
            contact=settings.agency.contact,
        )
    )
    token = settings.telegram.token.get_secret_value()
    telegram = None
    if token:
        from bot.telegram.dispatcher import create_bot

        telegram = create_bot(token, settings.telegram.api_base)
    services = Services(
        settings, kb, knowledge, engine, sessions, store, calendar, dossiers, assistant, telegram
    )
    services.usage = usage
    services.metrics = metrics
    services.staff_counters = staff_counters
    try:
        await _check_demo(services, demo)
        if demo:
            services.demo_codes = await _load_demo(services)
    except BaseException:
        await services.aclose()
        raise
    return services


async def _check_demo(services: Services, demo: bool) -> None:
    """Demo dossiers live in a database of their own, never beside real ones."""
    from handlers.dossiers.demo import NotADemoDatabase, claim_demo_database, is_demo_database

    if not demo:
        if await is_demo_database(services.sessions):
            logger.warning("this is the demo database (serve --demo): its dossiers are made up")
        return
    try:
        await claim_demo_database(services.sessions, datetime.now(UTC))
    except NotADemoDatabase as exc:
        raise StartupError(
            f"--demo refused: the database holds {exc.dossiers} dossiers that are not demo "
            "data. Run the demo on its own database, e.g. "
            "MOTCUA_DATABASE__URL=sqlite+aiosqlite:///var/demo.db (what scripts/start does)"
        ) from None


async def _load_demo(services: Services) -> list[str]:
    """Demo dossiers for a first look; logs a few receipt codes to try."""
    from handlers.dossiers.demo import load_demo

    codes = await load_demo(services.sessions, services.calendar, services.kb)
    for code in codes[:5]:
        logger.info("demo dossier to try: %s", code)
    return list(codes)
