"""The web chat routes: the page, its static files, and POST /api/chat (+ /api/chat/image)."""

from __future__ import annotations

import dataclasses
import html
import json
import logging
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, web
from aiohttp.typedefs import Handler

from bot import texts_vi
from bot.ports import Responder
from bot.running import via
from bot.web import NAME as WEB
from bot.web.body import read_limited
from bot.web.limits import Network, PerAddressLimit, client_address
from handlers import json_bounds
from handlers.messages import Button, Incoming, Reply
from handlers.payloads import OpenDossier, OpenProcedure, well_formed
from handlers.ratelimit import CounterStore
from handlers.split import split_text
from storage.counters import MemoryCounterStore

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_BODY = 16 * 1024  # JSON requests
MAX_IMAGE = 8 * 1024 * 1024
MAX_TEXT = 1000
MAX_DEPTH = 4  # {"session": ..., "text": ...} is one level deep
PART_LIMIT = 4000  # the page shows long text fine; keep bubbles readable
_SESSION = re.compile(r"[A-Za-z0-9_-]{16,64}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


class BadRequest(Exception):
    """A request the page would never send; answered 400 with a polite text."""


@dataclass(frozen=True, slots=True)
class ChatRequest:
    session: str
    text: str | None = None
    payload: str | None = None


def parse_chat(body: Any) -> ChatRequest:
    """Validates a decoded JSON body: a session id and exactly one of text or payload."""
    if not isinstance(body, dict):
        raise BadRequest("body is not an object")
    session, text, payload = body.get("session"), body.get("text"), body.get("payload")
    if not isinstance(session, str) or not _SESSION.fullmatch(session):
        raise BadRequest("bad session")
    if (text is None) == (payload is None):
        raise BadRequest("need exactly one of text and payload")
    if payload is not None:
        if not isinstance(payload, str) or not well_formed(payload):
            raise BadRequest("bad payload")
        return ChatRequest(session, payload=payload)
    if not isinstance(text, str):
        raise BadRequest("bad text")
    return ChatRequest(session, text=_CONTROL.sub(" ", text).strip())


def reply_json(replies: list[Reply]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for reply in replies:
        parts = split_text(reply.text, PART_LIMIT) or [""]
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            buttons = [_button(b) for b in reply.buttons] if last else []
            out.append({"text": part, "buttons": buttons})
    return out


def _button(button: Button) -> dict[str, str]:
    if button.url:
        return {"label": button.label, "url": button.url}
    return {"label": button.label, "payload": button.payload}


def _page() -> str:
    """index.html with the strings of bot/texts_vi.py filled in (escaped) once."""
    template = string.Template((STATIC_DIR / "index.html").read_text(encoding="utf-8"))
    texts = {k: html.escape(v) for k, v in texts_vi.WEB_PAGE.items()}
    # "</" cannot end the JSON script element early once "<" is escaped.
    # The link prefixes come from the payload registry: the page never spells them itself.
    page = {**texts_vi.WEB_PAGE, "open_procedure": OpenProcedure.PREFIX}
    page["open_dossier"] = OpenDossier.PREFIX
    texts_json = json.dumps(page, ensure_ascii=False).replace("<", "\\u003c")
    return template.substitute(texts, texts_json=texts_json)


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    if request.path == "/" or request.path.startswith(("/static/", "/api/chat")):
        response.headers.setdefault("Content-Security-Policy", _CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


class WebChat:
    """Routes of the web chat over one Responder (channel "web", user id = the session id, the
    client's address in ``Incoming.client`` for every limit). ``counters``: the deployment's
    (Services.counters), so that every replica counts an address together."""

    def __init__(
        self,
        assistant: Responder,
        *,
        per_ip_per_minute: int = 0,
        trusted_proxies: Sequence[Network] = (),
        counters: CounterStore | None = None,
    ) -> None:
        self._assistant = assistant
        self._page = _page()
        store = counters if counters is not None else MemoryCounterStore()
        self._limit = PerAddressLimit(per_ip_per_minute, store, name="web-chat")
        self._trusted = tuple(trusted_proxies)

    @staticmethod
    def mount(app: web.Application) -> None:
        """The routes; the chat itself is ``app[CHAT]``, built when the app starts."""
        app.router.add_get("/", via(CHAT, WebChat.index))
        app.router.add_post("/api/chat", via(CHAT, WebChat.chat))
        app.router.add_post("/api/chat/image", via(CHAT, WebChat.image))
        app.router.add_static("/static/", STATIC_DIR, append_version=False)
        app.middlewares.append(security_headers)

    def register(self, app: web.Application) -> None:
        """This chat alone on ``app`` (tests)."""
        app[CHAT] = self
        self.mount(app)

    async def index(self, request: web.Request) -> web.Response:
        return web.Response(
            text=self._page, content_type="text/html", headers={"Cache-Control": "no-cache"}
        )

    async def _answer(self, request: web.Request, msg: Incoming) -> web.Response:
        forwarded = ",".join(request.headers.getall("X-Forwarded-For", []))
        address = client_address(request.remote, forwarded, self._trusted)
        msg = dataclasses.replace(msg, client=address)
        decision = await self._limit.take(address)
        if not decision.allowed:
            response = self._answer_text(texts_vi.WEB_BUSY)
            response.set_status(429)
            response.headers["Retry-After"] = str(decision.retry_after_s)
            return response
        replies = await self._assistant.handle(msg)  # never raises: the core apologises
        return web.json_response({"replies": reply_json(replies)}, dumps=_dumps)

    @staticmethod
    def _bad(status: int = 400) -> web.Response:
        return web.json_response({"error": texts_vi.WEB_BAD_REQUEST}, status=status, dumps=_dumps)

    async def chat(self, request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            return self._bad(415)
        raw = await read_limited(request, MAX_BODY)
        if raw is None:
            return self._bad(413)
        try:
            parsed = parse_chat(json_bounds.loads(raw, max_depth=MAX_DEPTH))
        except (ValueError, BadRequest) as exc:  # malformed, too deep, not UTF-8
            logger.debug("bad web chat request: %s", exc)
            return self._bad()
        if parsed.text is not None and len(parsed.text) > MAX_TEXT:
            return web.json_response(
                {"replies": reply_json([Reply(texts_vi.TOO_LONG.format(limit=MAX_TEXT))])},
                dumps=_dumps,
            )
        if parsed.text == "":
            return self._bad()
        msg = Incoming(WEB, parsed.session, text=parsed.text, payload=parsed.payload)
        return await self._answer(request, msg)

    async def image(self, request: web.Request) -> web.Response:
        if (request.content_length or 0) > MAX_IMAGE + MAX_BODY:
            return self._answer_text(texts_vi.IMAGE_TOO_BIG.format(limit_mb=MAX_IMAGE >> 20))
        try:
            reader = await request.multipart()
        except (ValueError, AssertionError, KeyError):
            return self._bad()
        session: str | None = None
        image: bytes | None = None
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                return self._bad()
            if part.name == "session":
                session = (await part.read(decode=False))[:64].decode("ascii", "replace")
            elif part.name == "image":
                data = bytearray()
                while chunk := await part.read_chunk():
                    data += chunk
                    if len(data) > MAX_IMAGE:
                        return self._answer_text(
                            texts_vi.IMAGE_TOO_BIG.format(limit_mb=MAX_IMAGE >> 20)
                        )
                image = bytes(data)
        if session is None or not _SESSION.fullmatch(session) or not image:
            return self._bad()
        return await self._answer(request, Incoming(WEB, session, image=image))

    @staticmethod
    def _answer_text(text: str) -> web.Response:
        return web.json_response({"replies": reply_json([Reply(text)])}, dumps=_dumps)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


CHAT = web.AppKey("web_chat", WebChat)
