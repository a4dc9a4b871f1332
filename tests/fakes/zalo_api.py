"""A loopback fake of Zalo: OA v3 send endpoints, the OAuth v4 token endpoint (single-use refresh
tokens), ZNS, and a CDN serving photos; records every request and injects error codes.

``async with FakeZaloAPI() as api:`` then point the client's ``api_base``, ``oauth_base`` and
``zns_base`` at ``api.base_url``. ``api.fail("message/cs", -230)`` makes the next call answer
that Zalo error; ``api.expire_token()`` makes the current access token answer -216.
``signed_delivery`` builds a webhook body and its signature the way Zalo does.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import web

from bot.zalo.signature import sign


@dataclass
class Call:
    endpoint: str  # "message/cs", "message/transaction", "zns", "oauth"
    body: dict[str, Any]
    access_token: str
    error: int = 0

    @property
    def user_id(self) -> str | None:
        recipient = self.body.get("recipient")
        return recipient.get("user_id") if isinstance(recipient, dict) else None

    @property
    def text(self) -> str:
        message = self.body.get("message")
        return str(message.get("text", "")) if isinstance(message, dict) else ""

    @property
    def buttons(self) -> list[dict[str, Any]]:
        message = self.body.get("message") or {}
        payload = (message.get("attachment") or {}).get("payload") or {}
        return list(payload.get("buttons") or [])

    @property
    def template_type(self) -> str | None:
        message = self.body.get("message") or {}
        payload = (message.get("attachment") or {}).get("payload") or {}
        return payload.get("template_type")


@dataclass
class Fault:
    endpoint: str  # or "*"
    error: int
    times: int | None = 1  # None: forever
    user_id: str | None = None
    served: int = 0

    def matches(self, endpoint: str, user_id: str | None) -> bool:
        if self.times is not None and self.served >= self.times:
            return False
        if self.endpoint not in ("*", endpoint):
            return False
        return self.user_id is None or self.user_id == user_id


@dataclass
class FakeZaloAPI:
    app_id: str = "1234567890"
    app_secret_key: str = "app-secret"
    oa_secret_key: str = "oa-secret"
    access_token: str = "AT-1"
    refresh_token: str = "RT-1"
    rate_limit: int = 4000  # requests per window before -32
    latency_s: float = 0.0
    calls: list[Call] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    images: dict[str, bytes] = field(default_factory=dict)
    used_refresh_tokens: set[str] = field(default_factory=set)
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(2))
    _runner: web.AppRunner | None = None
    base_url: str = ""
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_post("/v3.0/oa/message/{kind}", self._message)
        app.router.add_post("/v4/oa/access_token", self._oauth)
        app.router.add_post("/message/template", self._zns)
        app.router.add_get("/img/{name}", self._image)
        app.router.add_get("/_sent", self._count)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # --- control ---------------------------------------------------------------------------

    def fail(
        self, endpoint: str, error: int, *, times: int | None = 1, user_id: str | None = None
    ) -> None:
        self.faults.append(Fault(endpoint, error, times, user_id))

    def expire_token(self) -> None:
        """The current access token stops working (Zalo answers -216 until a refresh)."""
        self.access_token = "expired-" + self.access_token

    def sent(self, endpoint: str | None = None, user_id: str | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.error == 0
            and c.endpoint != "oauth"
            and (endpoint is None or c.endpoint == endpoint)
            and (user_id is None or c.user_id == user_id)
        ]

    async def wait_for(
        self, count: int, endpoint: str | None = None, timeout: float = 5
    ) -> list[Call]:
        """Waits until ``count`` successful sends (to ``endpoint``) were recorded."""
        deadline = time.monotonic() + timeout
        while len(self.sent(endpoint)) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"expected {count} sends, got {[c.text[:40] for c in self.sent(endpoint)]}"
                )
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), min(remaining, 0.05))
        return self.sent(endpoint)

    def add_image(self, data: bytes) -> str:
        name = f"{next(self._counter)}.jpg"
        self.images[name] = data
        return f"{self.base_url}/img/{name}"

    def delivery(
        self,
        event_name: str,
        *,
        user_id: str = "u1",
        timestamp_ms: int | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """A webhook body shaped like Zalo's."""
        body: dict[str, Any] = {
            "app_id": self.app_id,
            "event_name": event_name,
            "timestamp": str(
                timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
            ),
            "user_id_by_app": "app-" + user_id,
        }
        if event_name in ("follow", "unfollow"):
            body["follower"] = {"id": user_id}
            body["oa_id"] = "oa-1"
        else:
            body["sender"] = {"id": user_id}
            body["recipient"] = {"id": "oa-1"}
        body.update(extra)
        return body

    def signed(self, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        raw = json.dumps(body, ensure_ascii=False).encode()
        return raw, {
            "X-ZEvent-Signature": sign(self.app_id, raw, self.oa_secret_key),
            "Content-Type": "application/json",
        }

    # --- endpoints -------------------------------------------------------------------------

    async def _record(self, endpoint: str, request: web.Request, body: dict[str, Any]) -> Call:
        token = request.headers.get("access_token", "")
        call = Call(endpoint, body, token)
        self.calls.append(call)
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        if token != self.access_token:
            call.error = -216
            return call
        for fault in self.faults:
            if fault.matches(endpoint, call.user_id):
                fault.served += 1
                call.error = fault.error
                return call
        sends = sum(1 for c in self.calls if c.endpoint != "oauth" and c.error != -32)
        if sends > self.rate_limit:
            call.error = -32
        return call

    def _headers(self) -> dict[str, str]:
        used = sum(1 for c in self.calls if c.endpoint != "oauth")
        return {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remain": str(max(self.rate_limit - used, 0)),
        }

    async def _message(self, request: web.Request) -> web.Response:
        kind = request.match_info["kind"]
        body = await request.json()
        call = await self._record(f"message/{kind}", request, body)
        if call.error:
            return web.json_response(
                {"error": call.error, "message": "fault"}, headers=self._headers()
            )
        self._arrived.set()
        return web.json_response(
            {
                "error": 0,
                "message": "Success",
                "data": {"message_id": f"m{next(self._counter)}", "user_id": call.user_id},
            },
            headers=self._headers(),
        )

    async def _zns(self, request: web.Request) -> web.Response:
        body = await request.json()
        call = await self._record("zns", request, body)
        if call.error:
            return web.json_response({"error": call.error, "message": "fault"})
        self._arrived.set()
        return web.json_response(
            {
                "error": 0,
                "message": "Success",
                "data": {
                    "msg_id": f"z{next(self._counter)}",
                    "sent_time": str(int(time.time() * 1000)),
                    "quota": {"dailyQuota": "500", "remainingQuota": "499"},
                },
            }
        )

    async def _oauth(self, request: web.Request) -> web.Response:
        form = await request.post()
        call = Call("oauth", dict(form), request.headers.get("secret_key", ""))
        self.calls.append(call)
        token = str(form.get("refresh_token", ""))
        if (
            call.access_token != self.app_secret_key
            or form.get("app_id") != self.app_id
            or form.get("grant_type") != "refresh_token"
        ):
            call.error = -14002
            return web.json_response({"error": -14002, "error_name": "Invalid app"})
        if token != self.refresh_token or token in self.used_refresh_tokens:
            call.error = -14014
            return web.json_response({"error": -14014, "error_name": "Invalid refresh token"})
        self.used_refresh_tokens.add(token)  # single use
        n = next(self._counter)
        self.access_token, self.refresh_token = f"AT-{n}", f"RT-{n}"
        return web.json_response(
            {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expires_in": "90000",
            }
        )

    async def _count(self, request: web.Request) -> web.Response:
        """How many sends succeeded (for a benchmark running this fake in another process)."""
        return web.json_response({"sent": len(self.sent())})

    async def _image(self, request: web.Request) -> web.Response:
        data = self.images.get(request.match_info["name"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="image/jpeg")


@dataclass
class _Services:
    settings: Any
    sessions: Any
    assistant: Any
    store: Any
    counters: Any  # the app's shared counters (bot.bootstrap.Services.counters)


class ZaloHarness:
    """Our real Zalo webhook (``setup_zalo``) on a loopback server, wired to ``api``.

    ``counters`` are the app's shared counters (the flood limit; this process's memory unless
    given). ``deliver`` POSTs a body (signed unless told otherwise) and returns the HTTP status;
    ``settle`` waits until the background handling of accepted events is done.
    """

    def __init__(
        self, api: FakeZaloAPI, sessions: Any, responder: Any, store: Any, counters: Any = None
    ) -> None:
        from bot.config import Settings, ZaloSettings
        from storage.counters import MemoryCounterStore

        self.api = api
        self.settings = Settings(
            zalo=ZaloSettings(
                app_id=api.app_id,
                oa_secret_key=api.oa_secret_key,  # type: ignore[arg-type]
                app_secret_key=api.app_secret_key,
                access_token=api.access_token,  # type: ignore[arg-type]
                refresh_token=api.refresh_token,  # type: ignore[arg-type]
                api_base=api.base_url,
                oauth_base=api.base_url,
                zns_base=api.base_url,
            )
        )
        shared = counters if counters is not None else MemoryCounterStore()
        self.services = _Services(self.settings, sessions, responder, store, shared)
        self.client: Any = None

    async def __aenter__(self) -> Self:
        from aiohttp.test_utils import TestClient, TestServer

        from bot.zalo.routes import setup_zalo

        app = web.Application()
        setup_zalo(app, self.services)
        self.client = TestClient(TestServer(app))
        await self.client.start_server()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.close()

    @property
    def channel(self) -> Any:
        from bot.zalo.routes import ZALO

        return self.client.server.app[ZALO]

    async def deliver(
        self,
        body: dict[str, Any] | bytes,
        *,
        signed: bool = True,
        headers: dict[str, str] | None = None,
    ) -> int:
        if isinstance(body, bytes):
            raw, extra = body, {"Content-Type": "application/json"}
        elif signed:
            raw, extra = self.api.signed(body)
        else:
            raw = json.dumps(body).encode()
            extra = {"Content-Type": "application/json"}
        resp = await self.client.post(
            "/webhooks/zalo", data=raw, headers={**extra, **(headers or {})}
        )
        await resp.read()
        return int(resp.status)

    async def settle(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while self.channel.webhook.pending:
            if time.monotonic() > deadline:
                raise AssertionError("zalo events still in flight")
            await asyncio.sleep(0.01)
