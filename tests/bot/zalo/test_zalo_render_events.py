"""Zalo rendering (2,000 characters, ≤ 4 buttons, numbered lists) and webhook event parsing."""

from __future__ import annotations

import json

import pytest

from bot.zalo.errors import ERRORS, Action, rule_for
from bot.zalo.events import (
    AnonymousText,
    BadEvent,
    Follow,
    Ignored,
    SubmitInfo,
    Unfollow,
    UserImage,
    UserOther,
    UserText,
    Withdraw,
    parse,
    to_incoming,
)
from bot.zalo.render import render, request_info_form, status_card
from handlers.messages import Button, Reply


def _raw(event: str, **extra: object) -> bytes:
    body: dict[str, object] = {
        "app_id": "1",
        "event_name": event,
        "timestamp": "1700000000000",
        "sender": {"id": "u1"},
        "recipient": {"id": "oa"},
    }
    body.update(extra)
    return json.dumps(body).encode()


def test_long_text_is_split_and_buttons_ride_on_the_last_part() -> None:
    text = "\n\n".join(f"Đoạn {i}: " + "giấy tờ " * 60 for i in range(12))
    out = render(Reply(text, (Button("Lệ phí", "pa:1.001193:fee"),)))
    assert len(out.messages) > 1
    assert all(len(m["text"]) <= 2000 for m in out.messages)
    assert "".join(m["text"] for m in out.messages).replace(" ", "").replace("\n", "") == (
        text.replace(" ", "").replace("\n", "")
    )
    assert [("attachment" in m) for m in out.messages] == [False] * (len(out.messages) - 1) + [
        True
    ]
    assert out.choices == []


def test_up_to_four_buttons_are_zalo_buttons() -> None:
    buttons = (
        Button("Thủ tục A", "pc:1.000001"),
        Button("Trang chính thức", url="https://dichvucong.gov.vn/x"),
    )
    (message,) = render(Reply("Chọn:", buttons)).messages
    assert message["attachment"]["payload"]["buttons"] == [
        {"title": "Thủ tục A", "type": "oa.query.show", "payload": "pc:1.000001"},
        {
            "title": "Trang chính thức",
            "type": "oa.open.url",
            "payload": {"url": "https://dichvucong.gov.vn/x"},
        },
    ]


def test_more_than_four_buttons_become_a_numbered_list() -> None:
    buttons = tuple(Button(f"Mục {i}", f"pa:1.0:{i}") for i in range(1, 7)) + (
        Button("Xem thêm", url="https://x.example/1"),
    )
    out = render(Reply("Ông/Bà muốn biết gì?", buttons))
    (message,) = out.messages
    assert "attachment" not in message
    assert "1. Mục 1" in message["text"] and "6. Mục 6" in message["text"]
    assert "https://x.example/1" in message["text"]
    assert "số thứ tự" in message["text"]
    assert out.choices == [f"pa:1.0:{i}" for i in range(1, 7)]


def test_status_card_and_form_shapes() -> None:
    card = status_card(
        receipt_code="000.00.20.H56-261120-0007",
        status="rejected",
        status_label="Từ chối giải quyết",
        text="x" * 400,
        procedure_name="Đăng ký khai sinh",
        due="30/11/2026",
        lookup_url="https://motcua.example/tra-cuu",
    )
    payload = card["attachment"]["payload"]
    text_block = next(e for e in payload["elements"] if e["type"] == "text")
    assert len(text_block["content"]) <= 250
    rows = next(e for e in payload["elements"] if e["type"] == "table")["content"]
    assert rows[0]["key"].startswith("Mã")
    assert {r["key"]: r.get("style") for r in rows}["Trạng thái"] == "red"
    form = request_info_form()["attachment"]["payload"]
    assert form["template_type"] == "request_user_info" and form["elements"][0]["title"]


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (_raw("user_send_text", message={"text": "hi", "msg_id": "1"}), UserText),
        (
            _raw(
                "user_send_image",
                message={
                    "msg_id": "2",
                    "attachments": [{"type": "image", "payload": {"url": "https://cdn/x.jpg"}}],
                },
            ),
            UserImage,
        ),
        (_raw("user_send_sticker", message={"msg_id": "3"}), UserOther),
        (_raw("user_send_location", message={"msg_id": "4"}), UserOther),
        (_raw("user_send_business_card", message={"msg_id": "5"}), UserOther),
        (_raw("follow", follower={"id": "u1"}, sender=None), Follow),
        (_raw("unfollow", follower={"id": "u1"}, sender=None), Unfollow),
        (_raw("user_submit_info", info={"phone": "84912345678"}), SubmitInfo),
        (_raw("user_withdraw"), Withdraw),
        (
            _raw("anonymous_send_text", message={"text": "a", "conversation_id": "c"}),
            AnonymousText,
        ),
        (_raw("user_seen_message", message={"msg_ids": ["1"]}), Ignored),
        (_raw("oa_send_text", message={"text": "x", "msg_id": "9"}), Ignored),
        (_raw("some_future_event"), Ignored),
    ],
)
def test_events_are_typed(raw: bytes, kind: type) -> None:
    event = parse(raw)
    assert isinstance(event, kind)
    if isinstance(event, UserImage):
        assert event.url == "https://cdn/x.jpg"
    if isinstance(event, Follow | Unfollow | UserText | Withdraw):
        assert event.user_id == "u1"


def test_dedupe_keys() -> None:
    a = parse(_raw("user_send_text", message={"text": "hi", "msg_id": "m1"}))
    b = parse(
        _raw("user_send_text", message={"text": "hi", "msg_id": "m1"}, timestamp="1700000009999")
    )
    assert a.env.key == b.env.key == "zalo:user_send_text:m1"
    c = parse(_raw("follow", follower={"id": "u1"}))
    assert c.env.key == "zalo:follow:u1:1700000000000"


def test_bad_bodies_are_refused() -> None:
    for raw in (
        b"",
        b"nope",
        b"[]",
        b'{"event_name":"follow"}',
        b'{"event_name":"x","timestamp":"soon"}',
    ):
        with pytest.raises(BadEvent):
            parse(raw)


def test_button_payloads_typed_back_become_payloads() -> None:
    def incoming(text: str) -> tuple[str | None, str | None]:
        event = parse(_raw("user_send_text", message={"text": text, "msg_id": "1"}))
        assert isinstance(event, UserText)
        msg = to_incoming(event)
        return msg.text, msg.payload

    assert incoming("pa:1.001193:fee") == (None, "pa:1.001193:fee")
    assert incoming("pc:1.001193") == (None, "pc:1.001193")
    assert incoming("ds:sub:000.00.20.H56-261120-0007") == (
        None,
        "ds:sub:000.00.20.H56-261120-0007",
    )
    assert incoming("p_1-001193") == (None, "p_1-001193")
    assert incoming("rate:7:satisfied") == (None, "rate:7:satisfied")  # satisfaction buttons
    assert incoming("làm giấy khai sinh") == ("làm giấy khai sinh", None)
    assert incoming("pa: có gì") == ("pa: có gì", None)


def test_error_table_covers_every_documented_code() -> None:
    documented = {
        -216,
        -220,
        -32,
        -230,
        -232,
        -234,
        -213,
        -227,
        -244,
        -217,
        -201,
        -240,
        -108,
        -118,
        -119,
        -133,
        -139,
        -141,
        -144,
        -124,
        -131,
    }
    assert documented <= set(ERRORS)
    assert rule_for(-230).action is Action.FALL_BACK
    assert rule_for(-234).action is Action.DEFER_MORNING
    assert rule_for(12345).action is Action.RETRY
