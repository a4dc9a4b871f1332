"""aiogram's HTTP session for every Bot the deployment builds (chat side and pushes)."""

from __future__ import annotations

import orjson
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer
from aiogram.methods import Response
from aiogram.types import Message, Update

# pydantic caches a parametrised generic only weakly, and aiogram's check_response asks for
# ``Response[<method's result>]`` on every answer: each time the collector has dropped it (about
# once every 45 sends under load) it is built again, ~2.6 ms of CPU. Held here, once a process.
_RESPONSE_TYPES = (Response[Message], Response[bool], Response[list[Update]])


def api_server(api_base: str = "") -> TelegramAPIServer:
    """Telegram's own Bot API, or the server at ``api_base`` (a local Bot API, a test fake)."""
    return TelegramAPIServer.from_base(api_base) if api_base else PRODUCTION


def create_session(api: TelegramAPIServer = PRODUCTION, *, timeout: float) -> AiohttpSession:
    """A session on ``api`` whose requests give up after ``timeout`` seconds."""
    return AiohttpSession(api=api, json_loads=orjson.loads, json_dumps=_dumps, timeout=timeout)


def _dumps(value: object) -> str:
    """orjson for aiogram's JSON (answers, keyboards, link options): ~10 µs less a send."""
    return orjson.dumps(value).decode()
