"""Rendering replies for Telegram: escaping, splitting, keyboards and long callback payloads."""

from __future__ import annotations

import html

from bot.telegram.render import CALLBACK_LIMIT, MESSAGE_LIMIT, CallbackIds, render
from handlers.messages import Button, Reply


def test_text_is_escaped_and_split_before_escaping() -> None:
    text = ("Lệ phí <b>50.000</b> & phí khác. " * 300).strip()
    parts = render(Reply(text), CallbackIds())
    assert len(parts) > 1
    assert all(len(html.unescape(p.html)) <= MESSAGE_LIMIT for p in parts)
    assert "<b>" not in "".join(p.html for p in parts) and "&lt;b&gt;" in parts[0].html
    assert " ".join(html.unescape(p.html) for p in parts) == text


def test_keyboard_on_the_last_part_only_with_url_and_payload_buttons() -> None:
    reply = Reply(
        "x " * 3000,
        (Button("Lệ phí", "pa:1.001193:fee"), Button("Trang chính thức", url="https://a.vn")),
    )
    parts = render(reply, CallbackIds())
    assert all(p.markup is None for p in parts[:-1])
    markup = parts[-1].markup
    assert markup is not None
    rows = markup.inline_keyboard
    assert rows[0][0].callback_data == "pa:1.001193:fee"
    assert rows[1][0].url == "https://a.vn" and rows[1][0].callback_data is None


def test_long_payloads_travel_as_short_ids() -> None:
    ids = CallbackIds(capacity=2)
    long_payload = "ds:sub:" + "Đ" * 60
    short = ids.encode(long_payload)
    assert len(short.encode()) <= CALLBACK_LIMIT
    assert ids.encode(long_payload) == short  # stable
    assert ids.decode(short) == long_payload
    assert ids.decode("pc:1.001193") == "pc:1.001193"
    ids.encode("x" * 70)
    ids.encode("y" * 70)  # the first one is forgotten: an old button, not a crash
    assert ids.decode(short) is None
    assert ids.decode("~forged") is None


def test_empty_reply_still_sends_something() -> None:
    assert render(Reply(""), CallbackIds())[0].html
