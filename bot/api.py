"""The ingest HTTP API (POST /api/v1/dossiers, POST /api/v1/dossiers/{code}/events; /healthz,
/readyz and /metrics are in bot.health). Bearer token compared in constant time; the API answers
403 when no token is configured; bodies are size-limited; every refusal carries a machine reason
and Vietnamese text."""

from __future__ import annotations

import hmac
import json
import logging
from datetime import UTC, datetime
from typing import Any, Protocol

from aiohttp import web

from bot.config import Settings
from bot.running import at_start, via
from bot.web.body import read_limited
from handlers import json_bounds
from handlers.dossiers.calendar import WorkCalendar
from handlers.dossiers.ingest import Ingestor, ProcedureLookup, reason_message
from handlers.dossiers.ingest_errors import RowError
from storage.engine import SessionFactory

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_DEPTH = 8  # a list of flat objects is two levels deep


class ApiServices(Protocol):
    """What the API needs from bot.bootstrap.Services."""

    @property
    def sessions(self) -> SessionFactory: ...

    @property
    def knowledge(self) -> ProcedureLookup: ...  # the live knowledge (follows kb update)

    @property
    def calendar(self) -> WorkCalendar: ...

    @property
    def settings(self) -> Settings: ...


def _error(status: int, reason: str, value: object = None) -> web.Response:
    body = {"error": reason, "message": reason_message(reason, None, value)}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return web.json_response(body, status=status, headers=headers, dumps=_dumps)


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


async def _read_json(request: web.Request, limit: int) -> tuple[Any, web.Response | None]:
    raw = await read_limited(request, limit)
    if raw is None:
        return None, _error(413, "body_too_large")
    try:
        return json_bounds.loads(raw, max_depth=MAX_DEPTH), None
    except json_bounds.JsonTooDeep:
        return None, _error(400, "too_deep", MAX_DEPTH)
    except ValueError:  # malformed JSON, or not UTF-8
        return None, _error(400, "bad_body")


class IngestApi:
    def __init__(
        self,
        ingestor: Ingestor,
        token: str,
        sessions: SessionFactory,
        *,
        max_body: int = MAX_BODY_BYTES,
        max_rows: int = MAX_ROWS,
    ) -> None:
        self.ingestor = ingestor
        self.token = token.encode()
        self.sessions = sessions
        self.max_body = max_body
        self.max_rows = max_rows

    def _refused(self, request: web.Request) -> web.Response | None:
        if not self.token:
            return _error(403, "api_disabled")
        header = request.headers.get("Authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), self.token
        ):
            return _error(401, "unauthorized")
        return None

    async def post_dossiers(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        data, problem = await _read_json(request, self.max_body)
        if problem is not None:
            return problem
        items = data if isinstance(data, list) else [data]
        if len(items) > self.max_rows:
            return _error(413, "too_many_rows", self.max_rows)
        rows = [
            (i, item if isinstance(item, dict) else RowError("not_an_object"))
            for i, item in enumerate(items, start=1)
        ]
        try:
            report = await self.ingestor.ingest_rows(rows, datetime.now(UTC))
        except Exception:  # the database failed: the sender keeps the data and retries
            logger.exception("api import failed")
            return _error(503, "unavailable")
        logger.info("api import: %d accepted, %d rejected", report.accepted, len(report.rejected))
        status = 422 if report.accepted == 0 and report.rejected else 200
        return web.json_response(report.as_dict(), status=status, dumps=_dumps)

    async def post_event(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        data, problem = await _read_json(request, self.max_body)
        if problem is not None:
            return problem
        if not isinstance(data, dict):
            return _error(400, "not_an_object")
        code = request.match_info["receipt_code"]
        try:
            added, rejection = await self.ingestor.ingest_event(code, data, datetime.now(UTC))
        except Exception:
            logger.exception("api event failed")
            return _error(503, "unavailable")
        if rejection is not None:
            status = 404 if rejection.reason == "unknown_dossier" else 422
            body = {"added": False, "error": rejection.reason, **rejection.as_dict()}
            return web.json_response(body, status=status, dumps=_dumps)
        return web.json_response({"added": added}, status=201 if added else 200)


def ingest_api(
    services: ApiServices,
    *,
    api_token: str | None = None,
    max_body: int = MAX_BODY_BYTES,
    max_rows: int = MAX_ROWS,
) -> IngestApi:
    """The API over ``services``; the token defaults to settings.api.token (MOTCUA_API__TOKEN)."""
    token = api_token if api_token is not None else services.settings.api.token.get_secret_value()
    settings = services.settings
    ingestor = Ingestor(
        services.sessions,
        services.calendar,
        services.knowledge,
        supplement_clock=settings.calendar.supplement_clock if settings is not None else "pause",
    )
    return IngestApi(ingestor, token, services.sessions, max_body=max_body, max_rows=max_rows)


API = web.AppKey("ingest_api", IngestApi)


def mount_api(app: web.Application) -> None:
    """The routes; the API itself is ``app[API]``, built when the app starts."""
    _routes(app)
    at_start(app, API, ingest_api)


def setup_api(app: web.Application, services: ApiServices, **options: Any) -> IngestApi:
    """The API alone on ``app`` over ready services (tests); ``options``: :func:`ingest_api`'s."""
    api = app[API] = ingest_api(services, **options)
    _routes(app)
    return api


def _routes(app: web.Application) -> None:
    app.router.add_post("/api/v1/dossiers", via(API, IngestApi.post_dossiers))
    app.router.add_post("/api/v1/dossiers/{receipt_code}/events", via(API, IngestApi.post_event))
