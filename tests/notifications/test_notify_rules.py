"""The rules as pure functions: a frozen clock, the VN working calendar (weekends, Tết)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.dossiers.calendar import WorkCalendar
from notifications import rules
from notifications import texts_vi as t
from notifications.notice import NoticeFacts
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
        "applicant_name": "Nguyễn Văn An",
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


# --- overdue apology: addressed, the official form only with what the agency recorded ------------


def dates_in(text: str) -> set[str]:
    return set(re.findall(r"\d\d/\d\d/\d{4}", text))


def test_apology_with_the_recorded_reason_and_new_date_is_the_official_form() -> None:
    d = dossier(
        due_at=at(2027, 1, 29, 17),
        apology_reason="Cần xác minh thêm thông tin với cơ quan khác",
        new_due_at=at(2027, 2, 17, 17),
    )
    assert rules.overdue_apology(d, at(2027, 1, 29, 16, 59), CTX) is None
    notice = rules.overdue_apology(d, at(2027, 1, 29, 17, 5), CTX)
    assert notice is not None
    text = notice.text
    assert notice.rule == "overdue_apology" and notice.occurrence == "letter-2027-02-17"
    assert text.startswith(t.APOLOGY_TITLE)
    assert "Kính gửi ông/bà Nguyễn Văn An," in text
    for part in (
        "000.00.20.H56-270115-0001",
        "Đăng ký khai sinh",
        "15/01/2027",
        "29/01/2027",
        "xin lỗi",
        "Lý do: Cần xác minh thêm thông tin với cơ quan khác",
        "hẹn trả kết quả vào ngày 17/02/2027",
        "Trạng thái hiện nay: Đang xử lý",
        "Nghị định số 118/2025/NĐ-CP",
        "028 0000 0000",
    ):
        assert part in text, part
    f = notice.facts
    assert (f.official_form, f.late, f.reason) == (True, True, d.apology_reason)
    assert (f.missed_due_at, f.new_due_at, f.status) == (d.due_at, d.new_due_at, "processing")


def test_apology_without_recorded_details_is_plain_and_invents_nothing() -> None:
    d = dossier(due_at=at(2027, 1, 29, 17))
    notice = rules.overdue_apology(d, at(2027, 2, 1, 9), CTX)
    assert notice is not None
    text = notice.text
    assert notice.occurrence == "2027-01-29"
    assert t.APOLOGY_TITLE not in text and "PHIẾU" not in text
    assert text.startswith("Kính gửi ông/bà Nguyễn Văn An,")
    assert t.APOLOGY_LETTER_FOLLOWS in text  # the letter with the reason and new date follows
    assert "Lý do" not in text and "Trạng thái hiện nay: Đang xử lý" in text
    assert CTX.contact in text
    # The only dates in it are the ones on record (received and promised).
    assert dates_in(text) == {"15/01/2027", "29/01/2027"}
    assert not notice.facts.official_form and notice.facts.late


def test_a_new_date_without_a_reason_is_passed_on_but_not_titled_as_the_form() -> None:
    d = dossier(due_at=at(2027, 1, 29, 17), new_due_at=at(2027, 2, 17, 17))
    notice = rules.overdue_apology(d, at(2027, 2, 1, 9), CTX)
    assert notice is not None and t.APOLOGY_TITLE not in notice.text
    assert "17/02/2027" in notice.text and "Lý do" not in notice.text


def test_the_name_is_masked_for_a_recipient_without_proof_and_absent_names_are_not_made_up() -> (
    None
):
    d = dossier(due_at=at(2027, 1, 29, 17))
    masked = rules.overdue_apology(d, at(2027, 2, 1, 9), CTX, proved=False)
    assert masked is not None and "Kính gửi ông/bà N*** V** A," in masked.text
    assert "Nguyễn" not in masked.text
    nameless = rules.overdue_apology(
        dossier(due_at=at(2027, 1, 29, 17), applicant_name=None), at(2027, 2, 1, 9), CTX
    )
    assert nameless is not None and nameless.text.startswith("Kính gửi ông/bà,")


@pytest.mark.parametrize("status", ["supplement_required", "financial_obligation", "paused"])
def test_no_apology_and_no_reminder_while_the_clock_is_stopped(status: str) -> None:
    d = dossier(status=status, due_at=at(2027, 1, 29, 17))
    for now in (at(2027, 1, 28, 9), at(2027, 2, 15, 9)):
        assert rules.overdue_apology(d, now, CTX) is None
        assert rules.due_reminder(d, now, CTX) is None
    # Even with a reason and a date recorded: no letter while the citizen owes the next step.
    recorded = dossier(
        status=status,
        due_at=at(2027, 1, 29, 17),
        apology_reason="Chờ xác minh",
        new_due_at=at(2027, 2, 17, 17),
    )
    event = EventFacts(
        id=9, status=status, at=at(2027, 1, 28), apology_reason="x", new_due_at=at(2027, 2, 17)
    )
    assert rules.overdue_apology(recorded, at(2027, 2, 1), CTX) is None
    assert rules.new_due_notice(recorded, event, CTX) is None


def test_rescheduled_twice_one_apology_per_missed_date() -> None:
    """Missed 29/1 with nothing recorded; the letter with reason and 17/2 follows; 17/2 is missed
    too: a plain apology for it (the first reason does not belong to it); then a second letter
    for the second new date."""
    first = dossier(due_at=at(2027, 1, 29, 17))
    plain = rules.overdue_apology(first, at(2027, 2, 1, 9), CTX)
    assert plain is not None and plain.occurrence == "2027-01-29"
    recorded = EventFacts(
        id=50,
        status="processing",
        at=at(2027, 2, 2, 10),
        apology_reason="Chờ kết quả xác minh",
        new_due_at=at(2027, 2, 17, 17),
    )
    letter = rules.new_due_notice(first, recorded, CTX)
    assert letter is not None and letter.text.startswith(t.APOLOGY_TITLE)
    assert letter.occurrence == "letter-2027-02-17" and "Chờ kết quả xác minh" in letter.text
    once = dossier(
        due_at=at(2027, 1, 29, 17),
        apology_reason="Chờ kết quả xác minh",
        new_due_at=at(2027, 2, 17, 17),
    )
    # The scan while the new date is ahead finds the same letter (same key: sent once).
    again = rules.overdue_apology(once, at(2027, 2, 16, 9), CTX)
    assert again is not None and again.occurrence == letter.occurrence
    second_miss = rules.overdue_apology(once, at(2027, 2, 18, 9), CTX)
    assert second_miss is not None and second_miss.occurrence == "2027-02-17"
    assert t.APOLOGY_TITLE not in second_miss.text
    assert "Chờ kết quả xác minh" not in second_miss.text
    assert t.APOLOGY_LETTER_FOLLOWS in second_miss.text
    twice = dossier(
        due_at=at(2027, 1, 29, 17),
        apology_reason="Chờ ý kiến Sở Tư pháp",
        new_due_at=at(2027, 3, 3, 17),
    )
    second = rules.new_due_notice(
        twice,
        EventFacts(
            id=51,
            status="processing",
            at=at(2027, 2, 19),
            apology_reason="Chờ ý kiến Sở Tư pháp",
            new_due_at=at(2027, 3, 3, 17),
        ),
        CTX,
    )
    assert second is not None and second.occurrence == "letter-2027-03-03"
    assert {n.occurrence for n in (plain, letter, second_miss, second)} == {
        "2027-01-29",
        "letter-2027-02-17",
        "2027-02-17",
        "letter-2027-03-03",
    }


def test_a_letter_recorded_before_the_date_goes_at_once_and_not_again_when_it_passes() -> None:
    d = dossier(
        due_at=at(2027, 1, 29, 17),
        apology_reason="Hệ thống gián đoạn",
        new_due_at=at(2027, 2, 5, 17),
    )
    ev = EventFacts(
        id=60,
        status="processing",
        at=at(2027, 1, 28, 9),
        apology_reason="Hệ thống gián đoạn",
        new_due_at=at(2027, 2, 5, 17),
    )
    ahead = rules.new_due_notice(d, ev, CTX)
    assert ahead is not None and t.LETTER_AHEAD in ahead.text and not ahead.facts.late
    passed = rules.overdue_apology(d, at(2027, 1, 30, 9), CTX)
    assert passed is not None and passed.occurrence == ahead.occurrence  # deduplicated


@pytest.mark.parametrize("status", ["result_ready", "returned", "rejected", "withdrawn"])
def test_no_apology_for_closed_dossiers(status: str) -> None:
    assert rules.overdue_apology(dossier(status=status), at(2027, 2, 15), CTX) is None


def test_notice_facts_survive_the_outbox_json() -> None:
    notice = rules.overdue_apology(dossier(due_at=at(2027, 1, 29, 17)), at(2027, 2, 1, 9), CTX)
    assert notice is not None
    back = NoticeFacts.from_json(notice.facts.to_json())
    assert back == notice.facts
    assert NoticeFacts.from_json(None) is None


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
        id=41, status="processing", at=at(2027, 1, 20, 10), new_due_at=at(2027, 2, 17, 17)
    )
    plain = rules.new_due_notice(d, event, CTX)
    assert plain is not None and plain.rule == "new_due_date" and plain.occurrence == "41"
    assert "17/02/2027" in plain.text and "Lý do" not in plain.text
    assert t.APOLOGY_TITLE not in plain.text
    assert rules.new_due_notice(d, ev("processing"), CTX) is None  # no new date: nothing
    reason_only = EventFacts(id=42, status="processing", at=at(2027, 1, 20), apology_reason="x")
    assert rules.new_due_notice(d, reason_only, CTX) is None  # the letter waits for the date


def test_status_messages_say_the_clock_stops_and_resumes() -> None:
    d = dossier(due_at=at(2027, 2, 3, 17))
    stop = rules.status_notice(d, ev("supplement_required", "Bản sao CCCD"), CTX)
    assert stop is not None and "tạm dừng" in stop.text and "tính tiếp" in stop.text
    restart_ctx = replace(CTX, supplement_clock="restart")
    restart = rules.status_notice(d, ev("supplement_required", "Bản sao CCCD"), restart_ctx)
    assert restart is not None and "tính lại từ đầu" in restart.text
    paused = rules.status_notice(d, ev("paused", "Chờ ý kiến cơ quan cấp trên"), CTX)
    assert paused is not None and "Chờ ý kiến cơ quan cấp trên" in paused.text
    resumed = EventFacts(
        id=70, status="processing", at=at(2027, 1, 25), previous_status="supplement_required"
    )
    notice = rules.status_notice(d, resumed, CTX)
    assert notice is not None and "03/02/2027" in notice.text and "tiếp tục xử lý" in notice.text
    assert notice.facts.status == "processing" and notice.facts.due_at == d.due_at
    # Processing after processing (or after acceptance) is no news.
    assert rules.status_notice(d, replace(resumed, previous_status="received"), CTX) is None
