"""Forged or hostile Zalo bodies cost a hash at most: nothing is parsed before the MAC matches,
bodies larger than any event are refused, nested JSON is a malformed event (never a 500)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import pytest
from fakes.zalo_api import FakeZaloAPI, ZaloHarness

from bot.zalo import webhook as webhook_module
from bot.zalo.signature import Verdict, expected_mac, sign, timestamps, verify
from bot.zalo.webhook import MAX_BODY
from handlers.conversation import MemoryConversationStore
from handlers.messages import Incoming, Reply
from storage.engine import SessionFactory


class Echo:
    def __init__(self) -> None:
        self.seen: list[Incoming] = []

    async def handle(self, msg: Incoming) -> list[Reply]:
        self.seen.append(msg)
        return [Reply("ok")]


@pytest.fixture
async def harness(session_factory: SessionFactory) -> AsyncIterator[tuple[ZaloHarness, Echo]]:
    echo = Echo()
    async with (
        FakeZaloAPI() as api,
        ZaloHarness(api, session_factory, echo, MemoryConversationStore()) as h,
    ):
        yield h, echo


def _padded(api: FakeZaloAPI, size: int) -> bytes:
    body = api.delivery("user_send_text", message={"text": "xin chào", "msg_id": "big"})
    body["message"]["attachments"] = [{"t": 1}] * (size // 8)  # type: ignore[index]
    return json.dumps(body, separators=(",", ":")).encode()


async def test_a_forged_body_is_never_parsed(
    harness: tuple[ZaloHarness, Echo], monkeypatch: pytest.MonkeyPatch
) -> None:
    h, echo = harness
    parsed: list[bytes] = []
    real_parse = webhook_module.parse

    def counting_parse(raw: bytes):  # type: ignore[no-untyped-def]
        parsed.append(raw)
        return real_parse(raw)

    monkeypatch.setattr(webhook_module, "parse", counting_parse)
    raw = _padded(h.api, MAX_BODY - 1024)
    forged = {"X-ZEvent-Signature": "mac=" + "0" * 64, "Content-Type": "application/json"}
    assert await h.deliver(raw, headers=forged) == 200
    assert parsed == []
    assert h.channel.webhook.stats["forged"] == 1
    # The same bytes, signed: parsed once, and answered.
    assert (
        await h.deliver(
            raw, headers={"X-ZEvent-Signature": sign(h.api.app_id, raw, h.api.oa_secret_key)}
        )
        == 200
    )
    await h.settle()
    assert len(parsed) == 1 and [m.text for m in echo.seen] == ["xin chào"]


async def test_bodies_larger_than_any_event_are_refused(
    harness: tuple[ZaloHarness, Echo],
) -> None:
    h, echo = harness
    raw = _padded(h.api, 6 * 1024 * 1024)
    headers = {"X-ZEvent-Signature": sign(h.api.app_id, raw, h.api.oa_secret_key)}
    assert await h.deliver(raw, headers=headers) == 413
    assert h.channel.webhook.stats["too_large"] == 1
    assert echo.seen == []


async def test_nested_json_signed_is_a_malformed_event(harness: tuple[ZaloHarness, Echo]) -> None:
    h, echo = harness
    ts = str(int(time.time() * 1000))
    raw = b'{"timestamp":"' + ts.encode() + b'","x":' + b"[" * 5000 + b"]" * 5000 + b"}"
    mac = expected_mac(h.api.app_id, raw, ts, h.api.oa_secret_key)
    assert await h.deliver(raw, headers={"X-ZEvent-Signature": "mac=" + mac}) == 200
    assert h.channel.webhook.stats["malformed"] == 1
    assert echo.seen == []


async def test_the_signed_timestamp_must_be_the_events(harness: tuple[ZaloHarness, Echo]) -> None:
    """A nested "timestamp" signed in place of the event's own is not accepted."""
    h, echo = harness
    now = int(time.time() * 1000)
    body = h.api.delivery("user_send_text", message={"text": "a", "msg_id": "n1"})
    body["timestamp"] = str(now - 3_600_000)  # an hour old: stale
    raw = ('{"extra":{"timestamp":"' + str(now) + '"},' + json.dumps(body)[1:]).encode()
    mac = expected_mac(h.api.app_id, raw, str(now), h.api.oa_secret_key)
    assert await h.deliver(raw, headers={"X-ZEvent-Signature": "mac=" + mac}) == 200
    assert h.channel.webhook.stats["malformed"] == 1
    assert echo.seen == []


def test_the_timestamp_scan_is_bounded_and_hashes_once() -> None:
    raw = b'{"timestamp":"1"' + b',"timestamp":"2"' * 10 + b"}"
    assert timestamps(raw) == ["1", "2", "2", "2"]
    # Inside a string the quotes are escaped: not a key.
    assert timestamps(b'{"text":"\\"timestamp\\":\\"9\\"","timestamp":3}') == ["3"]
    body = b'{"a":{"timestamp":"5"},"timestamp":"1700000000000"}'
    header = "mac=" + expected_mac("app", body, "1700000000000", "key")
    checked = verify(header, body, app_id="app", oa_secret_key="key", now_ms=1_700_000_000_000)
    assert checked.verdict is Verdict.OK and checked.timestamp == "1700000000000"
