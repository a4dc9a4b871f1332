"""Outbox and rule scans on SQLite and PostgreSQL: once per key, leases, ratings, staff list."""

from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from notify_support import NOW, add_dossier, add_event, enqueue_plain, outbox_rows

from handlers.dossiers.calendar import WorkCalendar
from handlers.messages import Incoming
from notifications import texts_vi as t
from notifications.jobs import RuleJobs
from notifications.quiet import QuietHours
from notifications.ratings import handle_rating
from notifications.registry import Audience, Source
from notifications.rules import RuleContext
from storage import outbox_repo, ratings_repo
from storage.engine import SessionFactory
from storage.subscriptions_repo import end_subscription

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CTX = RuleContext(
    calendar=WorkCalendar(),
    tz=VN,
    agency_name="UBND xã",
    contact="Một cửa, 0200 000 000",
    collect_place="Bộ phận Một cửa UBND xã",
    legal_reference="Nghị định số 118/2025/NĐ-CP",
)
LEASE = timedelta(seconds=30)


def jobs(factory: SessionFactory, now: object = NOW, quiet: QuietHours | None = None) -> RuleJobs:
    return RuleJobs(factory, CTX, quiet=quiet, clock=lambda: now)  # type: ignore[arg-type,return-value]


def test_by_phone_rules_need_the_senders_channel(session_factory: SessionFactory) -> None:
    """The channel of by-phone rows is the sender's (bot/ names it): no default here."""
    with pytest.raises(ValueError, match="channel"):
        RuleJobs(session_factory, CTX, audience=Audience.PHONE)
    phone = RuleJobs(session_factory, CTX, audience=Audience.PHONE, phone_channel="sms")
    assert phone.phone_channel == "sms" and all(r.by_phone for r in phone.registry)


async def test_enqueue_twice_inserts_once(session_factory: SessionFactory) -> None:
    keys = await enqueue_plain(session_factory, 5)
    again = await enqueue_plain(session_factory, 5)
    assert keys == again
    rows = await outbox_rows(session_factory)
    assert len(rows) == 5 and {r["status"] for r in rows} == {"pending"}


async def test_every_rule_enqueues_once_per_subscriber(session_factory: SessionFactory) -> None:
    f = session_factory
    overdue = await add_dossier(f, "A-1", chats=["11", "12"], due_at=NOW - timedelta(days=1))
    soon = await add_dossier(f, "A-2", chats=["21"], due_at=NOW + timedelta(days=1, hours=5))
    ready = await add_dossier(
        f, "A-3", chats=["31"], status="result_ready", status_at=NOW - timedelta(days=8)
    )
    returned = await add_dossier(f, "A-4", chats=["41"], status="returned", status_at=NOW)
    await add_event(f, returned, "returned", NOW - timedelta(hours=1))
    await add_event(f, overdue, "supplement_required", NOW - timedelta(hours=2), "Bản sao CCCD")
    await add_event(f, overdue, "received", NOW - timedelta(days=30))  # too old to push now
    unfollowed = await add_dossier(f, "A-5", chats=["51"], due_at=NOW - timedelta(days=1))
    async with f() as session, session.begin():
        await end_subscription(session, unfollowed, "telegram", "51", reason="user", now=NOW)
    # Clocks stopped past their date: the citizen owes the next step, or it is paused.
    for code, status in (("A-6", "supplement_required"), ("A-7", "paused")):
        await add_dossier(f, code, chats=["61"], status=status, due_at=NOW - timedelta(days=1))
        await add_dossier(
            f, code + "s", chats=["62"], status=status, due_at=NOW + timedelta(days=1, hours=5)
        )

    first = await jobs(f).run_all()
    assert first == {
        "status": 3,
        "new_due_date": 0,
        "satisfaction": 1,
        "due_reminder": 1,
        "overdue_apology": 2,
        "collect_reminder": 1,
    }
    assert await jobs(f).run_all() == dict.fromkeys(first, 0)  # a re-run adds nothing

    rows = await outbox_rows(f)
    keys = {r["key"] for r in rows}
    assert f"{overdue}:overdue_apology:2027-03-09:telegram:11" in keys
    assert f"{overdue}:overdue_apology:2027-03-09:telegram:12" in keys
    assert any(k.startswith(f"{soon}:due_reminder:") for k in keys)
    assert any(k.startswith(f"{ready}:collect_reminder:") for k in keys)
    assert not any(k.startswith(f"{unfollowed}:") for k in keys)
    assert not any(r["recipient"] in {"61", "62"} for r in rows)  # nothing to stopped clocks
    by_rule = {r["rule"]: r for r in rows}
    satisfaction = json.loads(str(by_rule["satisfaction"]["body"]))
    assert [b["payload"] for b in satisfaction["buttons"]][0] == f"rate:{returned}:very_satisfied"
    assert by_rule["satisfaction"]["next_attempt_at"] > NOW  # after the "returned" message


async def test_quiet_hours_defer_new_rows_to_the_morning(session_factory: SessionFactory) -> None:
    await add_dossier(session_factory, "Q-1", chats=["1"], due_at=NOW - timedelta(days=1))
    night = NOW.replace(hour=16)  # 23:00 in Hà Nội
    quiet = QuietHours.parse("21:00-07:00", VN)
    assert await jobs(session_factory, night, quiet).run(Source.OVERDUE) == {"overdue_apology": 1}
    (row,) = await outbox_rows(session_factory)
    assert row["next_attempt_at"] == NOW.replace(day=11, hour=0)  # 07:00 the next morning


async def test_claims_do_not_overlap_and_leases_expire(session_factory: SessionFactory) -> None:
    await enqueue_plain(session_factory, 10)
    async with session_factory() as s, s.begin():
        a = await outbox_repo.claim(s, "a", ["telegram"], NOW, lease=LEASE, limit=6)
    async with session_factory() as s, s.begin():
        b = await outbox_repo.claim(s, "b", ["telegram"], NOW, lease=LEASE, limit=6)
        none = await outbox_repo.claim(s, "c", ["zalo"], NOW, lease=LEASE, limit=6)
    assert len(a) == 6 and len(b) == 4 and none == []
    assert not {m.id for m in a} & {m.id for m in b}
    async with session_factory() as s, s.begin():
        assert await outbox_repo.mark_sent(s, a[0].id, "a", NOW)
        assert not await outbox_repo.mark_sent(s, a[1].id, "b", NOW)  # not b's row
    # "a" dies; once its lease runs out its 5 unsent rows go to "c", and "a" can no longer
    # mark them.
    later = NOW + LEASE + timedelta(seconds=1)
    async with session_factory() as s, s.begin():
        early = await outbox_repo.claim(
            s, "c", ["telegram"], NOW + LEASE / 2, lease=LEASE, limit=50
        )
        assert early == []
        c = await outbox_repo.claim(s, "c", ["telegram"], later, lease=LEASE, limit=50)
    assert sorted(m.id for m in c) == sorted(m.id for m in a[1:] + b)
    async with session_factory() as s, s.begin():
        assert not await outbox_repo.mark_sent(s, a[1].id, "a", later)
        assert await outbox_repo.mark_sent(s, a[1].id, "c", later)
    rows = {r["id"]: r for r in await outbox_rows(session_factory)}
    assert rows[a[1].id]["status"] == "sent" and rows[a[1].id]["attempts"] == 1


async def test_rating_is_stored_for_subscribers_only(session_factory: SessionFactory) -> None:
    d = await add_dossier(session_factory, "R-1", chats=["77"], status="returned")
    press = Incoming("telegram", "77", payload=f"rate:{d}:satisfied")
    replies = await handle_rating(session_factory, press, contact="x", clock=lambda: NOW)
    assert replies is not None and replies[0].text == t.RATING_THANKS
    unhappy = Incoming("telegram", "77", payload=f"rate:{d}:unsatisfied")
    replies = await handle_rating(session_factory, unhappy, contact="0200", clock=lambda: NOW)
    assert replies is not None and "0200" in replies[0].text
    stranger = Incoming("telegram", "99", payload=f"rate:{d}:satisfied")
    replies = await handle_rating(session_factory, stranger, contact="x", clock=lambda: NOW)
    assert replies is not None and replies[0].text == t.RATING_UNKNOWN
    assert (
        await handle_rating(session_factory, Incoming("telegram", "77", text="hi"), contact="x")
        is None
    )
    async with session_factory() as s:
        assert await ratings_repo.get_rating(s, d, "telegram", "77") == 1
        assert await ratings_repo.get_rating(s, d, "telegram", "99") is None


async def test_staff_lists_letters_owed_and_dossiers_due_within_a_working_day(
    session_factory: SessionFactory,
) -> None:
    from handlers.dossiers.deadlines import staff_deadlines

    f = session_factory
    await add_dossier(f, "W-1", due_at=NOW - timedelta(days=2))  # nothing recorded, unfollowed
    await add_dossier(
        f,
        "W-2",
        due_at=NOW - timedelta(days=2),
        apology_reason="Chờ xác minh",
        new_due_at=NOW + timedelta(days=5),
    )
    await add_dossier(f, "W-3", due_at=NOW - timedelta(days=2), apology_reason="Chờ xác minh")
    await add_dossier(f, "W-4", due_at=NOW - timedelta(days=2), status="result_ready")
    await add_dossier(f, "W-5", due_at=NOW - timedelta(days=2), status="supplement_required")
    # NOW is Wednesday 10:00: "within one working day" runs to Thursday's closing time.
    await add_dossier(f, "S-1", due_at=NOW + timedelta(hours=7))  # Wednesday 17:00
    await add_dossier(f, "S-2", due_at=NOW + timedelta(days=1, hours=7))  # Thursday 17:00
    await add_dossier(f, "S-3", due_at=NOW + timedelta(days=2, hours=7))  # Friday: not yet
    await add_dossier(f, "S-4", due_at=NOW + timedelta(hours=7), status="financial_obligation")
    found = await staff_deadlines(f, CTX.calendar, NOW)  # type: ignore[arg-type]
    assert [d.receipt_code for d in found.letters_owed] == ["W-1", "W-3"]
    assert [d.receipt_code for d in found.due_soon] == ["S-1", "S-2"]


async def test_news_older_than_the_subscription_is_not_pushed(
    session_factory: SessionFactory,
) -> None:
    from storage.subscriptions_repo import add_subscription

    d = await add_dossier(session_factory, "N-1", chats=["1"])  # subscribed 9 days ago
    await add_event(session_factory, d, "supplement_required", NOW - timedelta(hours=5), "Ảnh")
    async with session_factory() as s, s.begin():
        await add_subscription(s, d, "telegram", "2", NOW - timedelta(hours=1))
    assert await jobs(session_factory).run(Source.EVENTS) == {"status": 1}
    (row,) = await outbox_rows(session_factory)
    assert row["recipient"] == "1"


async def test_a_recorded_new_date_reaches_the_subscribers_once(
    session_factory: SessionFactory,
) -> None:
    # As an import stores it: the dossier row carries what its latest event recorded.
    d = await add_dossier(
        session_factory,
        "D-1",
        chats=["5"],
        due_at=NOW - timedelta(days=1),
        apology_reason="Chờ xác minh",
        new_due_at=NOW + timedelta(days=6),
    )
    await add_event(
        session_factory,
        d,
        "processing",
        NOW - timedelta(hours=1),
        apology_reason="Chờ xác minh",
        new_due_at=NOW + timedelta(days=6),
    )
    assert await jobs(session_factory).run(Source.EVENTS) == {"overdue_apology": 1}
    assert await jobs(session_factory).run(Source.EVENTS) == {"overdue_apology": 0}
    (row,) = await outbox_rows(session_factory)
    # A reason and a new date on record: the official letter, with its facts beside the text.
    assert row["rule"] == "overdue_apology"
    body = str(row["body"])
    assert t.APOLOGY_TITLE in body and "16/03/2027" in body and "Chờ xác minh" in body
    facts = json.loads(str(row["facts"]))
    assert facts["official_form"] and facts["reason"] == "Chờ xác minh"
    assert facts["receipt_code"] == "D-1" and facts["occurrence"] == "letter-2027-03-16"
    # The scan after the date passed finds the same letter: nothing new.
    assert await jobs(session_factory).run(Source.OVERDUE) == {"overdue_apology": 0}


async def test_rows_only_for_channels_that_can_push(session_factory: SessionFactory) -> None:
    d = await add_dossier(session_factory, "W-9", chats=["7"], due_at=NOW - timedelta(days=1))
    await add_dossier(
        session_factory, "W-10", chats=["web-abc"], channel="web", due_at=NOW - timedelta(days=1)
    )
    only_tg = RuleJobs(session_factory, CTX, clock=lambda: NOW, channels={"telegram"})
    assert await only_tg.run(Source.OVERDUE) == {"overdue_apology": 1}
    (row,) = await outbox_rows(session_factory)
    assert row["dossier_id"] == d and row["channel"] == "telegram"
