"""The dossier dialog on SQLite and PostgreSQL: lookup, enumeration refused, tokens, phone
digits, listing and cancelling subscriptions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from handlers.conversation import ConversationState
from handlers.dossiers.dialog import PENDING_DIGITS, DossierDialog
from handlers.dossiers.ratelimit import MemoryCounterStore
from handlers.dossiers.tokens import make_token
from handlers.dossiers.view import AgencyInfo
from handlers.messages import Channel, Incoming
from storage import contacts_repo, dossiers_repo, subscriptions_repo
from storage.engine import SessionFactory

VN = timezone(timedelta(hours=7))
KEY = b"dialog-test-key"
CODE = "000.00.20.H56-261120-0007"
OTHER = "000.00.20.H56-261120-0008"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 10, 0, tzinfo=VN).astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now


def _row(code: str, **extra: object) -> dict[str, object]:
    row: dict[str, object] = {
        "receipt_code": code,
        "procedure_code": "1.001193",
        "procedure_name": "Đăng ký khai sinh",
        "applicant_name": "Nguyễn Văn An",
        "applicant_phone": "0912345678",
        "received_at": datetime(2026, 11, 20, 9, 0, tzinfo=VN),
        "due_at": datetime(2026, 11, 30, 17, 0, tzinfo=VN),
        "status": "supplement_required",
        "status_at": datetime(2026, 11, 21, 9, 0, tzinfo=VN),
        "note": "Bản sao giấy chứng sinh",
    }
    row.update(extra)
    return row


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def dialog(session_factory: SessionFactory, clock: Clock) -> DossierDialog:
    async with session_factory() as session, session.begin():
        await dossiers_repo.upsert_dossiers(
            session,
            [_row(CODE), _row(OTHER, applicant_phone=None, status="processing")],
            clock(),
        )
    return DossierDialog(
        session_factory,
        signing_key=KEY,
        counters=MemoryCounterStore(clock=lambda: clock().timestamp()),
        per_minute=10,
        per_day=60,
        agency=AgencyInfo(contact="Bộ phận Một cửa, điện thoại 1900 0000", collect_place="quầy 3"),
        clock=clock,
    )


def msg(user: str = "u1", text: str | None = None, **kw: object) -> Incoming:
    return Incoming(Channel.TELEGRAM, user, text=text, **kw)  # type: ignore[arg-type]


async def subscribed_codes(factory: SessionFactory, user: str = "u1") -> list[str]:
    async with factory() as session:
        rows = await subscriptions_repo.list_for_user(session, "telegram", user)
    return [d.receipt_code for _, d in rows]


async def test_lookup_by_typed_code_shows_status_never_the_phone(dialog: DossierDialog) -> None:
    raw = dialog.find_code("cho tôi hỏi hồ sơ 000.00.20.h56 261120 0007 với")
    assert raw is not None
    replies = await dialog.on_receipt_code(msg(), raw, ConversationState())
    text = replies[0].text
    assert CODE in text
    assert "Yêu cầu bổ sung hồ sơ" in text
    assert "Bản sao giấy chứng sinh" in text
    assert "N*** V** A" in text
    # Waiting for the citizen: the clock is stopped, no countdown, nothing late.
    assert "Thời hạn giải quyết tạm dừng, chờ ông/bà bổ sung hồ sơ" in text
    assert "Còn" not in text and "trễ" not in text
    for digits in ("0912345678", "5678", "2345"):
        assert digits not in text
    assert [b.payload for b in replies[0].buttons] == [f"ds:sub:{CODE}"]


async def test_unknown_and_malformed_are_told_apart(dialog: DossierDialog) -> None:
    unknown = await dialog.on_receipt_code(msg(), "000.00.20.H56-261120-0999", ConversationState())
    assert "chưa tìm thấy" in unknown[0].text
    assert "giấy biên" in unknown[0].text and "1900 0000" in unknown[0].text
    malformed = await dialog.on_receipt_code(msg(), "000.00.20.H56-2611-07", ConversationState())
    assert "chưa đúng dạng" in malformed[0].text
    assert "000.00.20.H56-210615-0001" in malformed[0].text
    procedure = await dialog.on_receipt_code(msg(), "1.001193", ConversationState())
    assert "mã thủ tục" in procedure[0].text


async def test_enumeration_is_refused_even_for_existing_codes(
    dialog: DossierDialog, clock: Clock
) -> None:
    texts = []
    for seq in range(100, 120):
        replies = await dialog.on_receipt_code(
            msg("attacker"), f"000.00.20.H56-261120-{seq:04d}", ConversationState()
        )
        texts.append(replies[0].text)
    # Unknown codes cost three: 10 per minute allows four guesses.
    assert sum("chưa tìm thấy" in t for t in texts) == 4
    assert all("thử lại sau" in t for t in texts[4:])
    # A real code guessed now reveals nothing either.
    replies = await dialog.on_receipt_code(msg("attacker"), CODE, ConversationState())
    assert "thử lại sau" in replies[0].text
    assert "N*** V** A" not in replies[0].text
    # Another citizen is not affected.
    ok = await dialog.on_receipt_code(msg("citizen"), CODE, ConversationState())
    assert "N*** V** A" in ok[0].text
    clock.now += timedelta(minutes=1)
    later = await dialog.on_receipt_code(msg("attacker"), CODE, ConversationState())
    assert "N*** V** A" in later[0].text


async def test_day_limit_says_tomorrow(dialog: DossierDialog, clock: Clock) -> None:
    for _ in range(12):  # 60 a day at 10 a minute: six minutes of bursts
        for _ in range(10):
            await dialog.on_receipt_code(msg("busy"), CODE, ConversationState())
        clock.now += timedelta(minutes=1)
    replies = await dialog.on_receipt_code(msg("busy"), CODE, ConversationState())
    assert "ngày mai" in replies[0].text


async def test_token_subscribes_and_shows_status(
    dialog: DossierDialog, session_factory: SessionFactory
) -> None:
    token = make_token(CODE, KEY)
    replies = await dialog.on_token(msg(), token, ConversationState())
    assert CODE in replies[0].text and "N*** V** A" in replies[0].text
    assert "sẽ nhận thông báo" in replies[1].text
    assert await subscribed_codes(session_factory) == [CODE]
    again = await dialog.on_token(msg(), "d_" + token, ConversationState())
    assert "đang nhận thông báo" in again[1].text
    assert await subscribed_codes(session_factory) == [CODE]


async def test_forged_token_is_refused_and_subscribes_nobody(
    dialog: DossierDialog, session_factory: SessionFactory
) -> None:
    token = make_token(CODE, KEY)
    forged = make_token(OTHER, b"guessed-key")
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (forged, altered, token[:-3], "garbage"):
        replies = await dialog.on_token(msg(), bad, ConversationState())
        assert "không hợp lệ" in replies[0].text
        assert len(replies) == 1
    assert await subscribed_codes(session_factory) == []


async def test_valid_token_for_a_dossier_not_yet_imported(dialog: DossierDialog) -> None:
    token = make_token("000.00.20.H56-261120-0500", KEY)
    replies = await dialog.on_token(msg(), token, ConversationState())
    assert "chưa tìm thấy" in replies[0].text


async def test_subscribe_from_typed_code_with_right_digits(
    dialog: DossierDialog, session_factory: SessionFactory
) -> None:
    state = ConversationState()
    asked = await dialog.on_payload(msg(), f"ds:sub:{CODE}", state)
    assert asked is not None and "4 chữ số cuối" in asked[0].text
    assert state.pending == PENDING_DIGITS
    replies = await dialog.on_pending(msg(text="5678"), state)
    assert replies is not None and "sẽ nhận thông báo" in replies[0].text
    assert state.pending is None
    assert await subscribed_codes(session_factory) == [CODE]
    # The lookup no longer offers the button.
    lookup = await dialog.on_receipt_code(msg(), CODE, ConversationState())
    assert lookup[0].buttons == ()


async def test_wrong_digits_then_locked(
    dialog: DossierDialog, session_factory: SessionFactory, clock: Clock
) -> None:
    state = ConversationState()
    await dialog.on_payload(msg(), f"ds:sub:{CODE}", state)
    first = await dialog.on_pending(msg(text="1111"), state)
    assert first is not None and "chưa khớp" in first[0].text and "2 lần" in first[0].text
    second = await dialog.on_pending(msg(text="2222"), state)
    assert second is not None and "1 lần" in second[0].text
    third = await dialog.on_pending(msg(text="3333"), state)
    assert third is not None and "sai quá số lần" in third[0].text
    assert state.pending is None
    # Asking again, even with the right digits ready, is refused for a while.
    again = await dialog.on_payload(msg(), f"ds:sub:{CODE}", state)
    assert again is not None and "sai quá số lần" in again[0].text
    assert state.pending is None
    assert await subscribed_codes(session_factory) == []
    clock.now += timedelta(hours=1)
    retry = await dialog.on_payload(msg(), f"ds:sub:{CODE}", state)
    assert retry is not None and state.pending == PENDING_DIGITS
    ok = await dialog.on_pending(msg(text="5678"), state)
    assert ok is not None and "sẽ nhận thông báo" in ok[0].text


async def test_pending_digits_format_cancel_and_moving_on(dialog: DossierDialog) -> None:
    state = ConversationState()
    await dialog.on_payload(msg(), f"ds:sub:{CODE}", state)
    fmt = await dialog.on_pending(msg(text="56789"), state)
    assert fmt is not None and "đúng 4 chữ số" in fmt[0].text
    assert state.pending == PENDING_DIGITS
    cancelled = await dialog.on_pending(msg(text="Thôi"), state)
    assert cancelled is not None and "Đã bỏ qua" in cancelled[0].text
    assert state.pending is None
    await dialog.on_payload(msg(), f"ds:sub:{CODE}", state)
    moved_on = await dialog.on_pending(msg(text="lệ phí làm căn cước bao nhiêu"), state)
    assert moved_on is None
    assert state.pending is None


async def test_dossier_without_phone_needs_the_qr(dialog: DossierDialog) -> None:
    state = ConversationState()
    replies = await dialog.on_payload(msg(), f"ds:sub:{OTHER}", state)
    assert replies is not None and "quét mã QR" in replies[0].text
    assert state.pending is None


async def test_shared_phone_subscribes_without_asking(
    dialog: DossierDialog, session_factory: SessionFactory, clock: Clock
) -> None:
    async with session_factory() as session, session.begin():
        await contacts_repo.save_contact(session, "telegram", "u1", "0912345678", clock())
    state = ConversationState()
    replies = await dialog.on_payload(msg(), f"ds:sub:{CODE}", state)
    assert replies is not None and "sẽ nhận thông báo" in replies[0].text
    assert state.pending is None
    assert await subscribed_codes(session_factory) == [CODE]


async def test_list_and_cancel(dialog: DossierDialog, session_factory: SessionFactory) -> None:
    empty = await dialog.on_my_dossiers(msg(), ConversationState())
    assert "chưa theo dõi" in empty[0].text
    await dialog.on_token(msg(), make_token(CODE, KEY), ConversationState())
    await dialog.on_token(msg(), make_token(OTHER, KEY), ConversationState())
    listing = await dialog.on_my_dossiers(msg(), ConversationState())
    assert CODE in listing[0].text and OTHER in listing[0].text
    assert "Đang xử lý" in listing[0].text
    payloads = [b.payload for b in listing[0].buttons]
    assert len(payloads) == 2 and all(p.startswith("ds:unsub:") for p in payloads)
    # Someone else pressing the same button ends nothing.
    stranger = await dialog.on_payload(msg("u2"), payloads[0], ConversationState())
    assert stranger is not None and "không còn theo dõi" in stranger[0].text
    assert len(await subscribed_codes(session_factory)) == 2
    done = await dialog.on_payload(msg(), payloads[0], ConversationState())
    assert done is not None and "không nhận thông báo" in done[0].text
    assert len(await subscribed_codes(session_factory)) == 1
    twice = await dialog.on_payload(msg(), payloads[0], ConversationState())
    assert twice is not None and "không còn theo dõi" in twice[0].text
    bogus = await dialog.on_payload(msg(), "ds:unsub:abc", ConversationState())
    assert bogus is not None and "không còn theo dõi" in bogus[0].text
    assert await dialog.on_payload(msg(), "ds:what", ConversationState()) is None


def _png(data: str) -> bytes:
    import io

    import segno

    buf = io.BytesIO()
    segno.make(data, error="m").save(buf, kind="png", scale=6, border=4)
    return buf.getvalue()


async def test_photo_of_receipt_qr_subscribes(
    dialog: DossierDialog, session_factory: SessionFactory
) -> None:
    link = f"https://t.me/motcua_bot?start=d_{make_token(CODE, KEY)}"
    replies = await dialog.on_image(msg(image=_png(link)), ConversationState())
    assert CODE in replies[0].text
    assert "sẽ nhận thông báo" in replies[1].text
    assert await subscribed_codes(session_factory) == [CODE]


async def test_photo_variants(dialog: DossierDialog, session_factory: SessionFactory) -> None:
    import io

    from PIL import Image

    blank = io.BytesIO()
    Image.new("RGB", (300, 300), (250, 250, 250)).save(blank, format="PNG")
    none = await dialog.on_image(msg(image=blank.getvalue()), ConversationState())
    assert "chưa đọc được mã QR" in none[0].text
    bare_code = await dialog.on_image(msg(image=_png(CODE)), ConversationState())
    assert "N*** V** A" in bare_code[0].text
    assert bare_code[0].buttons[0].payload == f"ds:sub:{CODE}"
    board = await dialog.on_image(
        msg(image=_png("http://127.0.0.1:8080/?p=1-001193")), ConversationState()
    )
    assert board[0].buttons[0].payload == "p_1-001193"
    foreign = await dialog.on_image(msg(image=_png("https://example.com/")), ConversationState())
    assert "không phải mã trên giấy biên nhận" in foreign[0].text
    forged = f"https://t.me/motcua_bot?start=d_{make_token(CODE, b'other')}"
    refused = await dialog.on_image(msg(image=_png(forged)), ConversationState())
    assert "không hợp lệ" in refused[0].text
    assert await subscribed_codes(session_factory) == []


async def test_hand_made_subscribe_payloads_are_rate_limited(dialog: DossierDialog) -> None:
    texts = []
    for seq in range(200, 210):
        replies = await dialog.on_payload(
            msg("prober"), f"ds:sub:000.00.20.H56-261120-{seq:04d}", ConversationState()
        )
        assert replies is not None
        texts.append(replies[0].text)
    assert sum("chưa tìm thấy" in t for t in texts) == 4
    assert all("thử lại sau" in t for t in texts[4:])


async def test_closed_dossier_offers_no_subscription(
    session_factory: SessionFactory, dialog: DossierDialog, clock: Clock
) -> None:
    code = "000.00.20.H56-261120-0009"
    async with session_factory() as session, session.begin():
        await dossiers_repo.upsert_dossiers(
            session, [_row(code, status="rejected", note="Không thuộc thẩm quyền")], clock()
        )
    replies = await dialog.on_receipt_code(msg(), code, ConversationState())
    assert "Lý do: Không thuộc thẩm quyền." in replies[0].text
    assert replies[0].buttons == ()


async def test_enumeration_refused_with_redis_counters_shared_by_replicas(
    session_factory: SessionFactory, clock: Clock
) -> None:
    import os
    import secrets

    from handlers.dossiers.ratelimit import RedisCounterStore

    url = os.environ.get("MOTCUA_TEST_REDIS", "redis://127.0.0.1:6379/0")
    prefix = f"motcua-test-{secrets.token_hex(6)}:"
    stores = [RedisCounterStore.from_url(url, prefix=prefix) for _ in range(2)]
    try:
        try:
            await stores[0].get_many(["ping"])
        except Exception as exc:  # noqa: BLE001
            if os.environ.get("CI") == "true":
                pytest.fail(f"Redis required under CI: {exc}")
            pytest.skip(f"Redis not reachable: {exc}")
        replicas = [
            DossierDialog(session_factory, signing_key=KEY, counters=s, clock=clock)
            for s in stores
        ]
        texts = []
        for seq in range(300, 310):
            replica = replicas[seq % 2]  # a proxy spreads the guesses over both replicas
            replies = await replica.on_receipt_code(
                msg("attacker"), f"000.00.20.H56-261120-{seq:04d}", ConversationState()
            )
            texts.append(replies[0].text)
        assert sum("chưa tìm thấy" in t for t in texts) == 4
        assert all("thử lại sau" in t for t in texts[4:])
    finally:
        client = stores[0]._redis
        keys = [k async for k in client.scan_iter(match=prefix + "*")]
        if keys:
            await client.delete(*keys)
        for s in stores:
            await s.aclose()


async def test_digits_with_spaces_count_and_questions_with_numbers_do_not(
    dialog: DossierDialog, session_factory: SessionFactory
) -> None:
    state = ConversationState()
    await dialog.on_payload(msg(), f"ds:sub:{CODE}", state)
    moved_on = await dialog.on_pending(msg(text="lệ phí đăng ký năm 2024 bao nhiêu"), state)
    assert moved_on is None and state.pending is None
    await dialog.on_payload(msg(), f"ds:sub:{CODE}", state)
    ok = await dialog.on_pending(msg(text="56 78."), state)
    assert ok is not None and "sẽ nhận thông báo" in ok[0].text


async def test_guessers_rotating_user_ids_meet_the_channel_ceiling(
    session_factory: SessionFactory, dialog: DossierDialog, clock: Clock
) -> None:
    capped = DossierDialog(
        session_factory,
        signing_key=KEY,
        counters=MemoryCounterStore(clock=lambda: clock().timestamp()),
        channel_failures_per_minute=20,
        clock=clock,
    )
    web = [Incoming(Channel.WEB, f"fresh-{n}", text="x") for n in range(40)]
    texts = []
    for n, user in enumerate(web):
        replies = await capped.on_receipt_code(
            user, f"000.00.20.H56-261120-{400 + n:04d}", ConversationState()
        )
        texts.append(replies[0].text)
    assert sum("chưa tìm thấy" in t for t in texts) == 20
    assert all("thử lại sau" in t for t in texts[20:])
    # A real code on that channel is refused for the rest of the minute; other channels work.
    newcomer = Incoming(Channel.WEB, "newcomer", text="x")
    refused = await capped.on_receipt_code(newcomer, CODE, ConversationState())
    assert "thử lại sau" in refused[0].text
    telegram = await capped.on_receipt_code(msg("tg"), CODE, ConversationState())
    assert "N*** V** A" in telegram[0].text
    clock.now += timedelta(minutes=1)
    later = await capped.on_receipt_code(newcomer, CODE, ConversationState())
    assert "N*** V** A" in later[0].text
