"""Before aiogram reads a webhook request: the secret header, then the body's size and JSON
nesting depth, so that a forged or hostile post is refused (401, 413, 400) and never a 500."""

from __future__ import annotations

import hmac

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from handlers import json_bounds

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024  # an update is a few kilobytes; a long message with entities, tens
MAX_DEPTH = 24  # a message replying to a message with buttons nests about a dozen levels


def webhook_guard(path: str, secret: str) -> Middleware:
    expected = secret.encode()

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path != path:
            return await handler(request)
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return web.Response(status=401)
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413)
        raw = await request.read()  # kept by aiohttp: aiogram's request.json() reads it again
        if len(raw) > MAX_BODY or json_bounds.depth_exceeds(raw, MAX_DEPTH):
            return web.Response(status=400)
        return await handler(request)

    return guard
