"""The dossier dialog on SQLite and PostgreSQL: lookup, enumeration refused, tokens, phone
digits, listing and cancelling subscriptions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from handlers.conversation import ConversationState
from handlers.dossiers import tokens
from handlers.dossiers.dialog import PENDING_DIGITS, DossierDialog
from handlers.dossiers.view import AgencyInfo
from handlers.messages import Incoming
from handlers.payloads import CORE, ShowNote, Subscribe, Unsubscribe
from storage import contacts_repo, dossiers_repo, subscriptions_repo
from storage.counters import MemoryCounterStore, RedisCounterStore
from storage.dossier_store import SqlDossierStore
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


def make_token(code: str, key: bytes = KEY, issued: date = date(2026, 11, 25)) -> str:
    """A receipt token issued on the test clock's day."""
    return tokens.make_token(code, key, issued)


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
        SqlDossierStore(session_factory),
        signing_key=KEY,
        counters=MemoryCounterStore(clock=lambda: clock().timestamp()),
        per_minute=10,
        per_day=60,
        agency=AgencyInfo(contact="Bộ phận Một cửa, điện thoại 1900 0000", collect_place="quầy 3"),
        clock=clock,
    )


def msg(user: str = "u1", text: str | None = None, **kw: object) -> Incoming:
    return Incoming("telegram", user, text=text, **kw)  # type: ignore[arg-type]


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
    assert "N*** V** A" in text
    # Waiting for the citizen: the clock is stopped, no countdown, nothing late.
    assert "Thời hạn giải quyết tạm dừng, chờ ông/bà bổ sung hồ sơ" in text
    assert "Còn" not in text and "trễ" not in text
    for digits in ("0912345678", "5678", "2345"):
        assert digits not in text
    assert [b.payload for b in replies[0].buttons] == [f"ds:sub:{CODE}", f"ds:note:{CODE}"]


async def test_the_agency_note_needs_proof_of_possession(dialog: DossierDialog) -> None:
    code_only = await dialog.on_receipt_code(msg(), CODE, ConversationState())
    assert "Bản sao giấy chứng sinh" not in code_only[0].text
    assert "cơ quan đã ghi rõ" in code_only[0].text  # never "no note" when there is one
    state = ConversationState()
    asked = await dialog.on_payload(msg(), ShowNote(CODE), state)
    assert asked is not None and "4 chữ số cuối" in asked[0].text
    shown = await dialog.on_pending(msg(text="5678"), state)
    assert shown is not None and "Bản sao giấy chứng sinh" in shown[0].text
    # Proven a moment ago: following it needs no second proof.
    assert state.pending == "dossier_proven"
    assert [b.payload for b in shown[0].buttons] == [f"ds:sub:{CODE}"]
    followed = await dialog.on_payload(msg(), Subscribe(CODE), state)
    assert followed is not None and "sẽ nhận thông báo" in followed[0].text
    # A subscriber proved possession: the lookup shows the note from now on.
    again = await dialog.on_receipt_code(msg(), CODE, ConversationState())
    assert "Bản sao giấy chứng sinh" in again[0].text
    # The token holder sees it too.
    token = await dialog.on_token(msg("u9"), make_token(CODE), ConversationState())
    assert "Bản sao giấy chứng sinh" in token[0].text


async def test_unknown_and_malformed_are_told_apart(dialog: DossierDialog) -> None:
    unknown = await dialog.on_receipt_code(msg(), "000.00.20.H56-261120-0999", ConversationState())
    assert "chưa tìm thấy" in unknown[0].text
    assert "giấy biên" in unknown[0].text and "1900 0000" in unknown[0].text
    malformed = await dialog.on_receipt_code(msg(), "000.00.20.H56-2611-07", ConversationState())
    assert "chưa đúng dạng" in malformed[0].text
    assert "000.00.20.H56-210615-0001" in malformed[0].text
    procedure = await dialog.on_receipt_code(msg(), "1.001193", ConversationState())
    assert "mã thủ tục" in procedure[0].text


async def test_guessing_codes_is_refused_after_a_dozen_failures(
    dialog: DossierDialog, clock: Clock
) -> None:
    texts = []
    for seq in range(100, 120):
        replies = await dialog.on_receipt_code(
            msg("attacker"), f"000.00.20.H56-261120-{seq:04d}", ConversationState()
        )
        texts.append(replies[0].text)
    assert sum("chưa tìm thấy" in t for t in texts) == 12
    assert all("thử lại sau" in t for t in texts[12:])
    # A real code guessed now reveals nothing either.
    replies = await dialog.on_receipt_code(msg("attacker"), CODE, ConversationState())
    assert "thử lại sau" in replies[0].text
    assert "N*** V** A" not in replies[0].text
    # Another citizen is not affected.
    ok = await dialog.on_receipt_code(msg("citizen"), CODE, ConversationState())
    assert "N*** V** A" in ok[0].text
    clock.now += timedelta(hours=2)
    later = await dialog.on_receipt_code(msg("attacker"), CODE, ConversationState())
    assert "N*** V** A" in later[0].text


async def test_at_most_ten_dossiers_a_minute_by_code_alone_then_proof(
    dialog: DossierDialog, clock: Clock
) -> None:
    shown = 0
    for _ in range(30):  # a lookup every two seconds for a minute
        state = ConversationState()
        replies = await dialog.on_receipt_code(msg("busy"), CODE, state)
        if "N*** V** A" in replies[0].text:
            shown += 1
        else:
            # Not a refusal: proof of possession still shows the dossier.
            assert "4 chữ số cuối" in replies[0].text
            assert state.pending == PENDING_DIGITS
        clock.now += timedelta(seconds=2)
    assert shown == 10
    state = ConversationState()
    asked = await dialog.on_receipt_code(msg("busy"), CODE, state)
    assert "4 chữ số cuối" in asked[0].text
    proven = await dialog.on_pending(msg("busy", text="5678"), state)
    assert proven is not None and "Bản sao giấy chứng sinh" in proven[0].text


async def test_the_step_up_does_not_tell_whether_a_code_exists(
    dialog: DossierDialog, clock: Clock
) -> None:
    for _ in range(10):
        await dialog.on_receipt_code(msg("busy"), CODE, ConversationState())
    state = ConversationState()
    unknown = await dialog.on_receipt_code(msg("busy"), "000.00.20.H56-261120-0999", state)
    real = await dialog.on_receipt_code(msg("busy"), OTHER, ConversationState())
    assert unknown[0].text.replace("0999", "") == real[0].text.replace("0008", "")
    wrong = await dialog.on_pending(msg("busy", text="5678"), state)
    assert wrong is not None and "chưa khớp" in wrong[0].text


async def test_day_limit_asks_for_proof_instead_of_refusing(
    dialog: DossierDialog, clock: Clock
) -> None:
    shown = 0
    for _ in range(80):
        replies = await dialog.on_receipt_code(msg("desk"), CODE, ConversationState())
        shown += "N*** V** A" in replies[0].text
        clock.now += timedelta(seconds=30)
    assert shown == 60
    state = ConversationState()
    replies = await dialog.on_receipt_code(msg("desk"), CODE, state)
    assert "4 chữ số cuối" in replies[0].text


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
    asked = await dialog.on_payload(msg(), Subscribe(CODE), state)
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
    await dialog.on_payload(msg(), Subscribe(CODE), state)
    first = await dialog.on_pending(msg(text="1111"), state)
    assert first is not None and "chưa khớp" in first[0].text and "2 lần" in first[0].text
    second = await dialog.on_pending(msg(text="2222"), state)
    assert second is not None and "1 lần" in second[0].text
    third = await dialog.on_pending(msg(text="3333"), state)
    assert third is not None and "sai quá số lần" in third[0].text
    assert state.pending is None
    # Asking again, even with the right digits ready, is refused for a while.
    again = await dialog.on_payload(msg(), Subscribe(CODE), state)
    assert again is not None and "sai quá số lần" in again[0].text
    assert state.pending is None
    assert await subscribed_codes(session_factory) == []
    clock.now += timedelta(hours=1)
    retry = await dialog.on_payload(msg(), Subscribe(CODE), state)
    assert retry is not None and state.pending == PENDING_DIGITS
    ok = await dialog.on_pending(msg(text="5678"), state)
    assert ok is not None and "sẽ nhận thông báo" in ok[0].text


async def test_pending_digits_format_cancel_and_moving_on(dialog: DossierDialog) -> None:
    state = ConversationState()
    await dialog.on_payload(msg(), Subscribe(CODE), state)
    fmt = await dialog.on_pending(msg(text="56789"), state)
    assert fmt is not None and "đúng 4 chữ số" in fmt[0].text
    assert state.pending == PENDING_DIGITS
    cancelled = await dialog.on_pending(msg(text="Thôi"), state)
    assert cancelled is not None and "Đã bỏ qua" in cancelled[0].text
    assert state.pending is None
    await dialog.on_payload(msg(), Subscribe(CODE), state)
    moved_on = await dialog.on_pending(msg(text="lệ phí làm căn cước bao nhiêu"), state)
    assert moved_on is None
    assert state.pending is None


async def test_dossier_without_phone_needs_the_qr(dialog: DossierDialog) -> None:
    state = ConversationState()
    replies = await dialog.on_payload(msg(), Subscribe(OTHER), state)
    assert replies is not None and "quét mã QR" in replies[0].text
    assert state.pending is None


async def test_shared_phone_subscribes_without_asking(
    dialog: DossierDialog, session_factory: SessionFactory, clock: Clock
) -> None:
    async with session_factory() as session, session.begin():
        await contacts_repo.save_contact(session, "telegram", "u1", "0912345678", clock())
    state = ConversationState()
    replies = await dialog.on_payload(msg(), Subscribe(CODE), state)
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
    pressed = [CORE.parse(p) for p in payloads]
    assert len(pressed) == 2 and all(isinstance(p, Unsubscribe) for p in pressed)
    unsub = pressed[0]
    assert isinstance(unsub, Unsubscribe)
    # Someone else pressing the same button ends nothing.
    stranger = await dialog.on_payload(msg("u2"), unsub, ConversationState())
    assert stranger is not None and "không còn theo dõi" in stranger[0].text
    assert len(await subscribed_codes(session_factory)) == 2
    done = await dialog.on_payload(msg(), unsub, ConversationState())
    assert done is not None and "không nhận thông báo" in done[0].text
    assert len(await subscribed_codes(session_factory)) == 1
    twice = await dialog.on_payload(msg(), unsub, ConversationState())
    assert twice is not None and "không còn theo dõi" in twice[0].text
    # Hand-made buttons never reach the dialog: the core answers them as stale.
    assert CORE.parse("ds:unsub:abc") is None and CORE.parse("ds:what") is None


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
    for seq in range(200, 220):
        replies = await dialog.on_payload(
            msg("prober"), Subscribe(f"000.00.20.H56-261120-{seq:04d}"), ConversationState()
        )
        assert replies is not None
        texts.append(replies[0].text)
    assert sum("chưa tìm thấy" in t for t in texts) == 12
    assert all("thử lại sau" in t for t in texts[12:])


async def test_closed_dossier_offers_no_subscription(
    session_factory: SessionFactory, dialog: DossierDialog, clock: Clock
) -> None:
    code = "000.00.20.H56-261120-0009"
    async with session_factory() as session, session.begin():
        await dossiers_repo.upsert_dossiers(
            session, [_row(code, status="rejected", note="Không thuộc thẩm quyền")], clock()
        )
    replies = await dialog.on_receipt_code(msg(), code, ConversationState())
    assert "Không thuộc thẩm quyền" not in replies[0].text  # the agency's note needs proof
    assert [b.payload for b in replies[0].buttons] == [f"ds:note:{code}"]
    state = ConversationState()
    await dialog.on_payload(msg(), ShowNote(code), state)
    proven = await dialog.on_pending(msg(text="5678"), state)
    assert proven is not None and "Lý do: Không thuộc thẩm quyền." in proven[0].text
    assert proven[0].buttons == ()


async def test_enumeration_refused_with_redis_counters_shared_by_replicas(
    session_factory: SessionFactory,
    clock: Clock,
    redis_counters: Callable[[], RedisCounterStore],
) -> None:
    replicas = [
        DossierDialog(
            SqlDossierStore(session_factory),
            signing_key=KEY,
            counters=redis_counters(),
            clock=clock,
        )
        for _ in range(2)
    ]
    texts = []
    for seq in range(300, 320):
        replica = replicas[seq % 2]  # a proxy spreads the guesses over both replicas
        replies = await replica.on_receipt_code(
            msg("attacker"), f"000.00.20.H56-261120-{seq:04d}", ConversationState()
        )
        texts.append(replies[0].text)
    assert sum("chưa tìm thấy" in t for t in texts) == 12
    assert all("thử lại sau" in t for t in texts[12:])


async def test_digits_with_spaces_count_and_questions_with_numbers_do_not(
    dialog: DossierDialog, session_factory: SessionFactory
) -> None:
    state = ConversationState()
    await dialog.on_payload(msg(), Subscribe(CODE), state)
    moved_on = await dialog.on_pending(msg(text="lệ phí đăng ký năm 2024 bao nhiêu"), state)
    assert moved_on is None and state.pending is None
    await dialog.on_payload(msg(), Subscribe(CODE), state)
    ok = await dialog.on_pending(msg(text="56 78."), state)
    assert ok is not None and "sẽ nhận thông báo" in ok[0].text


def web(session: str, address: str) -> Incoming:
    return Incoming("web", session, text="x", client=address)


async def test_web_guessers_are_counted_by_address_not_session(
    dialog: DossierDialog, clock: Clock
) -> None:
    texts = []
    for n in range(20):  # a fresh session id for every guess, all from one address
        replies = await dialog.on_receipt_code(
            web(f"fresh-{n}", "203.0.113.7"),
            f"000.00.20.H56-261120-{400 + n:04d}",
            ConversationState(),
        )
        texts.append(replies[0].text)
    assert sum("chưa tìm thấy" in t for t in texts) == 12
    assert all("thử lại sau" in t for t in texts[12:])
    shown = 0
    for n in range(30):
        replies = await dialog.on_receipt_code(
            web(f"other-{n}", "203.0.113.8"), CODE, ConversationState()
        )
        shown += "N*** V** A" in replies[0].text
    assert shown == 10
    # Another address is served as usual.
    ok = await dialog.on_receipt_code(web("newcomer", "198.51.100.1"), CODE, ConversationState())
    assert "N*** V** A" in ok[0].text


async def test_a_storm_is_answered_on_its_own_addresses(
    session_factory: SessionFactory, dialog: DossierDialog, clock: Clock
) -> None:
    storm = DossierDialog(
        SqlDossierStore(session_factory),
        signing_key=KEY,
        counters=MemoryCounterStore(clock=lambda: clock().timestamp()),
        storm_per_minute=50,
        clock=clock,
    )
    for n in range(60):  # 30 addresses, two unknown codes each
        await storm.on_receipt_code(
            web(f"s{n}", f"192.0.2.{n % 30}"),
            f"000.00.20.H56-261120-{500 + n:04d}",
            ConversationState(),
        )
    # A citizen at an address that never failed gets the status, no questions asked.
    citizen = await storm.on_receipt_code(web("c", "198.51.100.9"), CODE, ConversationState())
    assert "N*** V** A" in citizen[0].text
    # A storm address (or anyone who mistyped during the storm) must give proof.
    state = ConversationState()
    stormer = await storm.on_receipt_code(web("s-new", "192.0.2.3"), CODE, state)
    assert "N*** V** A" not in stormer[0].text and "4 chữ số cuối" in stormer[0].text
    digits = Incoming("web", "s-new", text="5678", client="192.0.2.3")
    shown = await storm.on_pending(digits, state)
    assert shown is not None and "N*** V** A" in shown[0].text
    # Once the storm has passed, failed addresses are served plainly again.
    clock.now += timedelta(minutes=3)
    after = await storm.on_receipt_code(web("s-late", "192.0.2.4"), CODE, ConversationState())
    assert "N*** V** A" in after[0].text


async def test_wrong_digits_lock_the_guessers_never_the_owner(
    dialog: DossierDialog, session_factory: SessionFactory
) -> None:
    for n in range(12):  # twelve guessers, three wrong tries each
        state = ConversationState()
        for guess in ("1111", "2222", "3333"):
            if state.pending != PENDING_DIGITS:
                await dialog.on_payload(msg(f"guesser{n}"), Subscribe(CODE), state)
            await dialog.on_pending(msg(f"guesser{n}", text=guess), state)
    # A guesser who failed on the dossier under attack may not try it again today.
    state = ConversationState()
    again = await dialog.on_payload(msg("guesser0"), Subscribe(CODE), state)
    assert again is not None and "sai quá số lần" in again[0].text
    # Under attack, one wrong try is all a newcomer gets on it (two more on other dossiers).
    state = ConversationState()
    await dialog.on_payload(msg("late"), Subscribe(CODE), state)
    once = await dialog.on_pending(msg("late", text="9999"), state)
    assert once is not None and "sai quá số lần" in once[0].text
    # The owner, typing the right digits for the first time, is not locked out.
    state = ConversationState()
    asked = await dialog.on_payload(msg("owner"), Subscribe(CODE), state)
    assert asked is not None and "4 chữ số cuối" in asked[0].text
    ok = await dialog.on_pending(msg("owner", text="5678"), state)
    assert ok is not None and "sẽ nhận thông báo" in ok[0].text
    assert await subscribed_codes(session_factory, "owner") == [CODE]


async def test_a_token_subscribes_a_bounded_number_of_chats(
    dialog: DossierDialog, session_factory: SessionFactory
) -> None:
    token = make_token(CODE)
    for n in range(5):
        replies = await dialog.on_token(msg(f"chat{n}"), token, ConversationState())
        assert "sẽ nhận thông báo" in replies[1].text
    sixth = await dialog.on_token(msg("chat5"), token, ConversationState())
    assert "đã có đủ số người nhận thông báo" in sixth[1].text and "1900 0000" in sixth[1].text
    assert await subscribed_codes(session_factory, "chat5") == []
    # Those already following are told so, not refused.
    again = await dialog.on_token(msg("chat0"), token, ConversationState())
    assert "đang nhận thông báo" in again[1].text


async def test_tokens_expire_and_undated_ones_are_told_apart_from_forgeries(
    dialog: DossierDialog, session_factory: SessionFactory
) -> None:
    old = make_token(CODE, issued=date(2026, 11, 25) - timedelta(days=181))
    expired = await dialog.on_token(msg(), old, ConversationState())
    assert "hết hạn" in expired[0].text and len(expired) == 1
    import base64
    import hashlib
    import hmac

    compact = "0000020H562611200007"
    digest = hmac.new(KEY, b"motcua:dossier-token:v1:" + compact.encode(), hashlib.sha256)
    legacy = compact + base64.urlsafe_b64encode(digest.digest()[:12]).decode().rstrip("=")
    undated = await dialog.on_token(msg(), legacy, ConversationState())
    assert "hết hạn" in undated[0].text
    assert await subscribed_codes(session_factory) == []
    fresh = await dialog.on_token(msg(), make_token(CODE), ConversationState())
    assert "sẽ nhận thông báo" in fresh[1].text


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
async def test_an_image_bomb_is_refused_from_its_header(dialog: DossierDialog) -> None:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    side = 13_000
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    # Only the first rows are there: a decoder that trusted the header would still allocate
    # 507 MB before finding out.
    rows = zlib.compress(b"\x00" * (1 + 3 * side) * 10)
    bomb = (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )
    replies = await dialog.on_image(msg(image=bomb), ConversationState())
    assert "quá lớn" in replies[0].text and "mã QR" in replies[0].text
