"""``motcua serve``: the web chat, Telegram, Zalo, the ingest API and the scheduler, together
(``--role all``) or apart (``--role web`` replicas, ``--role worker`` processes)."""

from __future__ import annotations

import argparse
import gc
import logging
from pathlib import Path

from aiohttp import web

from bot.config import Settings, for_demo, load_settings

logger = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("serve", help="chạy web chat, Telegram, Zalo, API và lịch thông báo")
    # SUPPRESS keeps ``motcua --config X serve`` working: the subcommand default never
    # overwrites the top-level value.
    parser.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="bot.toml")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="nạp hồ sơ mẫu để thử tra cứu (vào var/demo.db, không bao giờ vào dữ liệu thật)",
    )
    parser.add_argument(
        "--log-format", choices=("text", "json"), default=argparse.SUPPRESS, help="text | json"
    )
    parser.add_argument(
        "--role",
        choices=("all", "web", "worker"),
        default="all",
        help="web: kênh chat và API; worker: lịch và gửi thông báo; all: cả hai (mặc định)",
    )
    parser.set_defaults(func=run)


def make_app(settings: Settings, *, demo: bool = False, role: str = "all") -> web.Application:
    """The app for ``role``, built from the settings; it opens the services when it starts
    and closes them when it stops."""
    from bot.roles import Role, build_app

    app = build_app(settings, Role(role), demo=demo)

    async def started(_: web.Application) -> None:  # after every cleanup_ctx entry started
        # The knowledge base is a few hundred thousand long-lived objects: keep them out of the
        # collector's full passes, which would otherwise pause every answer for tens of ms.
        gc.collect()
        gc.freeze()
        if role == "worker":
            logger.info(
                "worker: probes on http://%s:%d/healthz", settings.web.host, settings.web.port
            )
        else:
            logger.info("web chat: http://%s:%d/", settings.web.host, settings.web.port)

    app.on_startup.append(started)
    return app


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    if args.demo:
        settings = for_demo(settings)
    # Every job run is logged at INFO by APScheduler: the notifications log what matters.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    web.run_app(
        make_app(settings, demo=args.demo, role=args.role),
        host=settings.web.host,
        port=settings.web.port,
        print=None,
        access_log=None,
        shutdown_timeout=5,
    )
    return 0
