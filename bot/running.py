"""What the app holds once it has started: the services bootstrap built (the app's first
``cleanup_ctx``) and what routes build from them; routes find both at request time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from aiohttp import web

if TYPE_CHECKING:
    from bot.bootstrap import Services

T = TypeVar("T")
R = TypeVar("R", bound=web.StreamResponse)

# Set when the app starts (bot.app), absent before: nothing is open while routes are mounted.
SERVICES: web.AppKey[Services] = web.AppKey("services")


def services(request: web.Request) -> Services:
    """The running app's services."""
    return request.app[SERVICES]


def at_start(app: web.Application, key: web.AppKey[T], build: Callable[[Services], T]) -> None:
    """``app[key] = build(services)`` once the services exist (mount before the app starts)."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        app[key] = build(app[SERVICES])
        yield

    app.cleanup_ctx.append(ctx)


def via(
    key: web.AppKey[T], handler: Callable[[T, web.Request], Awaitable[R]]
) -> Callable[[web.Request], Awaitable[R]]:
    """A route handler that calls ``handler(app[key], request)``: ``app[key]`` is built at
    start, after the routes were mounted."""

    async def handle(request: web.Request) -> R:
        return await handler(request.app[key], request)

    return handle
