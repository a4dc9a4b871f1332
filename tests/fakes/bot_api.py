"""A loopback fake of the Telegram Bot API: records every request, injects faults on demand.

Use it as an async context manager (``async with FakeBotAPI() as api:``) and point a client at
``api.base_url`` (aiogram: ``TelegramAPIServer.from_base(api.base_url)``). Push updates with
``push_message`` / ``push_callback`` / ``push_photo``; read what the bot sent with ``sent()`` or
``wait_for()``; make a method fail with ``fail()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Self

from aiohttp import web

FaultKind = Literal["retry_after", "server_error", "blocked", "slow", "bad_request"]

# Parameters that Bot API clients send as JSON text inside form fields.
_JSON_PARAMS = {
    "reply_markup",
    "allowed_updates",
    "entities",
    "link_preview_options",
    "reply_parameters",
    "caption_entities",
    "media",
    "commands",
    "scope",
}


_TAG = re.compile(r"<[^>]+>")


@dataclass
class RecordedRequest:
    """One call the client made: method name, decoded parameters, when, and the fault served."""

    method: str
    params: dict[str, Any]
    at: float
    token: str
    fault: FaultKind | None = None

    @property
    def chat_id(self) -> int | None:
        raw = self.params.get("chat_id")
        try:
            return int(raw) if raw is not None else None
        except (TypeError, ValueError):
            return None


@dataclass
class Fault:
    """A failure to serve for ``method`` (``"*"`` = any), optionally only for one chat."""

    method: str
    kind: FaultKind
    times: int | None = 1  # None: forever
    chat_id: int | None = None
    retry_after: int = 1
    delay: float = 0.0  # "slow": seconds to wait before answering normally
    description: str | None = None
    served: int = 0

    def matches(self, method: str, chat_id: int | None) -> bool:
        if self.times is not None and self.served >= self.times:
            return False
        if self.method not in ("*", method):
            return False
        return self.chat_id is None or self.chat_id == chat_id


@dataclass
class _StoredFile:
    file_id: str
    unique_id: str
    path: str
    data: bytes


@dataclass
class FakeBotAPI:
    """The fake server. ``token`` must match what the client uses, or it answers 401."""

    token: str = "123456:TEST-token"
    username: str = "motcua_test_bot"
    host: str = "127.0.0.1"
    port: int = 0  # 0: a free port, read ``port`` after start
    requests: list[RecordedRequest] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    webhook_url: str = ""
    webhook_secret: str = ""

    def __post_init__(self) -> None:
        self._updates: list[dict[str, Any]] = []
        self.pushed: list[int] = []  # the id of every update pushed, in order
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._file_ids = itertools.count(1)
        self._files: dict[str, _StoredFile] = {}
        self._changed = asyncio.Event()  # replaced by a fresh one on every change
        self._closing = False
        self._runner: web.AppRunner | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    @property
    def bot_id(self) -> int:
        return int(self.token.split(":", 1)[0])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> Self:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle_method)
        app.router.add_get("/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        self._closing = True
        self._wake()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- what tests push ---------------------------------------------------------------------

    def _user(self, user_id: int, first_name: str = "Công dân") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "vi"}

    def _chat(self, chat_id: int) -> dict[str, Any]:
        return {"id": chat_id, "type": "private", "first_name": "Công dân"}

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update (``update_id`` is assigned when absent) for getUpdates."""
        update = dict(update)
        update.setdefault("update_id", next(self._update_ids))
        self._updates.append(update)
        self.pushed.append(int(update["update_id"]))
        self._wake()
        return int(update["update_id"])

    def message_update(self, chat_id: int, **fields: Any) -> dict[str, Any]:
        """A ``message`` update from a private chat (fields: text, photo, entities, ...)."""
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self._user(chat_id),
            **fields,
        }
        text = fields.get("text")
        if isinstance(text, str) and text.startswith("/") and "entities" not in fields:
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": next(self._update_ids), "message": message}

    def push_message(self, chat_id: int, text: str) -> int:
        return self.push_update(self.message_update(chat_id, text=text))

    def push_callback(
        self, chat_id: int, data: str, message_id: int | None = None, text: str = "…"
    ) -> str:
        """A button press on one of the bot's messages; returns the callback query id."""
        query_id = f"cq{next(self._update_ids)}"
        message = {
            "message_id": message_id or next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": {"id": self.bot_id, "is_bot": True, "first_name": "Bot"},
            "text": text,
        }
        self.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self._user(chat_id),
                    "chat_instance": str(chat_id),
                    "message": message,
                    "data": data,
                }
            }
        )
        return query_id

    def add_file(self, data: bytes, suffix: str = "jpg") -> str:
        """Store bytes the client can fetch via getFile + download; returns the file_id."""
        n = next(self._file_ids)
        file_id = f"file{n}"
        self._files[file_id] = _StoredFile(file_id, f"u{n}", f"photos/file_{n}.{suffix}", data)
        return file_id

    def push_photo(
        self, chat_id: int, data: bytes, caption: str | None = None, small: bytes = b"thumb"
    ) -> int:
        """A photo message with two sizes; the large one holds ``data``."""
        sizes = []
        for payload, width in ((small, 90), (data, 1280)):
            file_id = self.add_file(payload)
            stored = self._files[file_id]
            sizes.append(
                {
                    "file_id": file_id,
                    "file_unique_id": stored.unique_id,
                    "width": width,
                    "height": width,
                    "file_size": len(payload),
                }
            )
        fields: dict[str, Any] = {"photo": sizes}
        if caption is not None:
            fields["caption"] = caption
        return self.push_update(self.message_update(chat_id, **fields))

    def fail(
        self,
        method: str,
        kind: FaultKind,
        *,
        times: int | None = 1,
        chat_id: int | None = None,
        retry_after: int = 1,
        delay: float = 0.0,
        description: str | None = None,
    ) -> Fault:
        """Serve ``kind`` for the next ``times`` calls of ``method`` (optionally one chat)."""
        fault = Fault(method, kind, times, chat_id, retry_after, delay, description)
        self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self.faults.clear()

    # --- what tests read ---------------------------------------------------------------------

    def calls(
        self, method: str | None = None, chat_id: int | None = None
    ) -> list[RecordedRequest]:
        return [
            r
            for r in self.requests
            if (method is None or r.method == method) and (chat_id is None or r.chat_id == chat_id)
        ]

    def sent(
        self, method: str = "sendMessage", chat_id: int | None = None, *, ok_only: bool = True
    ) -> list[dict[str, Any]]:
        """Parameters of the calls answered normally (or all, with ``ok_only=False``).

        A "slow" call counts as answered, as on Telegram: the client may have timed out, but the
        server may still have delivered the message.
        """
        return [
            r.params
            for r in self.calls(method, chat_id)
            if not (ok_only and r.fault not in (None, "slow"))
        ]

    async def wait_for(
        self,
        method: str = "sendMessage",
        count: int = 1,
        *,
        chat_id: int | None = None,
        timeout: float = 10.0,
        where: Callable[[dict[str, Any]], bool] | None = None,
    ) -> list[dict[str, Any]]:
        """Wait until at least ``count`` successful calls match; returns all matching params."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = [p for p in self.sent(method, chat_id) if where is None or where(p)]
            if len(found) >= count:
                return found
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                seen = [(r.method, r.params.get("text", "")[:60]) for r in self.requests[-10:]]
                raise TimeoutError(f"{count}x {method} not seen in {timeout}s; last: {seen}")
            await self._until_change(remaining)

    async def wait_for_count(
        self, count: int, method: str = "sendMessage", *, timeout: float = 10.0
    ) -> None:
        """Until ``count`` calls of ``method`` were received (any outcome); counts only the new
        ones at each change, so a long run (thousands of calls) costs no quadratic scan."""
        deadline = asyncio.get_running_loop().time() + timeout
        seen, checked = 0, 0
        while True:
            for r in self.requests[checked:]:
                seen += r.method == method
            checked = len(self.requests)
            if seen >= count:
                return
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"{count}x {method} not seen in {timeout}s (saw {seen})")
            await self._until_change(remaining)

    @property
    def pending_updates(self) -> int:
        return len(self._updates)

    def take_updates(self) -> list[dict[str, Any]]:
        """Removes and returns the queued updates (to feed them to a dispatcher directly)."""
        taken, self._updates = self._updates, []
        return taken

    # --- the HTTP side -----------------------------------------------------------------------

    def _wake(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def _until_change(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout)

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method != "POST" or not request.can_read_body:
            return params
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                params.update(body)
            return params
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, str):
                params[key] = value
            else:  # an uploaded file
                params[key] = {"filename": value.filename, "size": len(value.file.read())}
        for key in _JSON_PARAMS & params.keys():
            if isinstance(params[key], str):
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(params[key])
        return params

    def _error(self, status: int, description: str, **parameters: Any) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=status)

    async def _handle_method(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        params = await self._read_params(request)
        record = RecordedRequest(method, params, time.monotonic(), token)
        self.requests.append(record)
        try:
            if token != self.token:
                return self._error(401, "Unauthorized")
            fault = next((f for f in self.faults if f.matches(method, record.chat_id)), None)
            if fault is not None:
                fault.served += 1
                record.fault = fault.kind
                response = await self._serve_fault(fault)
                if response is not None:
                    return response
            handler = getattr(self, f"_m_{method.lower()}", None)
            if handler is None:
                if method.lower().startswith(("set", "delete")):
                    return web.json_response({"ok": True, "result": True})
                return self._error(404, "Not Found: method not found")
            result = await handler(params)
            if isinstance(result, web.Response):
                if result.status >= 400:  # refused like Telegram would: not "sent"
                    record.fault = "bad_request"
                return result
            return web.json_response({"ok": True, "result": result})
        finally:
            self._wake()

    async def _serve_fault(self, fault: Fault) -> web.Response | None:
        if fault.kind == "retry_after":
            return self._error(
                429,
                fault.description or f"Too Many Requests: retry after {fault.retry_after}",
                retry_after=fault.retry_after,
            )
        if fault.kind == "server_error":
            return self._error(500, fault.description or "Internal Server Error")
        if fault.kind == "blocked":
            return self._error(403, fault.description or "Forbidden: bot was blocked by the user")
        if fault.kind == "bad_request":
            return self._error(400, fault.description or "Bad Request: message text is empty")
        await asyncio.sleep(fault.delay)  # "slow"
        return None

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        path = request.match_info["path"]
        self.requests.append(
            RecordedRequest("downloadFile", {"path": path}, time.monotonic(), self.token)
        )
        self._wake()
        for stored in self._files.values():
            if stored.path == path:
                return web.Response(body=stored.data, content_type="application/octet-stream")
        return self._error(404, "Not Found")

    # --- methods -------------------------------------------------------------------------------

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Trợ lý Một cửa",
            "username": self.username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _m_getme(self, params: dict[str, Any]) -> Any:
        return self._bot_user()

    async def _m_getupdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        wait = min(float(params.get("timeout") or 0), 30.0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        deadline = asyncio.get_running_loop().time() + wait
        while not self._updates and not self._closing:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            await self._until_change(remaining)
        return self._updates[:limit]

    def _message(self, params: dict[str, Any], **fields: Any) -> dict[str, Any]:
        chat_id = params.get("chat_id", 0)
        try:
            chat: dict[str, Any] = self._chat(int(chat_id))
        except (TypeError, ValueError):
            chat = {"id": -1, "type": "channel", "username": str(chat_id).lstrip("@")}
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": self._bot_user(),
            **fields,
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return message

    async def _m_sendmessage(self, params: dict[str, Any]) -> Any:
        text = params.get("text") or ""
        if not text:
            return self._error(400, "Bad Request: message text is empty")
        if params.get("parse_mode") == "HTML":  # the limit counts text after entity parsing
            text = html.unescape(_TAG.sub("", text))
        if len(text) > 4096:
            return self._error(400, "Bad Request: message is too long")
        return self._message(params, text=text)

    async def _m_editmessagetext(self, params: dict[str, Any]) -> Any:
        if "inline_message_id" in params:
            return True
        message = self._message(params, text=params.get("text") or "")
        message["message_id"] = int(params.get("message_id") or message["message_id"])
        return message

    async def _m_sendphoto(self, params: dict[str, Any]) -> Any:
        file_id = self.add_file(b"sent")
        photo = [{"file_id": file_id, "file_unique_id": file_id, "width": 1, "height": 1}]
        return self._message(params, photo=photo, caption=params.get("caption"))

    async def _m_senddocument(self, params: dict[str, Any]) -> Any:
        file_id = self.add_file(b"sent")
        return self._message(params, document={"file_id": file_id, "file_unique_id": file_id})

    async def _m_answercallbackquery(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_sendchataction(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_getfile(self, params: dict[str, Any]) -> Any:
        stored = self._files.get(str(params.get("file_id")))
        if stored is None:
            return self._error(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_size": len(stored.data),
            "file_path": stored.path,
        }

    async def _m_setwebhook(self, params: dict[str, Any]) -> Any:
        self.webhook_url = str(params.get("url") or "")
        self.webhook_secret = str(params.get("secret_token") or "")
        return True

    async def _m_deletewebhook(self, params: dict[str, Any]) -> Any:
        self.webhook_url = ""
        return True

    async def _m_getwebhookinfo(self, params: dict[str, Any]) -> Any:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
