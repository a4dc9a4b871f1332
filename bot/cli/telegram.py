"""``motcua telegram set-webhook|webhook-info``: register the deployment's webhook (at
``public_url`` with its secret) and see what Telegram knows of it."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.config import Settings, StartupError, load_settings
from handlers.messages import Incoming, Reply


class _NoReplies:
    """The dispatcher is built only to learn the update types it handles."""

    async def handle(self, msg: Incoming) -> list[Reply]:
        return []


def _token(settings: Settings) -> str:
    token = settings.telegram.token.get_secret_value()
    if not token:
        raise StartupError("no bot token: set MOTCUA_TELEGRAM__TOKEN")
    return token


async def _set_webhook(settings: Settings, drop_pending: bool) -> str:
    from bot.telegram import webhook
    from bot.telegram.dispatcher import build_dispatcher, create_bot, set_commands

    bot = create_bot(_token(settings), settings.telegram.api_base)
    try:
        target = await webhook.register(
            bot, build_dispatcher(_NoReplies()), settings, drop_pending=drop_pending
        )
        await set_commands(bot)
        return target
    finally:
        await bot.session.close()


async def _webhook_info(settings: Settings) -> dict[str, object]:
    from bot.telegram.dispatcher import create_bot

    bot = create_bot(_token(settings), settings.telegram.api_base)
    try:
        info = await bot.get_webhook_info()
    finally:
        await bot.session.close()
    return {
        "url": info.url,
        "pending_update_count": info.pending_update_count,
        "last_error_message": info.last_error_message,
        "allowed_updates": info.allowed_updates,
    }


def _run_set(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    target = asyncio.run(_set_webhook(settings, args.drop_pending_updates))
    print(f"Telegram webhook set: {target} (with its secret token)")
    return 0


def _run_info(args: argparse.Namespace) -> int:
    info = asyncio.run(_webhook_info(load_settings(args.config)))
    for key, value in info.items():
        print(f"{key}: {value if value not in (None, '') else '-'}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("telegram", help="Telegram: đăng ký webhook với Bot API")
    tg = parser.add_subparsers(dest="telegram_command", required=True)
    hook = tg.add_parser(
        "set-webhook",
        help="register public_url + /webhooks/telegram with its secret (setWebhook)",
    )
    hook.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="bot.toml")
    hook.add_argument(
        "--drop-pending-updates", action="store_true", help="discard updates Telegram holds"
    )
    hook.set_defaults(func=_run_set)
    info = tg.add_parser("webhook-info", help="what Telegram knows of the webhook")
    info.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="bot.toml")
    info.set_defaults(func=_run_info)
