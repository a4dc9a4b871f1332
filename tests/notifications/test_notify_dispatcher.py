"""The dispatcher against the loopback fake Bot API: pacing, 429, 500, timeouts, 403, quiet."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fakes.bot_api import FakeBotAPI
from notify_support import add_dossier, enqueue_plain, outbox_rows

from bot.senders.telegram import TelegramSender, create_push_bot
from notifications.dispatcher import ChannelLimits, Dispatcher, DispatcherConfig
from notifications.ports import SENT, Outcome, SendResult
from notifications.quiet import QuietHours
from storage import outbox_repo
from storage.engine import SessionFactory
from storage.subscriptions_repo import list_for_dossier

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def now() -> datetime:
    return datetime.now(UTC)


def dispatcher(
    factory: SessionFactory,
    api: FakeBotAPI,
    *,
    per_second: float = 0,
    interval: float = 0.3,
    timeout: float = 5.0,
    **config: object,
) -> tuple[Dispatcher, TelegramSender]:
    sender = TelegramSender(create_push_bot(api.token, api.base_url, timeout=timeout))
    cfg = DispatcherConfig(
        worker_id="test",
        lease=timedelta(seconds=60),
        backoff_base_s=0.2,
        **config,  # type: ignore[arg-type]
    )
    limits = {"telegram": ChannelLimits(per_second, interval)}
    return Dispatcher(factory, {"telegram": sender}, limits, cfg), sender


def texts_by_chat(api: FakeBotAPI) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for r in api.calls("sendMessage"):
        if r.fault in (None, "slow") and r.chat_id is not None:
            out[r.chat_id].append(str(r.params["text"]))
    return out


async def test_delivers_every_row_once_and_spaces_each_chat(
    session_factory: SessionFactory, fake_api: FakeBotAPI
) -> None:
    await enqueue_plain(session_factory, 24, chats=6, when=now())  # 4 messages per chat
    d, sender = dispatcher(session_factory, fake_api, interval=0.3)
    try:
        stats = await d.run_once()
    finally:
        await sender.aclose()
    assert stats.sent == 24 and stats.claimed == 24
    got = texts_by_chat(fake_api)
    assert sorted(itertools.chain(*got.values())) == sorted(f"tin nhắn số {i}" for i in range(24))
    for chat_id in got:
        times = [r.at for r in fake_api.calls("sendMessage", chat_id)]
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert min(gaps) >= 0.3, (chat_id, gaps)
    rows = await outbox_rows(session_factory)
    assert {r["status"] for r in rows} == {"sent"} and {r["attempts"] for r in rows} == {1}
    assert all(r["sent_at"] is not None for r in rows)


async def test_global_cap_is_respected(
    session_factory: SessionFactory, fake_api: FakeBotAPI
) -> None:
    await enqueue_plain(session_factory, 30, when=now())
    d, sender = dispatcher(session_factory, fake_api, per_second=20, concurrency=8)
    try:
        await d.run_once()
    finally:
        await sender.aclose()
    times = sorted(r.at for r in fake_api.calls("sendMessage"))
    assert len(times) == 30
    # 30 messages at 20/s with no burst: at least 29 intervals of 1/20 s.
    assert times[-1] - times[0] >= 29 / 20 * 0.95


async def test_retry_after_server_error_and_timeout_are_retried(
    session_factory: SessionFactory, fake_api: FakeBotAPI
) -> None:
    await enqueue_plain(session_factory, 6, first_chat=500, when=now())
    fake_api.fail("sendMessage", "retry_after", chat_id=500, retry_after=1)
    fake_api.fail("sendMessage", "server_error", chat_id=501, times=2)
    fake_api.fail("sendMessage", "slow", chat_id=502, delay=4.0)
    # A timeout generous enough that only the "slow" fault trips it on a busy CI machine.
    d, sender = dispatcher(session_factory, fake_api, timeout=2.0)
    started = datetime.now(UTC)
    try:
        stats = await d.run_once()
    finally:
        await sender.aclose()
    assert stats.sent == 6 and stats.failed == 0 and stats.retried >= 4
    calls = {c: fake_api.calls("sendMessage", c) for c in (500, 501, 502)}
    assert [r.fault for r in calls[500]] == ["retry_after", None]
    assert calls[500][1].at - calls[500][0].at >= 1.0  # waited retry_after
    assert [r.fault for r in calls[501]] == ["server_error", "server_error", None]
    assert [r.fault for r in calls[502]] == ["slow", None]
    rows = {r["recipient"]: r for r in await outbox_rows(session_factory)}
    assert rows["501"]["attempts"] == 3 and rows["500"]["attempts"] == 1  # 429 is no attempt
    assert all(r["status"] == "sent" for r in rows.values())
    assert (datetime.now(UTC) - started).total_seconds() < 20


async def test_persistent_failure_ends_failed_with_the_reason(
    session_factory: SessionFactory, fake_api: FakeBotAPI
) -> None:
    await enqueue_plain(session_factory, 2, first_chat=600, when=now())
    fake_api.fail("sendMessage", "server_error", chat_id=600, times=None)
    fake_api.fail("sendMessage", "bad_request", chat_id=601)
    d, sender = dispatcher(session_factory, fake_api, max_attempts=3)
    try:
        stats = await d.run_once()
    finally:
        await sender.aclose()
    assert stats.failed == 2
    assert len(fake_api.calls("sendMessage", 600)) == 3
    rows = {r["recipient"]: r for r in await outbox_rows(session_factory)}
    assert rows["600"]["status"] == "failed" and rows["600"]["attempts"] == 3
    assert "Internal Server Error" in str(rows["600"]["last_error"])
    assert rows["601"]["status"] == "failed" and "Bad Request" in str(rows["601"]["last_error"])
    async with session_factory() as s:
        failures = await outbox_repo.failures(s)
    assert {f.recipient for f in failures} == {"600", "601"}


async def test_blocked_chat_ends_its_subscriptions_and_cancels_the_rest(
    session_factory: SessionFactory, fake_api: FakeBotAPI
) -> None:
    d1 = await add_dossier(session_factory, "B-1", chats=["700", "701"])
    d2 = await add_dossier(session_factory, "B-2", chats=["700"])
    # Three messages for chat 700 (one claimed in flight, two queued) and one for 701.
    rows = [("700", 0), ("700", 1), ("700", 2), ("701", 3)]
    from handlers.messages import Reply
    from notifications.dispatcher import reply_to_body

    async with session_factory() as s, s.begin():
        await outbox_repo.enqueue(
            s,
            [
                outbox_repo.NewMessage(
                    f"{d1}:t:{i}:telegram:{chat}",
                    d1,
                    "t",
                    "telegram",
                    chat,
                    reply_to_body(Reply(f"m{i}")),
                    now(),
                )
                for chat, i in rows
            ],
            now(),
        )
    fake_api.fail("sendMessage", "blocked", chat_id=700, times=None)
    d, sender = dispatcher(session_factory, fake_api)
    try:
        stats = await d.run_once()
    finally:
        await sender.aclose()
    assert stats.blocked == 1 and stats.sent == 1
    assert len(fake_api.calls("sendMessage", 700)) == 1  # no retry to a chat that blocked us
    statuses = sorted((r["recipient"], r["status"]) for r in await outbox_rows(session_factory))
    assert statuses == [
        ("700", "cancelled"),
        ("700", "cancelled"),
        ("700", "failed"),
        ("701", "sent"),
    ]
    async with session_factory() as s:
        assert [x.user_id for x in await list_for_dossier(s, d1)] == ["701"]
        assert await list_for_dossier(s, d2) == []


async def test_quiet_hours_send_nothing(
    session_factory: SessionFactory, fake_api: FakeBotAPI
) -> None:
    await enqueue_plain(session_factory, 3, when=now())
    quiet = QuietHours.parse("21:00-07:00", VN)
    night = datetime(2026, 11, 25, 23, 30, tzinfo=VN)
    sender = TelegramSender(create_push_bot(fake_api.token, fake_api.base_url))
    d = Dispatcher(
        session_factory,
        {"telegram": sender},
        None,
        DispatcherConfig(worker_id="q", quiet=quiet),
        clock=lambda: night,
    )
    try:
        stats = await d.run_once()
    finally:
        await sender.aclose()
    assert stats.quiet and stats.claimed == 0 and fake_api.calls("sendMessage") == []
    assert {r["status"] for r in await outbox_rows(session_factory)} == {"pending"}


async def test_buttons_reach_telegram_as_an_inline_keyboard(
    session_factory: SessionFactory, fake_api: FakeBotAPI
) -> None:
    from handlers.messages import Button, Reply
    from notifications.dispatcher import reply_to_body

    body = reply_to_body(Reply("Ông/Bà có hài lòng?", (Button("Hài lòng", "rate:5:satisfied"),)))
    async with session_factory() as s, s.begin():
        await outbox_repo.enqueue(
            s,
            [
                outbox_repo.NewMessage(
                    "5:satisfaction:1:telegram:800",
                    None,
                    "satisfaction",
                    "telegram",
                    "800",
                    body,
                    now(),
                )
            ],
            now(),
        )
    d, sender = dispatcher(session_factory, fake_api)
    try:
        await d.run_once()
    finally:
        await sender.aclose()
    (params,) = fake_api.sent("sendMessage", 800)
    markup = params["reply_markup"]
    assert markup["inline_keyboard"][0][0]["callback_data"] == "rate:5:satisfied"


class NightBlock:
    """A sender whose platform refuses one chat until tomorrow (like Zalo's night block)."""

    channel = "telegram"

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, recipient: str, reply: object, context: object = None) -> SendResult:
        if recipient == "1000":
            return SendResult(Outcome.RETRY_AFTER, retry_after=8 * 3600, error="night")
        self.sent.append(recipient)
        return SENT


async def test_a_long_retry_after_defers_the_row_without_stalling_the_pass(
    session_factory: SessionFactory,
) -> None:
    await enqueue_plain(session_factory, 5, when=now())
    sender = NightBlock()
    d = Dispatcher(
        session_factory,
        {"telegram": sender},
        {"telegram": ChannelLimits(0, 0.1)},
        DispatcherConfig(worker_id="n"),
    )
    started = datetime.now(UTC)
    stats = await d.run_once()
    assert (datetime.now(UTC) - started).total_seconds() < 30
    assert stats.sent == 4 and sorted(sender.sent) == ["1001", "1002", "1003", "1004"]
    rows = {r["recipient"]: r for r in await outbox_rows(session_factory)}
    assert rows["1000"]["status"] == "pending" and rows["1000"]["attempts"] == 0
    assert rows["1000"]["next_attempt_at"] > started + timedelta(hours=7)
