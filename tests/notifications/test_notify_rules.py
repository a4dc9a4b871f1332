"""The rules as pure functions: a frozen clock, the VN working calendar (weekends, Tết)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.dossiers.calendar import WorkCalendar
from notifications import rules
from notifications import texts_vi as t
from notifications.quiet import QuietHours
from notifications.rules import DossierFacts, EventFacts, RuleContext

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CTX = RuleContext(
    calendar=WorkCalendar("Asia/Ho_Chi_Minh"),
    tz=VN,
    agency_name="UBND phường Bến Nghé",
    contact="Bộ phận Một cửa, điện thoại 028 0000 0000",
    collect_place="Bộ phận Một cửa UBND phường Bến Nghé",
    legal_reference="Nghị định số 118/2025/NĐ-CP của Chính phủ",
    collect_after_working_days=3,
)


def at(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN)


def dossier(**kw: object) -> DossierFacts:
    base: dict[str, object] = {
        "id": 7,
        "receipt_code": "000.00.20.H56-270115-0001",
        "procedure_name": "Đăng ký khai sinh",
        "received_at": at(2027, 1, 15),
        "due_at": at(2027, 1, 29, 17),
        "status": "processing",
        "status_at": at(2027, 1, 15),
    }
    base.update(kw)
    return DossierFacts(**base)  # type: ignore[arg-type]


# --- due reminder: the working day before the due date -----------------------------------


def test_due_friday_before_tet_reminds_on_thursday() -> None:
    d = dossier(due_at=at(2027, 1, 29, 17))  # Friday; Tết 2027 is 4–10 February
    assert rules.due_reminder(d, at(2027, 1, 27, 16), CTX) is None  # Wednesday: too early
    notice = rules.due_reminder(d, at(2027, 1, 28, 8), CTX)
    assert notice is not None
    assert notice.rule == "due_reminder" and notice.occurrence == "2027-01-29"
    assert "29/01/2027" in notice.text and d.receipt_code in notice.text


def test_due_right_after_tet_reminds_on_the_last_day_before_the_holiday() -> None:
    d = dossier(due_at=at(2027, 2, 11, 17))  # Thursday, first working day after Tết
    assert rules.due_reminder(d, at(2027, 2, 2, 9), CTX) is None
    assert rules.due_reminder(d, at(2027, 2, 3, 9), CTX) is not None  # Wednesday 3 Feb
    # Still due (not yet passed) during the holiday: the same occurrence, so sent only once.
    later = rules.due_reminder(d, at(2027, 2, 8, 9), CTX)
    assert later is not None and later.occurrence == "2027-02-11"


def test_due_monday_reminds_on_friday_and_never_after_due() -> None:
    d = dossier(due_at=at(2027, 3, 8, 17))  # Monday
    assert rules.due_reminder(d, at(2027, 3, 4, 9), CTX) is None  # Thursday
    assert rules.due_reminder(d, at(2027, 3, 5, 9), CTX) is not None  # Friday
    assert rules.due_reminder(d, at(2027, 3, 8, 17, 1), CTX) is None  # due time passed
    assert (
        rules.due_reminder(
            dossier(due_at=at(2027, 3, 8, 17), status="result_ready"), at(2027, 3, 5, 9), CTX
        )
        is None
    )


def test_no_reminder_when_received_on_the_reminder_day() -> None:
    d = dossier(received_at=at(2027, 3, 5, 8), due_at=at(2027, 3, 8, 17))
    assert rules.due_reminder(d, at(2027, 3, 5, 10), CTX) is None


def test_reminder_follows_the_recorded_new_date() -> None:
    d = dossier(due_at=at(2027, 3, 1, 17), new_due_at=at(2027, 3, 10, 17))
    notice = rules.due_reminder(d, at(2027, 3, 9, 9), CTX)
    assert notice is not None and notice.occurrence == "2027-03-10"


# --- overdue apology: the official form, nothing invented --------------------------------


def test_apology_with_the_recorded_reason_and_new_date() -> None:
    d = dossier(
        due_at=at(2027, 1, 29, 17),
        apology_reason="Cần xác minh thêm thông tin với cơ quan khác",
        new_due_at=at(2027, 2, 17, 17),
    )
    assert rules.overdue_apology(d, at(2027, 1, 29, 16, 59), CTX) is None
    notice = rules.overdue_apology(d, at(2027, 1, 29, 17, 5), CTX)
    assert notice is not None
    text = notice.text
    assert notice.occurrence == "2027-01-29"
    assert text.startswith(t.APOLOGY_TITLE)
    for part in (
        "000.00.20.H56-270115-0001",
        "Đăng ký khai sinh",
        "15/01/2027",
        "29/01/2027",
        "xin lỗi",
        "Cần xác minh thêm thông tin với cơ quan khác",
        "17/02/2027",
        "Nghị định số 118/2025/NĐ-CP",
        "028 0000 0000",
    ):
        assert part in text, part
    assert t.APOLOGY_NEW_DATE_PENDING not in text
    assert not rules.needs_apology_details(d, at(2027, 1, 30, 9))


def test_apology_without_recorded_details_invents_nothing() -> None:
    d = dossier(due_at=at(2027, 1, 29, 17))
    now = at(2027, 2, 1, 9)
    notice = rules.overdue_apology(d, now, CTX)
    assert notice is not None
    assert t.APOLOGY_NEW_DATE_PENDING in notice.text
    assert "Lý do" not in notice.text
    assert "Ngày hẹn trả kết quả mới" not in notice.text
    assert CTX.contact in notice.text
    # The only dates in it are the ones on record (received and promised).
    import re

    assert set(re.findall(r"\d\d/\d\d/\d{4}", notice.text)) == {"15/01/2027", "29/01/2027"}
    assert rules.needs_apology_details(d, now)


def test_one_apology_per_missed_date() -> None:
    first = dossier(
        due_at=at(2027, 1, 29, 17),
        new_due_at=at(2027, 2, 17, 17),
        apology_reason="Chờ kết quả xác minh",
    )
    a = rules.overdue_apology(first, at(2027, 2, 1, 9), CTX)
    b = rules.overdue_apology(first, at(2027, 2, 16, 9), CTX)
    assert a is not None and b is not None and a.occurrence == b.occurrence == "2027-01-29"
    # The new date passes too: a second apology, for the second missed date, with no reason
    # (the recorded one belonged to the first delay) and no made-up new date.
    c = rules.overdue_apology(first, at(2027, 2, 18, 9), CTX)
    assert c is not None and c.occurrence == "2027-02-17"
    assert "Chờ kết quả xác minh" not in c.text and t.APOLOGY_NEW_DATE_PENDING in c.text
    assert rules.needs_apology_details(first, at(2027, 2, 18, 9))


@pytest.mark.parametrize("status", ["result_ready", "returned", "rejected", "withdrawn"])
def test_no_apology_for_closed_dossiers(status: str) -> None:
    assert rules.overdue_apology(dossier(status=status), at(2027, 2, 15), CTX) is None


# --- status changes ------------------------------------------------------------------------


def ev(status: str, note: str | None = None, when: datetime | None = None) -> EventFacts:
    return EventFacts(id=31, status=status, at=when or at(2027, 1, 20, 10), note=note)


def test_status_messages_carry_what_the_citizen_needs() -> None:
    d = dossier()
    received = rules.status_notice(d, ev("received"), CTX)
    assert received is not None and "29/01/2027" in received.text and "15/01/2027" in received.text
    supplement = rules.status_notice(d, ev("supplement_required", "Bản sao CCCD của mẹ"), CTX)
    assert supplement is not None and "Bản sao CCCD của mẹ" in supplement.text
    vague = rules.status_notice(d, ev("supplement_required"), CTX)
    assert vague is not None and CTX.contact in vague.text
    money = rules.status_notice(d, ev("financial_obligation", "Lệ phí trước bạ 500.000 đồng"), CTX)
    assert money is not None and "500.000 đồng" in money.text
    ready = rules.status_notice(d, ev("result_ready", when=at(2027, 1, 27, 14, 30)), CTX)
    assert ready is not None and CTX.collect_place in ready.text
    assert "14:30 27/01/2027" in ready.text
    rejected = rules.status_notice(d, ev("rejected", "Không đủ điều kiện theo quy định"), CTX)
    assert rejected is not None and "Không đủ điều kiện theo quy định" in rejected.text
    returned = rules.status_notice(d, ev("returned"), CTX)
    assert returned is not None and "20/01/2027" in returned.text
    assert rules.status_notice(d, ev("processing"), CTX) is None
    occurrences = {n.occurrence for n in (received, supplement, ready, rejected, returned)}
    assert len(occurrences) == 5  # each status event its own message


def test_satisfaction_question_after_returned_only() -> None:
    d = dossier(status="returned")
    assert rules.satisfaction_notice(d, ev("result_ready"), CTX) is None
    notice = rules.satisfaction_notice(d, ev("returned"), CTX)
    assert notice is not None and notice.delay > timedelta(0)
    assert [b.label for b in notice.buttons] == ["Rất hài lòng", "Hài lòng", "Không hài lòng"]
    assert [rules.parse_rating(b.payload) for b in notice.buttons] == [(7, 3), (7, 2), (7, 1)]
    assert all(len(b.payload.encode()) <= 64 for b in notice.buttons)


@pytest.mark.parametrize(
    "payload",
    [
        "rate:",
        "rate:x:satisfied",
        "rate:7:great",
        "rate:7",
        "rate:7:satisfied:1",
        "other:7:satisfied",
    ],
)
def test_malformed_rating_payloads(payload: str) -> None:
    assert rules.parse_rating(payload) is None


# --- collect reminder ------------------------------------------------------------------------


def test_collect_reminder_counts_working_days_over_tet() -> None:
    d = dossier(status="result_ready", status_at=at(2027, 2, 2, 10))  # Tuesday before Tết
    # Working days after 2 Feb: 3 Feb, then Tết (4–10), 11, 12 Feb → 3 working days by the 12th.
    assert rules.collect_reminder(d, at(2027, 2, 12, 9), CTX) is None
    notice = rules.collect_reminder(d, at(2027, 2, 15, 9), CTX)  # Monday: the 4th working day
    assert notice is not None and notice.occurrence == "2027-02-02"
    assert "02/02/2027" in notice.text and CTX.collect_place in notice.text
    assert (
        rules.collect_reminder(
            dossier(status="returned", status_at=at(2027, 2, 2)), at(2027, 3, 1), CTX
        )
        is None
    )


# --- texts and quiet hours ---------------------------------------------------------------------


def test_texts_address_citizens_as_ong_ba() -> None:
    strings = [v for k, v in vars(t).items() if k.isupper() and isinstance(v, str)]
    assert any("ông/bà" in s for s in strings)
    for s in strings:
        assert "quý" not in s.lower() and " bạn" not in s.lower(), s


def test_quiet_hours_wrap_midnight_and_defer_to_the_morning() -> None:
    quiet = QuietHours.parse("21:00-07:00", VN)
    assert quiet.is_quiet(at(2027, 1, 5, 22)) and quiet.is_quiet(at(2027, 1, 6, 6, 59))
    assert not quiet.is_quiet(at(2027, 1, 6, 7)) and not quiet.is_quiet(at(2027, 1, 5, 20, 59))
    assert quiet.next_allowed(at(2027, 1, 5, 22)) == at(2027, 1, 6, 7)
    assert quiet.next_allowed(at(2027, 1, 6, 3)) == at(2027, 1, 6, 7)
    assert quiet.next_allowed(at(2027, 1, 6, 12)) == at(2027, 1, 6, 12)
    off = QuietHours.parse("off", VN)
    assert not off.is_quiet(at(2027, 1, 5, 23))
    with pytest.raises(ValueError, match="21:00-07:00"):
        QuietHours.parse("late evening", VN)


def test_working_calendar_sanity_for_the_dates_used_here() -> None:
    cal = CTX.calendar
    assert not cal.is_working_day(date(2027, 2, 4)) and not cal.is_working_day(date(2027, 2, 10))
    assert cal.is_working_day(date(2027, 2, 3)) and cal.is_working_day(date(2027, 2, 11))


def test_new_date_recorded_by_the_agency_is_passed_on_verbatim() -> None:
    d = dossier(due_at=at(2027, 1, 29, 17))
    event = EventFacts(
        id=40,
        status="processing",
        at=at(2027, 2, 1, 10),
        apology_reason="Chờ ý kiến của Sở Tư pháp",
        new_due_at=at(2027, 2, 17, 17),
    )
    notice = rules.new_due_notice(d, event, CTX)
    assert notice is not None and notice.rule == "new_due_date" and notice.occurrence == "40"
    assert "17/02/2027" in notice.text and "Chờ ý kiến của Sở Tư pháp" in notice.text
    bare = EventFacts(
        id=41, status="processing", at=at(2027, 2, 1, 10), new_due_at=at(2027, 2, 17, 17)
    )
    plain = rules.new_due_notice(d, bare, CTX)
    assert plain is not None and "Lý do" not in plain.text
    assert rules.new_due_notice(d, ev("processing"), CTX) is None  # no new date: nothing
