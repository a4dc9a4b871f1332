"""The Telegram channel: polling task or webhook route, its push sender, its lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

from bot import texts_vi
from bot.config import Settings
from bot.links import Links
from bot.running import at_start
from bot.telegram import NAME
from bot.telegram.callbacks import CallbackIds, callback_store
from handlers.payloads import Kind
from handlers.ports import PushPlace
from notifications.ports import Sender

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler

    from bot.bootstrap import Services

logger = logging.getLogger(__name__)

POLLING_CONCURRENCY = 64  # updates handled at once in polling mode (the webhook: max_in_flight)


@dataclass(frozen=True, slots=True)
class Telegram:
    bot: Bot
    dispatcher: Dispatcher
    mode: str  # "polling" or "webhook"
    callback_ids: CallbackIds  # long button payloads: shared by the chat side and pushes
    requests: SimpleRequestHandler | None = None  # the webhook's updates (webhook mode)


TELEGRAM = web.AppKey("telegram", Telegram)


def webhook_secret(settings: Settings) -> str:
    """The configured secret, else one derived from the signing key (same on every replica)."""
    from bot.telegram import webhook as telegram_webhook

    return telegram_webhook.secret(settings)


class TelegramChannel:
    """Telegram through aiogram: updates by polling (no public URL) or by webhook."""

    name = NAME
    vouched = True  # a chat id Telegram gives
    max_buttons: int | None = None  # an inline keyboard holds every button the core makes
    payload_kinds: tuple[type[Kind], ...] = ()

    def configured(self, settings: Settings) -> bool:
        return bool(settings.telegram.token.get_secret_value())

    def follows(self, settings: Settings) -> bool:
        return self.configured(settings)

    def push_place(self, settings: Settings) -> PushPlace | None:
        """Named with the bot's link when its username is known, and a button that opens the
        bot with a payload (the receipt's token subscribes the chat)."""
        links = Links.from_settings(settings)
        if not links.telegram_username:
            return PushPlace(texts_vi.PUSH_TELEGRAM)
        return PushPlace(
            texts_vi.PUSH_TELEGRAM_LINK.format(url=links.telegram_chat()),
            button=texts_vi.PUSH_BUTTON_TELEGRAM,
            link=links.telegram,
        )

    def mount(self, app: web.Application, settings: Settings) -> None:
        """The webhook route (or nothing to route: polling); the dispatcher is built when the
        app starts, and its lifespan then polls or registers the webhook."""
        if not self.configured(settings):
            return
        mode = "webhook" if settings.web.public_url else "polling"
        if mode == "webhook":
            from bot.telegram.webhook import WEBHOOK_PATH
            from bot.telegram.webhook_guard import webhook_guard

            app.middlewares.append(webhook_guard(WEBHOOK_PATH, webhook_secret(settings)))
            app.router.add_post(WEBHOOK_PATH, _webhook)
        at_start(app, TELEGRAM, lambda services: _telegram(services, mode))

    @contextlib.asynccontextmanager
    async def lifespan(
        self, app: web.Application, services: Services
    ) -> AsyncIterator[Mapping[str, Sender]]:
        from bot.senders.setup import telegram_sender

        telegram = app.get(TELEGRAM)
        task = None
        if telegram is not None and telegram.mode == "polling":
            task = asyncio.create_task(_poll_forever(telegram), name="telegram-polling")
            logger.info("telegram: polling")
        elif telegram is not None:
            await _register_webhook(telegram, services.settings)
        # A worker mounts no routes: its pushes still share the chat side's store of long
        # button payloads (Redis when configured), so that a web replica reads their presses.
        ids = (
            telegram.callback_ids
            if telegram is not None
            else CallbackIds(callback_store(services.settings.redis.url))
        )
        sender = telegram_sender(services.settings, services.telegram, ids)
        try:
            yield {sender.channel: sender} if sender is not None else {}
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if sender is not None:
                await sender.aclose()
            await ids.aclose()


def _telegram(services: Services, mode: str) -> Telegram:
    """The chat side: the dispatcher over the core, first deliveries only."""
    from bot.ledger import BatchedLedger
    from bot.telegram.dedupe import FirstDelivery
    from bot.telegram.dispatcher import build_dispatcher
    from storage.zalo_repo import SqlWebhookLedger

    bot = services.telegram
    assert bot is not None, "bootstrap() makes the Bot API client when a token is set"
    # One store of long button payloads (Redis when configured: every replica reads it).
    ids = CallbackIds(callback_store(services.settings.redis.url))
    dp = build_dispatcher(services.assistant, ids)
    dp.update.outer_middleware(FirstDelivery(BatchedLedger(SqlWebhookLedger(services.sessions))))
    requests = None
    if mode == "webhook":
        from aiogram.webhook.aiohttp_server import SimpleRequestHandler

        # Handled within the request, so that load shedding bounds the work (Telegram retries
        # a 503) instead of a task per update piling up behind the 200.
        requests = SimpleRequestHandler(
            dp, bot, secret_token=webhook_secret(services.settings), handle_in_background=False
        )
    return Telegram(bot, dp, mode, ids, requests)


async def _webhook(request: web.Request) -> web.Response:
    requests = request.app[TELEGRAM].requests
    assert requests is not None, "built in webhook mode, where this route is mounted"
    return await requests.handle(request)


async def _poll_forever(telegram: Telegram) -> None:
    """Polling that outlives a bad start (Bot API unreachable, webhook still set, ...)."""
    from bot.telegram.dispatcher import set_commands

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


async def _register_webhook(telegram: Telegram, settings: Settings) -> None:
    from bot.telegram import webhook as telegram_webhook
    from bot.telegram.dispatcher import set_commands

    try:
        url = await telegram_webhook.register(telegram.bot, telegram.dispatcher, settings)
        await set_commands(telegram.bot)
        logger.info("telegram: webhook at %s", url)
    except Exception as exc:  # the web chat keeps working; Telegram retries on its side
        logger.error("telegram: could not set the webhook: %s", exc)
