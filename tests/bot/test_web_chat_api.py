"""The web chat endpoint over the real core: answers, buttons, deep links, state, bad input."""

from __future__ import annotations

import io
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import segno
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from channel_support import RECEIPT, SIGNING_KEY, seed_dossier

from bot.app import create_app
from bot.bootstrap import Services
from bot.web.chat import MAX_BODY, WebChat, parse_chat
from handlers.dossiers.tokens import make_payload
from handlers.messages import Incoming, Reply

SESSION = "s" * 8 + "A1b2C3d4e5F6"


@pytest.fixture
async def client(services: Services) -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(
        TestServer(create_app(services.settings, services=services))
    ) as test_client:
        yield test_client


async def ask(client: TestClient[Any, Any], **body: Any) -> list[dict[str, Any]]:
    body.setdefault("session", SESSION)
    response = await client.post("/api/chat", json=body)
    assert response.status == 200, await response.text()
    replies: list[dict[str, Any]] = (await response.json())["replies"]
    return replies


def text_of(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r["text"] for r in replies)


async def test_question_answer_buttons_and_follow_up(client: TestClient[Any, Any]) -> None:
    replies = await ask(client, text="làm giấy khai sinh cần gì")
    assert "khai sinh" in text_of(replies).lower()
    buttons = [b for r in replies for b in r["buttons"] if "payload" in b]
    assert buttons
    pressed = await ask(client, payload=buttons[0]["payload"])
    assert pressed and text_of(pressed) != text_of(replies)
    fee = await ask(client, text="còn lệ phí thì sao")
    assert "lệ phí" in text_of(fee).lower()
    # Another session has its own state: a bare follow-up there has nothing to follow.
    other = await ask(client, session="t" * 20, text="còn lệ phí thì sao")
    assert text_of(other) != text_of(fee)


async def test_deep_links_and_receipt_lookup(
    client: TestClient[Any, Any], services: Services
) -> None:
    await seed_dossier(services.sessions)
    procedure = await ask(client, payload="p_1-001193")
    assert "1.001193" in text_of(procedure) or "khai sinh" in text_of(procedure).lower()
    token = make_payload(RECEIPT, SIGNING_KEY.encode())
    dossier = await ask(client, payload=token)
    assert RECEIPT in text_of(dossier)
    typed = await ask(client, text=RECEIPT)
    assert RECEIPT in text_of(typed) and "Nguyễn Văn An" not in text_of(typed)


async def test_qr_photo_upload(client: TestClient[Any, Any], services: Services) -> None:
    await seed_dossier(services.sessions)
    png = io.BytesIO()
    segno.make_qr(make_payload(RECEIPT, SIGNING_KEY.encode())).save(png, kind="png", scale=8)
    form = {"session": SESSION, "image": io.BytesIO(png.getvalue())}
    response = await client.post("/api/chat/image", data=form)
    assert response.status == 200
    assert RECEIPT in text_of((await response.json())["replies"])
    junk = await client.post(
        "/api/chat/image", data={"session": SESSION, "image": io.BytesIO(b"\x00" * 99)}
    )
    assert junk.status == 200 and (await junk.json())["replies"]
    no_session = await client.post("/api/chat/image", data={"image": io.BytesIO(png.getvalue())})
    assert no_session.status == 400


async def test_the_page_is_local_and_safe(client: TestClient[Any, Any]) -> None:
    response = await client.get("/")
    page = await response.text()
    assert response.status == 200
    assert "Trợ lý Một cửa" in page and 'lang="vi"' in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    # Everything the page loads is served from this server: no CDN.
    for url in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert url.startswith("/static/"), url
        assert (await client.get(url)).status == 200


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b'{"session": "short", "text": "hi"}', "application/json", 400),
        (json.dumps({"session": SESSION}).encode(), "application/json", 400),
        (
            json.dumps({"session": SESSION, "text": "a", "payload": "b"}).encode(),
            "application/json",
            400,
        ),
        (json.dumps({"session": SESSION, "text": ["a"]}).encode(), "application/json", 400),
        (json.dumps({"session": SESSION, "payload": "a b"}).encode(), "application/json", 400),
        (json.dumps({"session": SESSION, "text": "   "}).encode(), "application/json", 400),
        (b"\xff\xfe\x00garbage", "application/json", 400),
        (b"text=hello", "application/x-www-form-urlencoded", 415),
        (b'{"session": "' + b"x" * (MAX_BODY + 10) + b'"}', "application/json", 413),
    ],
)
async def test_bad_requests_are_refused_politely(
    client: TestClient[Any, Any], body: bytes, content_type: str, status: int
) -> None:
    response = await client.post("/api/chat", data=body, headers={"Content-Type": content_type})
    assert response.status == status
    assert "Ông/Bà" in (await response.json())["error"]


async def test_long_and_odd_text_still_gets_an_answer(client: TestClient[Any, Any]) -> None:
    too_long = await ask(client, text="khai sinh " * 200)
    assert "dài quá" in text_of(too_long)
    odd = await ask(client, text="<script>alert(1)</script>\x00\x07 làm hộ chiếu")
    assert odd and all(isinstance(r["text"], str) for r in odd)


def test_parse_chat_strips_control_characters() -> None:
    parsed = parse_chat({"session": SESSION, "text": "a\x00b\x1fc"})
    assert parsed.text == "a b c"


class Echo:
    async def handle(self, msg: Incoming) -> list[Reply]:
        return [Reply(f"echo {msg.text}")]


async def test_one_address_cannot_rotate_sessions_past_its_limit() -> None:
    app = web.Application()
    WebChat(Echo(), per_ip_per_minute=3).register(app)
    async with TestClient(TestServer(app)) as limited:
        statuses = []
        for i in range(5):  # a fresh session id every time, as an enumerator would
            body = {"session": f"rotating-session-{i:04d}", "text": "hi"}
            statuses.append((await limited.post("/api/chat", json=body)).status)
        assert statuses == [200, 200, 200, 429, 429]
        refused = await limited.post("/api/chat", json={"session": SESSION, "text": "hi"})
        assert "chờ" in text_of((await refused.json())["replies"])


async def test_odd_uploads_are_refused_or_answered_politely(client: TestClient[Any, Any]) -> None:
    not_multipart = await client.post("/api/chat/image", json={"session": SESSION})
    assert not_multipart.status == 400
    bad_session = await client.post(
        "/api/chat/image", data={"session": "x" * 10, "image": io.BytesIO(b"img")}
    )
    assert bad_session.status == 400
    huge = io.BytesIO(b"\x00" * (9 * 1024 * 1024))
    too_big = await client.post("/api/chat/image", data={"session": SESSION, "image": huge})
    assert too_big.status == 200
    assert "lớn quá" in text_of((await too_big.json())["replies"])
