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
from bot.staff.setup import setup_staff
from bot.telegram import webhook as telegram_webhook
from bot.telegram.dispatcher import build_dispatcher, set_commands
from bot.web.chat import WebChat
from bot.web.inbox import WebInbox
from bot.zalo.routes import setup_zalo

logger = logging.getLogger(__name__)

WEBHOOK_PATH = telegram_webhook.WEBHOOK_PATH
# Ingest batches and QR photos are the largest bodies; web chat JSON is capped lower itself.
MAX_BODY = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Telegram:
    bot: Bot
    dispatcher: Dispatcher
    mode: str  # "polling" or "webhook"


SERVICES = web.AppKey("services", Services)
TELEGRAM = web.AppKey("telegram", Telegram)


def webhook_secret(services: Services) -> str:
    """The configured secret, else one derived from the signing key (same on every replica)."""
    return telegram_webhook.secret(services.settings)


def create_app(services: Services) -> web.Application:
    """Every configured channel on one HTTP server; resources live in ``cleanup_ctx``."""
    settings = services.settings
    app = web.Application(client_max_size=MAX_BODY, middlewares=[webhook_timer(services.metrics)])
    app[SERVICES] = services
    setup_health(app, services)  # /healthz, /readyz, /metrics
    WebChat(services.assistant, per_ip_per_minute=settings.web.per_ip_per_minute).register(app)
    setup_api(app, services)  # ingest API
    WebInbox(services.sessions).register(app)  # officers' answers to web chat hand-offs
    setup_staff(app, services)  # the staff console at /staff/
    if settings.zalo.enabled:
        setup_zalo(app, services)
    if services.telegram is not None:
        dp = build_dispatcher(services.assistant)
        mode = "webhook" if settings.web.public_url else "polling"
        app[TELEGRAM] = Telegram(services.telegram, dp, mode)
        if mode == "webhook":
            SimpleRequestHandler(
                dp, services.telegram, secret_token=webhook_secret(services)
            ).register(app, path=WEBHOOK_PATH)
            app.cleanup_ctx.append(_telegram_webhook)
        else:
            app.cleanup_ctx.append(_telegram_polling)
    app.cleanup_ctx.append(_notifications)
    return app


async def _poll_forever(telegram: Telegram) -> None:
    """Polling that outlives a bad start (Bot API unreachable, webhook still set, ...)."""
    delay = 1.0
    while True:
        try:
            await telegram.bot.delete_webhook(drop_pending_updates=False)
            await set_commands(telegram.bot)
            await telegram.dispatcher.start_polling(
                telegram.bot, handle_signals=False, close_bot_session=False
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


async def _notifications(app: web.Application) -> AsyncIterator[None]:
    """The single place where the notification scheduler starts and stops with the app."""
    from bot.senders.setup import start_notifications

    services = app[SERVICES]
    if not services.notifications:
        yield
        return
    scheduler = start_notifications(
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
        scheduler.shutdown(wait=False)
