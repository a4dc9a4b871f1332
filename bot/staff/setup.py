"""Adds the console to the app: its routes, then (when the app starts) the console built from
the shared services and the task that reloads learned phrases when an admin approved new ones."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.running import SERVICES
from bot.staff.auth import CookieSigner
from bot.staff.pages import Pages
from bot.staff.report import ReportPage
from bot.staff.routes import CONSOLE, StaffConsole, StaffDeps
from handlers.dossiers.ingest import Ingestor
from handlers.staff.accounts import Accounts
from handlers.staff.desk import Desk
from handlers.staff.questions import Questions
from notifications.handoffs import Tickets
from notifications.quiet import QuietHours

if TYPE_CHECKING:
    from bot.bootstrap import Services

log = logging.getLogger(__name__)

RELOAD_EVERY_S = 60.0  # how soon another replica's approval reaches this one's search


def build_console(services: Services) -> StaffConsole:
    assert services.knowledge is not None, "bootstrap() sets the live knowledge"
    settings = services.settings
    staff = settings.staff
    tz = ZoneInfo(settings.calendar.timezone)
    accounts = Accounts(
        services.sessions,
        services.counters,
        failures_per_account=staff.login_failures_per_account,
        failures_per_address=staff.login_failures_per_address,
        idle_timeout=timedelta(minutes=staff.idle_timeout_min),
        max_age=timedelta(hours=staff.max_session_hours),
    )
    deps = StaffDeps(
        accounts=accounts,
        desk=Desk(
            services.sessions,
            services.calendar,
            Ingestor(
                services.sessions,
                services.calendar,
                services.knowledge,
                supplement_clock=services.settings.calendar.supplement_clock,
            ),
        ),
        tickets=Tickets(
            services.sessions, quiet=QuietHours.parse(settings.notifications.quiet_hours, tz)
        ),
        questions=Questions(services.sessions, services.knowledge, search=services.knowledge),
        knowledge=services.knowledge,
        sessions=services.sessions,
        report=ReportPage(services.sessions, settings.calendar.timezone),
    )
    signer = CookieSigner(
        settings.signing_key(), https=settings.web.public_url.startswith("https://")
    )
    return StaffConsole(deps, Pages(tz), signer)


def mount_staff(app: web.Application) -> None:
    """The console's routes; the console is built from the services when the app starts, with
    the task that reloads learned phrases (and a newer export) every minute."""
    StaffConsole.mount(app)
    app.cleanup_ctx.append(_console)


async def _console(app: web.Application) -> AsyncIterator[None]:
    services = app[SERVICES]
    console = app[CONSOLE] = build_console(services)
    knowledge = services.knowledge

    async def loop() -> None:
        while True:
            await asyncio.sleep(RELOAD_EVERY_S)
            try:
                await knowledge.reload(services.sessions)
            except Exception:  # the search keeps what it has; try again later
                log.exception("learned phrases not reloaded")

    task = asyncio.create_task(loop(), name="learned-phrases")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await console.d.report.aclose()  # figures being recomputed in the background
        await console.d.desk.aclose()
