"""The one place that wires dependencies: settings in, ready services (and their closing) out."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot import kb_source
from bot.channel import Channel as ChannelPort
from bot.config import Settings, StartupError
from bot.metrics import Metrics
from bot.one_at_a_time import OneAtATime
from bot.ports import Responder
from bot.state_cache import WriteBehindStore
from bot.telegram.channel import TelegramChannel
from bot.web.channel import WebChannel
from bot.zalo.routes import ZaloChannel
from handlers.assistant import Assistant
from handlers.conversation import ConversationStore
from handlers.dossiers.calendar import WorkCalendar
from handlers.dossiers.dialog import DossierDialog
from handlers.dossiers.view import AgencyInfo
from handlers.helpdesk.desk import HelpDesk
from handlers.outage import OutageLog
from handlers.payloads import CORE, Payloads
from handlers.ratelimit import CounterStore
from handlers.staff.questions import LiveKnowledge
from knowledge.base import KnowledgeBase
from notifications.ratings import Ratings
from storage.conversations_repo import SqlConversationStore
from storage.counters import MemoryCounterStore, counter_store
from storage.dossier_store import SqlDossierStore
from storage.engine import Engine, SessionFactory, create_engine, session_factory
from storage.migrate import upgrade_async
from storage.usage_repo import BatchedUsageWriter

if TYPE_CHECKING:
    from aiogram import Bot  # imported only when a token is set: commands start faster

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class Services:
    """Everything the channels and the HTTP API share, immutable once built by
    :func:`bootstrap` (which the app calls when it starts: bot.app)."""

    settings: Settings
    kb: KnowledgeBase  # the procedures loaded at start (``knowledge`` follows updates)
    knowledge: LiveKnowledge  # the search in use: kb update's exports, learned phrases
    engine: Engine
    sessions: SessionFactory
    store: ConversationStore
    calendar: WorkCalendar
    dossiers: DossierDialog
    assistant: Responder  # the Assistant, one message at a time per user
    channels: tuple[ChannelPort, ...] = ()  # the configured ones, in CHANNELS' order
    payloads: Payloads = CORE  # the core's payload kinds and the channels' own
    telegram: Bot | None = None  # the Bot API client, when a token is set
    notifications: bool = True  # run the notification scheduler inside ``motcua serve``
    demo_codes: tuple[str, ...] = ()
    usage: BatchedUsageWriter | None = None  # anonymous counts for ``motcua report``
    # Every request-side limit (lookups, hand-offs, logins, the web chat per address): Redis
    # when configured, so that replicas count together; else this process's memory.
    counters: CounterStore = field(default_factory=MemoryCounterStore)
    metrics: Metrics = field(default_factory=Metrics)  # GET /metrics (bot.health)

    async def aclose(self) -> None:
        if isinstance(self.store, WriteBehindStore):
            await self.store.aclose()
        if self.telegram is not None:
            await self.telegram.session.close()
        if self.usage is not None:
            await self.usage.aclose()  # before the engine goes: it writes what is buffered
        await self.counters.aclose()
        await self.engine.dispose()


# Every channel the app can run, in one place: adding one is a class and a line here.
CHANNELS: tuple[ChannelPort, ...] = (WebChannel(), TelegramChannel(), ZaloChannel())


def load_kb(settings: Settings) -> KnowledgeBase:
    """The configured files' knowledge base (never empty: StartupError)."""
    return kb_source.load_files(settings)


def push_channels(
    settings: Settings, channels: Sequence[ChannelPort] = CHANNELS
) -> frozenset[str]:
    """The chats the outbox can reach: others (the web chat) are offered no subscription."""
    return frozenset(c.name for c in channels if c.configured(settings) and c.follows(settings))


async def bootstrap(
    settings: Settings,
    *,
    demo: bool = False,
    kb: KnowledgeBase | None = None,
    channels: Sequence[ChannelPort] = CHANNELS,
    notifications: bool = True,
    replicas: bool = False,
) -> Services:
    """Migrates the database to head, loads the knowledge base and wires the core.

    ``kb`` lets tests share one loaded knowledge base; ``demo`` loads the demo dossiers;
    ``channels`` the channels to run (those the settings configure); ``notifications``
    whether the app runs the notification scheduler; ``replicas`` (``serve --role web``)
    means other processes answer the same users.
    """
    running = tuple(c for c in channels if c.configured(settings))
    payloads = CORE.extended(*(k for c in running for k in c.payload_kinds))
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
    counters = counter_store(
        settings.redis.url,
        OutageLog(
            logging.getLogger("storage.counters"),
            "redis (rate limits counted in memory meanwhile)",
        ),
    )
    counted = metrics.usage(usage)  # the report's counts, and /metrics' decisions and lookups
    dossiers = DossierDialog(
        SqlDossierStore(sessions),
        signing_key=signing_key,
        counters=counters,
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
        push_channels=push_channels(settings, running),
        vouched=frozenset(c.name for c in running if c.vouched),
        # Where a chat that cannot push (the web chat) says updates come from.
        push_places=[
            place
            for c in running
            if c.follows(settings) and (place := c.push_place(settings)) is not None
        ],
    )
    helpdesk = HelpDesk(
        sessions,
        calendar,
        counters,
        # Hand-off answers reach every running channel (the web chat's wait in its inbox).
        reachable=frozenset(c.name for c in running),
        contact=settings.agency.contact,
        per_user_per_day=settings.staff.handoffs_per_user_per_day,
        per_channel_per_hour=settings.staff.handoffs_per_channel_per_hour,
    )
    sql_store = SqlConversationStore(sessions)
    # The embedded setup (SQLite, no Redis) is one process: state in memory, written behind.
    # PostgreSQL or Redis means replicas may share users: every message reads and writes SQL.
    embedded = url.startswith("sqlite") and not settings.redis.url and not replicas
    store: ConversationStore = WriteBehindStore(sql_store) if embedded else sql_store
    assistant = OneAtATime(
        Assistant(
            knowledge,
            store,
            dossiers=dossiers,
            portal_url=settings.knowledge.portal_url,
            usage=counted,
            today=lambda: calendar.local(datetime.now(UTC)).date(),
            handoff=helpdesk,
            # The satisfaction question that notifications/ sends is answered here.
            ratings=Ratings(sessions, contact=settings.agency.contact),
            payloads=payloads,
            max_buttons={c.name: c.max_buttons for c in running if c.max_buttons is not None},
        )
    )
    token = settings.telegram.token.get_secret_value()
    telegram = None
    if token:
        from bot.telegram.dispatcher import create_bot

        telegram = create_bot(token, settings.telegram.api_base)
    services = Services(
        settings=settings,
        kb=kb,
        knowledge=knowledge,
        engine=engine,
        sessions=sessions,
        store=store,
        calendar=calendar,
        dossiers=dossiers,
        assistant=assistant,
        channels=running,
        payloads=payloads,
        telegram=telegram,
        notifications=notifications,
        usage=usage,
        counters=counters,
        metrics=metrics,
    )
    try:
        await _check_demo(services, demo)
        if demo:
            services = replace(services, demo_codes=tuple(await _load_demo(services)))
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
