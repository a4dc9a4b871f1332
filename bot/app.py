"""The aiohttp application: web chat, Telegram (polling task or webhook), ingest API and Zalo."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.api import setup_api
from bot.bootstrap import Services
from bot.health import setup_health, webhook_timer
from bot.ledger import BatchedLedger
from bot.retention import retention_ctx
from bot.staff.setup import setup_staff
from bot.telegram import webhook as telegram_webhook
from bot.telegram.dedupe import FirstDelivery
from bot.telegram.dispatcher import build_dispatcher, set_commands
from bot.telegram.webhook_guard import webhook_guard
from bot.web.chat import WebChat
from bot.web.inbox import WebInbox
from bot.web.limits import trusted_networks
from bot.web.shedding import LoadShedder
from bot.zalo.routes import setup_zalo
from storage.zalo_repo import SqlWebhookLedger

logger = logging.getLogger(__name__)

WEBHOOK_PATH = telegram_webhook.WEBHOOK_PATH
# Ingest batches and QR photos are the largest bodies; web chat JSON is capped lower itself.
MAX_BODY = 10 * 1024 * 1024
# The routes whose requests do work (and wait in line for the CPU or the database).
SHED_PATHS = ("/api/chat", "/api/v1/", WEBHOOK_PATH)
POLLING_CONCURRENCY = 64  # updates handled at once in polling mode (the webhook: max_in_flight)


@dataclass(frozen=True, slots=True)
class Telegram:
    bot: Bot
    dispatcher: Dispatcher
    mode: str  # "polling" or "webhook"


SERVICES = web.AppKey("services", Services)
TELEGRAM = web.AppKey("telegram", Telegram)
SHEDDER = web.AppKey("shedder", LoadShedder)


def webhook_secret(services: Services) -> str:
    """The configured secret, else one derived from the signing key (same on every replica)."""
    return telegram_webhook.secret(services.settings)


def create_app(services: Services) -> web.Application:
    """Every configured channel on one HTTP server; resources live in ``cleanup_ctx``."""
    settings = services.settings
    app = web.Application(client_max_size=MAX_BODY, middlewares=[webhook_timer(services.metrics)])
    app[SERVICES] = services
    # The outermost middleware: a request over capacity costs no more than its headers.
    shedder = LoadShedder(settings.web.max_in_flight, SHED_PATHS)
    app[SHEDDER] = shedder
    app.middlewares.append(shedder.middleware)
    setup_health(app, services)  # /healthz, /readyz, /metrics
    WebChat(
        services.assistant,
        per_ip_per_minute=settings.web.per_ip_per_minute,
        trusted_proxies=trusted_networks(settings.web.trusted_proxies),
    ).register(app)
    setup_api(app, services)  # ingest API
    WebInbox(services.sessions).register(app)  # officers' answers to web chat hand-offs
    setup_staff(app, services)  # the staff console at /staff/
    if settings.zalo.enabled:
        setup_zalo(app, services)
    if services.telegram is not None:
        dp = build_dispatcher(services.assistant)
        dp.update.outer_middleware(
            FirstDelivery(BatchedLedger(SqlWebhookLedger(services.sessions)))
        )
        mode = "webhook" if settings.web.public_url else "polling"
        app[TELEGRAM] = Telegram(services.telegram, dp, mode)
        if mode == "webhook":
            secret = webhook_secret(services)
            app.middlewares.append(webhook_guard(WEBHOOK_PATH, secret))
            # Handled within the request, so that load shedding bounds the work (Telegram
            # retries a 503) instead of a task per update piling up behind the 200.
            SimpleRequestHandler(
                dp, services.telegram, secret_token=secret, handle_in_background=False
            ).register(app, path=WEBHOOK_PATH)
            app.cleanup_ctx.append(_telegram_webhook)
        else:
            app.cleanup_ctx.append(_telegram_polling)
    if services.notifications:  # the background jobs: off in ``serve --role web``
        app.cleanup_ctx.append(
            retention_ctx(services.sessions, settings.privacy.conversation_days)
        )
        app.cleanup_ctx.append(notifications_ctx)
    return app


async def _poll_forever(telegram: Telegram) -> None:
    """Polling that outlives a bad start (Bot API unreachable, webhook still set, ...)."""
    delay = 1.0
    while True:
        try:
            await telegram.bot.delete_webhook(drop_pending_updates=False)
            await set_commands(telegram.bot)
            await telegram.dispatcher.start_polling(
                telegram.bot,
                handle_signals=False,
                close_bot_session=False,
                tasks_concurrency_limit=POLLING_CONCURRENCY,
            )
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # keep the web chat up; try Telegram again later
            logger.error("telegram polling stopped: %s; restarting in %.0fs", exc, delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, 60.0)


async def _telegram_polling(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(_poll_forever(app[TELEGRAM]), name="telegram-polling")
    logger.info("telegram: polling")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _telegram_webhook(app: web.Application) -> AsyncIterator[None]:
    telegram = app[TELEGRAM]
    services = app[SERVICES]
    try:
        url = await telegram_webhook.register(telegram.bot, telegram.dispatcher, services.settings)
        await set_commands(telegram.bot)
        logger.info("telegram: webhook at %s", url)
    except Exception as exc:  # the web chat keeps working; Telegram retries on its side
        logger.error("telegram: could not set the webhook: %s", exc)
    yield


async def notifications_ctx(app: web.Application) -> AsyncIterator[None]:
    """The single place where the notification scheduler starts and stops with the app."""
    from bot.senders.setup import start_worker

    services = app[SERVICES]
    if not services.notifications:
        yield
        return
    worker = start_worker(
        services.settings,
        services.sessions,
        telegram_bot=services.telegram,
        senders=services.senders,  # Zalo's sender joins here when Zalo is configured
        observe=services.metrics.sender,  # sends by channel and outcome for /metrics
    )
    logger.info("notifications: scheduler started")
    try:
        yield
    finally:
        await worker.stop()  # SIGTERM: the sends in flight finish, claimed rows go back
