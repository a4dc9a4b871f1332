"""The Telegram webhook of a deployment: its path and URL under ``public_url``, its secret (the
same on every replica), and registering it with the Bot API."""

from __future__ import annotations

import hashlib
import hmac

from aiogram import Bot, Dispatcher

from bot.config import Settings, StartupError
from bot.links import PUBLIC_URL_SETTING, public_problem

WEBHOOK_PATH = "/webhooks/telegram"


def secret(settings: Settings) -> str:
    """The configured secret, else one derived from the signing key (same on every replica)."""
    configured = settings.telegram.webhook_secret.get_secret_value()
    if configured:
        return configured
    return hmac.new(settings.signing_key(), b"telegram-webhook", hashlib.sha256).hexdigest()


def url(settings: Settings) -> str:
    """Where Telegram posts updates; StartupError when ``public_url`` cannot be reached."""
    problem = public_problem(settings.web.public_url)
    if problem is not None:
        raise StartupError(
            f"Telegram cannot reach the webhook: the public address {problem}. "
            f"Set {PUBLIC_URL_SETTING} to the https address of the reverse proxy"
        )
    return settings.web.public_url.strip().rstrip("/") + WEBHOOK_PATH


async def register(
    bot: Bot, dispatcher: Dispatcher, settings: Settings, *, drop_pending: bool = False
) -> str:
    """setWebhook with the secret and the update types the dispatcher handles; the URL."""
    target = url(settings)
    await bot.set_webhook(
        target,
        secret_token=secret(settings),
        allowed_updates=dispatcher.resolve_used_update_types(),
        drop_pending_updates=drop_pending,
    )
    return target
