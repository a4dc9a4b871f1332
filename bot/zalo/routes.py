"""The Zalo channel: ``POST /webhooks/zalo``, its clients' lifetime and its push senders."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import aiohttp
from aiohttp import web

from bot import texts_vi as bot_texts
from bot.channel import SENDERS
from bot.config import Settings
from bot.ledger import BatchedLedger
from bot.links import Links
from bot.one_at_a_time import KeyedLock, OneAtATime
from bot.ports import Responder
from bot.senders.zalo import ZNS_CHANNEL, ZaloSender, ZnsSender
from bot.zalo import NAME
from bot.zalo.client import ZaloClient
from bot.zalo.flood import FloodGate
from bot.zalo.inbox import ZaloInbox
from bot.zalo.render import MAX_BUTTONS
from bot.zalo.tokens import OAuthClient, TokenManager
from bot.zalo.webhook import ZaloWebhook
from handlers.conversation import ConversationStore
from handlers.dossiers.possession import Possession
from handlers.payloads import PHONE_KINDS, Kind
from handlers.ports import PushPlace
from handlers.ratelimit import CounterStore
from notifications.ports import Sender
from storage.dossier_store import SqlDossierStore
from storage.engine import SessionFactory
from storage.zalo_repo import SqlWebhookLedger, SqlZaloTokenStore, SqlZaloUsers, StoredTokens

PATH = "/webhooks/zalo"
LEDGER_KEEP = timedelta(days=2)
PRUNE_EVERY_S = 6 * 3600  # Zalo's last retry comes about two hours after the first try


@dataclass
class ZaloRuntime:
    """What runs while the app runs; ``client`` is shared with the Zalo notification sender."""

    http: aiohttp.ClientSession
    tokens: TokenManager
    client: ZaloClient
    inbox: ZaloInbox
    webhook: ZaloWebhook
    ledger: SqlWebhookLedger


ZALO = web.AppKey("zalo", ZaloRuntime)
log = logging.getLogger(__name__)


def zalo_client(
    settings: Settings, sessions: SessionFactory, http: aiohttp.ClientSession
) -> ZaloClient:
    """The API client with its token manager (tokens kept in the database): also what a
    sender outside the web app (``motcua notify run-once``) needs."""
    z = settings.zalo
    oauth = OAuthClient(
        http,
        oauth_base=z.oauth_base,
        app_id=z.app_id,
        app_secret_key=z.app_secret_key.get_secret_value(),
    )
    first = StoredTokens(
        z.access_token.get_secret_value(), z.refresh_token.get_secret_value(), None, 0
    )
    tokens = TokenManager(SqlZaloTokenStore(sessions), oauth.refresh, initial=first)
    return ZaloClient(http, tokens, api_base=z.api_base, zns_base=z.zns_base)


def build_channel(
    settings: Settings,
    sessions: SessionFactory,
    responder: Responder,
    store: ConversationStore,
    http: aiohttp.ClientSession,
    *,
    counters: CounterStore,
) -> ZaloRuntime:
    z = settings.zalo
    client = zalo_client(settings, sessions, http)
    # One per-user lock: the inbox holds the assistant's own, so an event waits in one line.
    locks = responder.locks if isinstance(responder, OneAtATime) else KeyedLock()
    possession = Possession(
        SqlDossierStore(sessions), max_subscribers=settings.security.max_subscribers_per_dossier
    )
    users = SqlZaloUsers(sessions, channel=NAME)
    # The flood limit counts on the app's counters: Redis when configured, as replicas share.
    flood = FloodGate(counters)
    inbox = ZaloInbox(responder, client, users, possession, store, flood=flood, locks=locks)
    ledger = SqlWebhookLedger(sessions)
    webhook = ZaloWebhook(
        app_id=z.app_id,
        oa_secret_key=z.oa_secret_key.get_secret_value(),
        ledger=BatchedLedger(ledger),
        handler=inbox,
        window_s=z.replay_window_s,
    )
    return ZaloRuntime(http, client.tokens, client, inbox, webhook, ledger)


def build_senders(
    settings: Settings, sessions: SessionFactory, client: ZaloClient, store: ConversationStore
) -> dict[str, Sender]:
    """The outbox senders: Zalo subscribers, and ZNS by phone when templates are configured
    (also the last resort of a Zalo push whose chat window and transaction card are closed)."""
    zns = (
        ZnsSender(
            client,
            SqlZaloUsers(sessions, channel=NAME),
            dict(settings.zalo.zns_templates),
            contact=settings.agency.contact,
        )
        if settings.zalo.zns_templates
        else None
    )
    senders: dict[str, Sender] = {
        NAME: ZaloSender(
            client, lookup_url=Links.from_settings(settings).web_url, choices=store, zns=zns
        ),
    }
    if zns is not None:
        senders[ZNS_CHANNEL] = zns
    return senders


async def _prune_forever(ledger: SqlWebhookLedger, stop: asyncio.Event) -> None:
    """Forgets delivery keys older than any retry could be, now and every few hours."""
    while not stop.is_set():
        try:
            await ledger.prune(datetime.now(UTC) - LEDGER_KEEP)
        except Exception:
            log.exception("could not prune webhook_events")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), PRUNE_EVERY_S)


class ZaloServices(Protocol):
    """The part of bot.bootstrap.Services this module reads."""

    @property
    def settings(self) -> Settings: ...

    @property
    def sessions(self) -> SessionFactory: ...

    @property
    def assistant(self) -> Responder: ...

    @property
    def store(self) -> ConversationStore: ...

    @property
    def counters(self) -> CounterStore: ...


class ZaloChannel:
    """Zalo OA: a signed webhook in, the OA API (and ZNS by phone) out."""

    name = NAME
    vouched = True  # a user id Zalo gives
    max_buttons: int | None = MAX_BUTTONS  # more than a message holds: the core numbers them
    # Sharing a phone and following the dossiers found by it: buttons only Zalo offers.
    payload_kinds: tuple[type[Kind], ...] = PHONE_KINDS

    def configured(self, settings: Settings) -> bool:
        return settings.zalo.enabled

    def follows(self, settings: Settings) -> bool:
        return self.configured(settings)

    def push_place(self, settings: Settings) -> PushPlace | None:
        return PushPlace(bot_texts.PUSH_ZALO)

    def mount(self, app: web.Application, settings: Settings) -> None:
        async def handle(request: web.Request) -> web.Response:
            return await request.app[ZALO].webhook.handle(request)

        app.router.add_post(PATH, handle)

    @contextlib.asynccontextmanager
    async def lifespan(
        self, app: web.Application, services: ZaloServices
    ) -> AsyncIterator[Mapping[str, Sender]]:
        """The HTTP session and clients live as long as the app; yields the push senders."""
        async with aiohttp.ClientSession() as http:
            runtime = build_channel(
                services.settings,
                services.sessions,
                services.assistant,
                services.store,
                http,
                counters=services.counters,
            )
            app[ZALO] = runtime
            stop = asyncio.Event()
            jobs = [asyncio.create_task(_prune_forever(runtime.ledger, stop), name="zalo-prune")]
            try:
                # With ZNS templates, the scheduler also runs the registry's by-phone rules.
                yield build_senders(
                    services.settings, services.sessions, runtime.client, services.store
                )
            finally:
                stop.set()
                await asyncio.gather(*jobs, return_exceptions=True)
                await runtime.webhook.drain()


def setup_zalo(app: web.Application, services: ZaloServices) -> None:
    """The channel alone on ``app`` (tests and benches): its route, its lifespan, its senders
    in ``app[SENDERS]``."""
    channel = ZaloChannel()
    channel.mount(app, services.settings)

    async def lifetime(app: web.Application) -> AsyncIterator[None]:
        async with channel.lifespan(app, services) as senders:
            app[SENDERS] = dict(senders)
            yield

    app.cleanup_ctx.append(lifetime)
