"""The Telegram sender classifies every Bot API failure for the dispatcher."""

from __future__ import annotations

import pytest
from fakes.bot_api import FakeBotAPI

from bot.senders.telegram import TelegramSender, create_push_bot
from handlers.messages import Button, Reply
from notifications.ports import Outcome


@pytest.mark.parametrize(
    ("kind", "description", "outcome"),
    [
        ("retry_after", None, Outcome.RETRY_AFTER),
        ("server_error", None, Outcome.TRANSIENT),
        ("blocked", None, Outcome.BLOCKED),
        ("bad_request", "Bad Request: chat not found", Outcome.BLOCKED),
        ("bad_request", "Bad Request: message text is empty", Outcome.PERMANENT),
        ("slow", None, Outcome.TRANSIENT),
    ],
)
async def test_faults_map_to_outcomes(
    fake_api: FakeBotAPI, kind: str, description: str | None, outcome: Outcome
) -> None:
    fake_api.fail(
        "sendMessage",
        kind,
        retry_after=3,
        delay=3.0,  # type: ignore[arg-type]
        description=description,
    )
    sender = TelegramSender(create_push_bot(fake_api.token, fake_api.base_url, timeout=1.5))
    try:
        result = await sender.send("4242", Reply("Ông/Bà <b>chú ý</b>"))
        assert result.outcome is outcome
        if outcome is Outcome.RETRY_AFTER:
            assert result.retry_after == 3
        assert result.error  # the reason is kept for the outbox row
        again = await sender.send("4242", Reply("lần hai", (Button("Hài lòng", "rate:1:x"),)))
        assert again.outcome is Outcome.SENT
    finally:
        await sender.aclose()
    last = fake_api.sent("sendMessage", 4242)[-1]
    assert last["text"] == "lần hai"


async def test_text_is_escaped_and_bad_recipients_are_permanent(fake_api: FakeBotAPI) -> None:
    sender = TelegramSender(create_push_bot(fake_api.token, fake_api.base_url))
    try:
        assert (await sender.send("not-a-chat", Reply("x"))).outcome is Outcome.PERMANENT
        assert (await sender.send("77", Reply("a < b & c"))).outcome is Outcome.SENT
    finally:
        await sender.aclose()
    (params,) = fake_api.sent("sendMessage", 77)
    assert params["text"] == "a &lt; b &amp; c" and params["parse_mode"] == "HTML"


async def test_plain_push_sends_what_aiogram_sends(fake_api: FakeBotAPI) -> None:
    # A part without a keyboard skips aiogram's models; the request must stay the same.
    bot = create_push_bot(fake_api.token, fake_api.base_url)
    sender = TelegramSender(bot)
    try:
        assert (await sender.send("501", Reply("Hồ sơ <b>đã có</b> kết quả"))).outcome is (
            Outcome.SENT
        )
        await bot.send_message(502, "Hồ sơ &lt;b&gt;đã có&lt;/b&gt; kết quả")
    finally:
        await sender.aclose()
    (lean,) = fake_api.sent("sendMessage", 501)
    (reference,) = fake_api.sent("sendMessage", 502)
    assert lean == {**reference, "chat_id": lean["chat_id"]}
    assert lean["chat_id"] == "501" and lean["parse_mode"] == "HTML"


async def test_keyboards_and_link_options_are_json_telegram_reads(fake_api: FakeBotAPI) -> None:
    # The session writes aiogram's JSON fields with orjson: raw UTF-8, no \u escapes.
    sender = TelegramSender(create_push_bot(fake_api.token, fake_api.base_url))
    try:
        reply = Reply("Hồ sơ đã có kết quả", (Button("Hài lòng", "rate:1:x"),))
        assert (await sender.send("88", reply)).outcome is Outcome.SENT
    finally:
        await sender.aclose()
    (params,) = fake_api.sent("sendMessage", 88)
    # The fake reads them as Telegram does (JSON-decoded form fields).
    button = params["reply_markup"]["inline_keyboard"][0][0]
    assert button == {"text": "Hài lòng", "callback_data": "rate:1:x"}
    assert params["link_preview_options"] == {"is_disabled": True}
