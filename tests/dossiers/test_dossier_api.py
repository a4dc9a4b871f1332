"""The ingest HTTP API through aiohttp's test client (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.api import setup_api
from handlers.dossiers.calendar import WorkCalendar
from knowledge.model import Procedure, SubmissionWay
from storage import dossiers_repo
from storage.engine import SessionFactory, create_engine, session_factory

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CODE = "000.00.20.H56-260302-0001"


class FakeKB:
    def get(self, code: str) -> Procedure | None:
        if code == "1.001193":
            return Procedure(
                code=code, name="Đăng ký khai sinh", ways=(SubmissionWay("Trực tiếp", "3"),)
            )
        return None


@dataclass
class Services:
    sessions: SessionFactory
    knowledge: Any
    calendar: WorkCalendar
    settings: Any = None


Factory = Callable[..., Any]


@pytest.fixture
async def make_client(session_factory: SessionFactory) -> AsyncIterator[Factory]:
    clients: list[TestClient[Any, Any]] = []

    async def make(token: str = TOKEN, sessions: SessionFactory | None = None, **kw: Any) -> Any:
        app = web.Application()
        services = Services(sessions or session_factory, FakeKB(), WorkCalendar())
        setup_api(app, services, api_token=token, **kw)
        client: TestClient[Any, Any] = TestClient(TestServer(app))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


def _dossier(**extra: Any) -> dict[str, Any]:
    row = {
        "receipt_code": CODE,
        "procedure_code": "1.001193",
        "applicant_name": "Lê Văn Cường",
        "applicant_phone": "0905123456",
        "received_at": "2026-03-02T09:00:00+07:00",
        "status": "received",
    }
    row.update(extra)
    return row


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": TOKEN},
        {"Authorization": "Basic x"},
    ],
)
async def test_missing_or_forged_token_is_refused(
    make_client: Factory, headers: dict[str, str]
) -> None:
    client = await make_client()
    resp = await client.post("/api/v1/dossiers", json=_dossier(), headers=headers)
    assert resp.status == 401
    body = await resp.json()
    assert body["error"] == "unauthorized"
    assert body["message"]
    resp = await client.post(
        f"/api/v1/dossiers/{CODE}/events", json={"status": 4}, headers=headers
    )
    assert resp.status == 401


async def test_api_disabled_without_token(make_client: Factory) -> None:
    client = await make_client(token="")
    resp = await client.post("/api/v1/dossiers", json=_dossier(), headers=AUTH)
    assert resp.status == 403
    assert (await resp.json())["error"] == "api_disabled"
    resp = await client.post(
        "/api/v1/dossiers", json=_dossier(), headers={"Authorization": "Bearer "}
    )
    assert resp.status == 403


async def test_malformed_and_oversized_bodies(make_client: Factory) -> None:
    client = await make_client(max_body=2000, max_rows=3)
    resp = await client.post("/api/v1/dossiers", data=b"{not json", headers=AUTH)
    assert resp.status == 400
    body = await resp.json()
    assert body["error"] == "bad_body"
    assert "JSON" in body["message"]
    resp = await client.post("/api/v1/dossiers", data=b"x" * 5000, headers=AUTH)
    assert resp.status == 413
    resp = await client.post("/api/v1/dossiers", json=[_dossier()] * 4, headers=AUTH)
    assert resp.status == 413
    resp = await client.post(f"/api/v1/dossiers/{CODE}/events", json=[1], headers=AUTH)
    assert resp.status == 400


async def test_list_with_good_and_bad_rows(
    make_client: Factory, session_factory: SessionFactory
) -> None:
    client = await make_client()
    rows = [
        _dossier(),
        _dossier(receipt_code="000.00.20.H56-260302-0002", status="finished"),
        "not an object",
        _dossier(receipt_code="000.00.20.H56-260302-0003", received_at="hôm qua"),
    ]
    resp = await client.post("/api/v1/dossiers", json=rows, headers=AUTH)
    assert resp.status == 200
    body = await resp.json()
    assert body["accepted"] == 1
    assert [(r["line"], r["reason"]) for r in body["rejected"]] == [
        (2, "unknown_status"),
        (3, "not_an_object"),
        (4, "bad_datetime"),
    ]
    only_bad = await client.post("/api/v1/dossiers", json={"status": 2}, headers=AUTH)
    assert only_bad.status == 422
    async with session_factory() as session:
        dossier = await dossiers_repo.get_by_code(session, CODE)
    assert dossier is not None
    assert dossier.due_at is not None  # computed from the procedure's "3" working days


async def test_events_are_idempotent(make_client: Factory) -> None:
    client = await make_client()
    await client.post("/api/v1/dossiers", json=_dossier(), headers=AUTH)
    event = {"status": 9, "at": "2026-03-04T10:00:00+07:00", "note": "Mời nhận kết quả"}
    first = await client.post(f"/api/v1/dossiers/{CODE}/events", json=event, headers=AUTH)
    assert first.status == 201
    assert (await first.json())["added"] is True
    again = await client.post(f"/api/v1/dossiers/{CODE}/events", json=event, headers=AUTH)
    assert again.status == 200
    assert (await again.json())["added"] is False
    unknown = await client.post(
        "/api/v1/dossiers/000.00.20.H56-260302-0042/events", json=event, headers=AUTH
    )
    assert unknown.status == 404
    bad = await client.post(f"/api/v1/dossiers/{CODE}/events", json={"status": "x"}, headers=AUTH)
    assert bad.status == 422
    assert (await bad.json())["error"] == "unknown_status"


async def test_the_api_answers_503_while_the_database_is_down(make_client: Factory) -> None:
    """(/healthz and /readyz are bot.health's: tests/bot/test_health.py.)"""
    broken_engine = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    try:
        down = await make_client(sessions=session_factory(broken_engine))
        resp = await down.post("/api/v1/dossiers", json=_dossier(), headers=AUTH)
        assert resp.status == 503
        assert (await resp.json())["error"] == "unavailable"
        resp = await down.post(f"/api/v1/dossiers/{CODE}/events", json={"status": 4}, headers=AUTH)
        assert resp.status == 503
    finally:
        await broken_engine.dispose()
