"""Procedure answers say what the record says, short: real records with each quirk of the data.

Today is passed in, as the core passes its clock's date: fee periods depend on it.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from handlers import render
from handlers import texts_vi as t
from handlers.render_common import Context
from handlers.render_fees import flag, headline, note_text
from knowledge.base import KnowledgeBase
from knowledge.clauses import ELLIPSIS
from knowledge.fees import read_fee
from knowledge.model import Document, Procedure, SubmissionWay
from knowledge.normalise import fold
from knowledge.online import OnlineKind, online_access

PORTAL = "https://dichvucong.gov.vn"
URL = "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/abc"
TODAY = date(2026, 12, 5)
ALL_ASPECTS = [*render.BUTTON_ASPECTS, "legal"]
NO_INFO = {"khong", "khong co", "khong quy dinh", "chua quy dinh"}


def fee(procedure: Procedure, today: date = TODAY) -> str:
    return render.answer(procedure, ["fee"], PORTAL, today=today).text


def full_fee(procedure: Procedure, today: date = TODAY) -> str:
    return render.full_answer(procedure, ["fee"], PORTAL, today=today)


def record(kb: KnowledgeBase, code: str) -> Procedure:
    procedure = kb.get(code)
    assert procedure is not None, code
    return procedure


def _procedure(*ways: SubmissionWay, **fields: object) -> Procedure:
    base: dict[str, object] = {
        "code": "9.000001",
        "name": "Thủ tục đổi giấy phép lái xe",
        "levels": ("Cấp tỉnh",),
        "agency": "Công an tỉnh",
        "ways": ways,
        "detail_url": URL,
    }
    base.update(fields)
    return Procedure(**base)  # type: ignore[arg-type]


# --- fees ------------------------------------------------------------------------------


def test_free_headline_with_an_amount_in_the_note_is_not_free(kb: KnowledgeBase) -> None:
    # 3.000347 Đổi giấy phép lái xe: "Miễn phí" in the fee cell, 135.000 đồng in the note.
    licence = record(kb, "3.000347")
    assert all(w.fee == "Miễn phí" for w in licence.ways)
    text = fee(licence)
    assert "• Miễn phí" not in text and "135.000 đồng/lần" in text
    assert t.FEE_FLAG_FREE_BUT_AMOUNT in text
    overview = render.overview(licence, PORTAL, today=TODAY)
    assert "135.000 đồng/lần" in overview and "Phí, lệ phí: Miễn phí" not in overview


def test_free_headline_with_a_fee_regulation_in_the_note_is_not_free(kb: KnowledgeBase) -> None:
    # 1.004873 xác nhận tình trạng hôn nhân: "Miễn phí", the note: the province's council
    # sets the fee. 1.012575 đăng ký xe: "Miễn phí", the note: Thông tư 60/2023/TT-BTC.
    for code, says in (("1.004873", "Hội đồng nhân dân tỉnh"), ("1.012575", "60/2023/TT-BTC")):
        text = fee(record(kb, code))
        assert "• Miễn phí" not in text, code
        assert says in text and t.FEE_PER_NOTE in text, code
        assert t.FEE_FLAG_FREE_BUT_RULE in text, code


def test_no_record_headlines_free_beside_a_note_that_names_a_fee(kb: KnowledgeBase) -> None:
    """Over the whole data: a way whose cell says "Miễn phí" while its note names an amount or
    a fee regulation (and does not itself open with the exemption) is never headlined free,
    and is flagged."""
    context = Context(PORTAL, TODAY)
    seen = 0
    for procedure in kb:
        for way in procedure.ways:
            reading = read_fee(way.fee, way.fee_note, TODAY)
            if reading.cell is None or reading.cell.kind != "free" or not reading.note:
                continue
            if reading.note[0].exemption or fold(reading.note_raw) in NO_INFO:
                continue
            if not any(c.amounts or c.regulation for c in reading.note):
                continue
            seen += 1
            top = headline(reading, context)
            assert not fold(top).startswith("mien phi"), (procedure.code, top)
            assert flag(reading, context) is not None, procedure.code
    assert seen > 500


def test_a_note_that_itself_says_free_is_the_headline(kb: KnowledgeBase) -> None:
    # 1.000894 kết hôn: "Miễn lệ phí. Phí cấp bản sao Trích lục kết hôn ... Thông tư 281/2016".
    text = fee(record(kb, "1.000894"))
    assert "• Miễn lệ phí" in text
    assert "Thông tư số 281/2016/TT-BTC" in text  # the regulation that sets the other fee
    assert "Lưu ý" not in text


def test_a_reduction_in_force_today_is_always_kept(kb: KnowledgeBase) -> None:
    # 2.001195 cấp đổi căn cước: 50.000 đồng; 50% online from 01/01/2025 to 31/12/2025
    # (lapsed on 2026-12-05); 50% from 01/7/2025 to 31/12/2026 (in force).
    card = record(kb, "2.001195")
    text = fee(card)
    assert "50.000 đồng" in text and t.FEE_REDUCED_NOW in text
    assert "đến hết ngày 31/12/2026" in text
    assert "đến hết ngày 31/12/2025" not in text  # lapsed: only in the full text
    full = full_fee(card)
    assert "đến hết ngày 31/12/2025" in full and t.FEE_CLAUSE_LAPSED in full
    # The same record a month after the reduction ends: nothing in force, nothing said.
    later = fee(card, today=date(2027, 1, 15))
    assert t.FEE_REDUCED_NOW not in later and "31/12/2026" not in later


def test_a_lapsed_rate_follows_the_clock_it_is_given(kb: KnowledgeBase) -> None:
    # 3.000347: online 115.000 đồng "Kể từ ngày 01/12/2023 đến hết ngày 31/12/2025".
    licence = record(kb, "3.000347")
    assert "115.000" not in fee(licence)
    assert "115.000" in full_fee(licence) and t.FEE_CLAUSE_LAPSED in full_fee(licence)
    assert "115.000" in fee(licence, today=date(2025, 6, 1))  # then it was in force


def test_a_headline_that_contradicts_its_note_is_flagged(kb: KnowledgeBase) -> None:
    # 1.002755 gia hạn tạm trú, online: 5.000 đồng in the cell, "thu 7.000 đồng" in the note.
    text = fee(record(kb, "1.002755"))
    assert "5.000 đồng" in text and "7.000 đồng" in text
    assert t.FEE_FLAG_CONTRADICTED in text


def test_a_headline_the_note_says_has_lapsed_is_flagged(kb: KnowledgeBase) -> None:
    # 1.001456 hộ chiếu (cấp tỉnh), online: 160.000 đồng "áp dụng đến hết ngày 31/12/2023".
    text = fee(record(kb, "1.001456"))
    assert t.FEE_FLAG_EXPIRED.format(date="31/12/2023") in text
    assert "200.000 đồng" in text  # the direct way's fee, unaffected


def test_amounts_in_thousands_are_read_with_the_note(kb: KnowledgeBase) -> None:
    # 2.001610 doanh nghiệp tư nhân, online: "100 VNĐ"; the note: 100.000 đồng/lần.
    text = fee(record(kb, "2.001610"))
    assert t.FEE_THOUSANDS_CONFIRMED.format(amount="100.000 đồng", raw="100 VNĐ") in text
    alone = _procedure(SubmissionWay("Trực tiếp", "5 Ngày làm việc", "135 VNĐ", None))
    assert t.FEE_THOUSANDS.format(raw="135 VNĐ", amount="135.000 đồng") in fee(alone)


def test_unit_only_notes_complete_the_amount(kb: KnowledgeBase) -> None:
    # 2.000815 chứng thực bản sao: "2,000 VNĐ" with the note "/trang"; "10 USD" with "/bản".
    text = fee(record(kb, "2.000815"))
    assert "2.000 đồng/trang" in text and "10 USD/bản" in text


def test_fees_that_differ_by_way_are_listed_by_way() -> None:
    p = _procedure(
        SubmissionWay("Trực tuyến", "3 Ngày làm việc", "7,000 Việt Nam Đồng", "thu 7.000 đồng"),
        SubmissionWay("Trực tiếp", "3 Ngày làm việc", "10,000 Việt Nam Đồng", None),
    )
    text = fee(p)
    assert "• Nộp trực tuyến: 7.000 đồng" in text
    assert "• Nộp trực tiếp: 10.000 đồng" in text
    assert "thu 7.000 đồng" in text
    none = _procedure(SubmissionWay("Trực tiếp", "5 Ngày làm việc", None, None))
    assert t.FEE_NONE.format(name="thủ tục “Đổi giấy phép lái xe”") in fee(none)


def flat(text: str) -> str:
    return " ".join(text.lstrip("-+*• ").split())


def test_notes_are_shortened_only_by_whole_clauses(kb: KnowledgeBase) -> None:
    """Every note of the data, shortened to a small budget: what is shown is whole clauses of
    the note, and every clause that changes the fee today is among them."""
    context = Context(PORTAL, TODAY)
    checked = 0
    for procedure in kb:
        for way in procedure.ways:
            reading = read_fee(way.fee, way.fee_note, TODAY)
            if not reading.note:
                continue
            shown = note_text(reading, context, 150).text.removesuffix(ELLIPSIS).strip()
            for clause in reading.note[1:]:
                if clause.current_change(TODAY):
                    assert flat(clause.text) in shown, (procedure.code, clause.text)
            rest = shown
            for clause in reading.note:  # take the clauses shown off, in order: nothing remains
                piece = flat(clause.text)
                if piece and rest.startswith(piece):
                    rest = rest[len(piece) :].lstrip()
            assert rest == "", (procedure.code, shown)
            checked += 1
    assert checked > 1000


def test_fee_answers_keep_what_holds_today(kb: KnowledgeBase) -> None:
    """In the short fee answer of every record, the clauses with a reduction or a rate in force
    today are all there: always when the record has one fee for every way and the clause fits
    the screen; in a few records with several long notes the screen cannot hold them all, and
    the answer says there is more ("Xem đầy đủ")."""
    kept = missed = 0
    for procedure in kb:
        answer = render.answer(procedure, ["fee"], PORTAL, today=TODAY)
        text = " ".join(answer.text.split())
        readings = [read_fee(w.fee, w.fee_note, TODAY) for w in procedure.ways]
        distinct = {(w.fee, w.fee_note) for w in procedure.ways}
        for reading in readings:
            for clause in reading.note:
                if not clause.current_change(TODAY):
                    continue
                if flat(clause.text).rstrip(".;") in text:
                    kept += 1
                    continue
                missed += 1
                assert answer.more, procedure.code
                if len(clause.text) > render.FIRST_MESSAGE_LIMIT // 2:
                    # One clause longer than half the screen: cut where a clause inside it
                    # ends, its opening (with its dates) kept.
                    assert flat(clause.text)[:80] in text, (procedure.code, clause.text)
                else:
                    assert len(distinct) > 1, (procedure.code, clause.text)
    assert kept > 150 and missed <= kept // 20


# --- online ------------------------------------------------------------------------------


def test_online_that_only_books_an_appointment_is_not_online(kb: KnowledgeBase) -> None:
    # 2.001195 cấp đổi căn cước: online "để đăng ký thời gian, địa điểm làm thủ tục".
    card = record(kb, "2.001195")
    assert online_access(card).kind is OnlineKind.BOOK
    text = render.answer(card, ["online"], PORTAL, today=TODAY).text
    assert not text.startswith("Có,")
    assert "vẫn phải đến nộp hồ sơ trực tiếp" in text
    assert "đăng ký thời gian, địa điểm" in text  # the record's own words, quoted
    assert t.OVERVIEW_ONLINE_BOOK in render.overview(card, PORTAL, today=TODAY)
    assert t.PLACE_ONLINE_TOO not in render.answer(card, ["place"], PORTAL, today=TODAY).text


def test_online_that_only_sends_ahead_says_the_citizen_still_comes(kb: KnowledgeBase) -> None:
    # 2.000970: by e-mail, "khi đến ký hợp đồng ... phải nộp đầy đủ hồ sơ".
    contract = record(kb, "2.000970")
    assert online_access(contract).kind is OnlineKind.DECLARE
    text = render.answer(contract, ["online"], PORTAL, today=TODAY).text
    assert text.startswith("Chưa hẳn") and "vẫn phải đến nộp đầy đủ hồ sơ" in text


def test_real_online_submission_says_yes_with_its_terms(kb: KnowledgeBase) -> None:
    # 1.004194 đăng ký tạm trú: online, 3 working days, 7.000 đồng.
    text = render.answer(record(kb, "1.004194"), ["online"], PORTAL, today=TODAY).text
    assert text.startswith("Có, thủ tục “Đăng ký tạm trú” nộp trực tuyến được.")
    assert "3 ngày làm việc" in text and "7.000 đồng" in text and "10.000" not in text


def test_no_booking_record_is_ever_answered_yes(kb: KnowledgeBase) -> None:
    booking = 0
    for procedure in kb:
        if online_access(procedure).kind in (OnlineKind.BOOK, OnlineKind.DECLARE):
            booking += 1
            text = render.answer(procedure, ["online"], PORTAL, today=TODAY).text
            assert not text.startswith("Có,"), procedure.code
            overview = render.overview(procedure, PORTAL, today=TODAY)
            assert t.OVERVIEW_ONLINE_YES not in overview, procedure.code
    assert booking >= 9


def test_no_online_way_lists_the_ways_there_are() -> None:
    p = _procedure(
        SubmissionWay("Trực tiếp", description="Nộp hồ sơ trực tiếp tại Công an cấp xã."),
        address="Trụ sở Công an xã",
    )
    place = render.answer(p, ["place"], PORTAL, today=TODAY).text
    assert "Công an tỉnh" in place and "Trụ sở Công an xã" in place
    online = render.answer(p, ["online"], PORTAL, today=TODAY).text
    assert "chưa có hình thức nộp trực tuyến" in online and "nộp trực tiếp" in online


# --- documents ---------------------------------------------------------------------------


def test_documents_are_numbered_papers_with_the_rest_one_tap_away(kb: KnowledgeBase) -> None:
    birth = record(kb, "1.001193")
    answer = render.answer(birth, ["documents"], PORTAL, today=TODAY)
    lines = answer.text.splitlines()
    assert lines[1].startswith("1. Tờ khai đăng ký khai sinh")
    assert any(re.match(r"\d\. Giấy chứng sinh", line) for line in lines)
    assert answer.more and "Xem đầy đủ" in answer.text
    full = render.full_answer(birth, ["documents"], PORTAL, today=TODAY)
    assert t.DOCUMENTS_NOTES_TITLE in full and "mang thai hộ" in full
    assert len(full) > len(answer.text)


def test_steps_are_not_documents(kb: KnowledgeBase) -> None:
    # 1.001613 BHXH một lần: the document column holds "Bước 2 ... Bước 3 ...".
    lump = record(kb, "1.001613")
    documents = render.answer(lump, ["documents"], PORTAL, today=TODAY).text
    assert "Bước" not in documents
    assert documents.startswith(t.DOCUMENTS_NONE.split("{name}")[0])
    steps = render.full_answer(lump, ["steps"], PORTAL, today=TODAY)
    assert "Bước 2" in steps and "(Thành phần hồ sơ) và nộp cho cơ quan BHXH" in steps


def test_form_file_names_and_garbled_fragments_never_show(kb: KnowledgeBase) -> None:
    # 1.004194 đăng ký tạm trú: "Thngts53.doc" forms and "…TT-BCA).1.MuCT01banhnhkmtheo".
    stay = record(kb, "1.004194")
    for text in (
        render.answer(stay, ["documents"], PORTAL, today=TODAY).text,
        render.full_answer(stay, ["documents"], PORTAL, today=TODAY),
    ):
        assert "Thngts53" not in text and "MuCT01" not in text and ".doc" not in text
        assert "Tờ khai thay đổi thông tin cư trú" in text


def test_the_usual_case_is_listed_and_the_other_cases_counted() -> None:
    docs = (
        Document("Tờ khai", copies="1 bản chính", group="Hồ sơ đăng ký tạm trú gồm"),
        Document("Giấy tờ chỗ ở", copies="1 bản chính", group="Hồ sơ đăng ký tạm trú gồm"),
        Document("Văn bản đề nghị", copies="1 bản chính", group="Theo danh sách, hồ sơ gồm"),
        Document("Lưu ý chung về hồ sơ", copies="0 bản chính", group="Lưu ý"),
    )
    p = _procedure(name="Đăng ký tạm trú", documents=docs)
    answer = render.answer(p, ["documents"], PORTAL, today=TODAY)
    assert "1. Tờ khai" in answer.text and "2. Giấy tờ chỗ ở" in answer.text
    assert "Văn bản đề nghị" not in answer.text and "Lưu ý chung" not in answer.text
    assert t.DOCUMENTS_MORE_CASES.format(papers=1, count=1) in answer.text
    assert t.DOCUMENTS_MORE_NOTES.format(count=1) in answer.text and answer.more


# --- time ----------------------------------------------------------------------------------


def test_a_bare_number_is_said_as_the_record_says_it(kb: KnowledgeBase) -> None:
    # 1.001193 khai sinh: "thoi_han": "1" on every way, no unit anywhere.
    text = render.answer(record(kb, "1.001193"), ["time"], PORTAL, today=TODAY).text
    assert t.TIME_BARE.format(raw="1") in text
    assert "1 ngày làm việc" not in text


def test_a_bare_number_quotes_where_the_record_gives_its_unit(kb: KnowledgeBase) -> None:
    # 2.002029 tạm ngừng kinh doanh: "1", and the steps: "Trong thời hạn 01 ngày làm việc...".
    text = render.answer(record(kb, "2.002029"), ["time"], PORTAL, today=TODAY).text
    assert t.TIME_BARE.format(raw="1") in text
    assert t.TIME_IN_STEPS in text and "01 ngày làm việc" in text


def test_times_that_differ_by_way_are_listed() -> None:
    p = _procedure(
        SubmissionWay("Trực tiếp", "5 Ngày làm việc"),
        SubmissionWay("Trực tuyến", "02 Giờ"),
        SubmissionWay("Dịch vụ bưu chính", "Trong ngày"),
    )
    text = render.answer(p, ["time"], PORTAL, today=TODAY).text
    assert "Nộp trực tiếp: 5 ngày làm việc" in text
    assert "Nộp trực tuyến: 2 giờ" in text
    assert "Qua bưu chính: trong ngày" in text


def test_one_way_listed_twice_with_two_times_says_both(kb: KnowledgeBase) -> None:
    # 1.010041 xác nhận thông tin cư trú: two online ways, 1 and 3 working days.
    text = render.answer(record(kb, "1.010041"), ["time"], PORTAL, today=TODAY).text
    assert t.TIME_EITHER.format(times="1 ngày làm việc hoặc 3 ngày làm việc") in text


# --- one screen for the first message, whatever the record --------------------------------


@pytest.mark.slow  # every record, every aspect
def test_every_first_message_fits_a_phone_screen(kb: KnowledgeBase) -> None:
    """All 2,849 records, every aspect alone, the overview and three aspects at once."""
    procedures = list(kb)
    assert len(procedures) == 2849
    longest = 0
    for p in procedures:
        link = p.detail_url or p.code
        texts = [render.overview(p, PORTAL, today=TODAY)]
        texts += [render.answer(p, [a], PORTAL, today=TODAY).text for a in ALL_ASPECTS]
        texts.append(render.answer(p, ["documents", "time", "fee"], PORTAL, today=TODAY).text)
        for text in texts:
            assert len(text) <= render.FIRST_MESSAGE_LIMIT, (p.code, len(text), text)
            assert link in text and "{" not in text.replace(p.name, "") and "None" not in text
            longest = max(longest, len(text))
    assert longest > 600  # the bound is reached, not avoided by saying nothing


@pytest.mark.slow  # every record
def test_full_texts_fit_one_message_and_link_the_page(kb: KnowledgeBase) -> None:
    for p in kb:
        for aspect in ("documents", "fee", "steps"):
            text = render.full_answer(p, [aspect], PORTAL, today=TODAY)
            assert len(text) <= render.FULL_LIMIT + 200
            assert (p.detail_url or p.code) in text


@pytest.mark.parametrize("aspect", ALL_ASPECTS)
def test_record_without_detail_url_points_to_the_portal_with_its_code(aspect: str) -> None:
    p = _procedure(SubmissionWay("Trực tiếp", "5 Ngày làm việc"), detail_url=None)
    text = render.answer(p, [aspect], PORTAL, today=TODAY).text
    assert PORTAL in text and "9.000001" in text


# --- choices and buttons -----------------------------------------------------------------


def test_choice_items_show_a_short_name_and_the_level_once(kb: KnowledgeBase) -> None:
    province, centre = record(kb, "1.001456"), record(kb, "1.001471")
    long_name = record(kb, "2.000815")  # a 300-character name
    text, buttons = render.choice([province, centre, long_name])
    lines = text.splitlines()[1:4]
    assert lines[0] == "1. Cấp hộ chiếu phổ thông ở trong nước (cấp tỉnh)"
    assert lines[1] == "2. Cấp hộ chiếu phổ thông ở trong nước (cấp trung ương)"
    assert len(lines[2]) < 140 and lines[2].endswith("(cấp xã, cơ quan khác)")
    for line in lines:
        assert line.lower().count("cấp tỉnh") <= 1 and line.lower().count("cấp trung") <= 1
    assert [b.payload for b in buttons] == ["pc:1.001456", "pc:1.001471", "pc:2.000815"]


def test_payloads_fit_telegram_callback_data(kb: KnowledgeBase) -> None:
    for p in kb:
        buttons = render.aspect_buttons(p)
        buttons += render.choice([p])[1] + render.alternatives([p], ALL_ASPECTS)[1]
        buttons += (render.full_button(p, ALL_ASPECTS),)
        for b in buttons:
            assert len(b.payload.encode()) <= 64, b.payload
            assert 0 < len(b.label) <= 60


def test_overview_buttons_cover_the_aspects_not_yet_answered() -> None:
    p = _procedure(SubmissionWay("Trực tiếp", "5 Ngày làm việc"))
    payloads = [b.payload for b in render.aspect_buttons(p, answered=["fee"])]
    assert "pa:9.000001:documents" in payloads
    assert "pa:9.000001:fee" not in payloads
    assert "pa:9.000001:conditions" not in payloads  # the record has no conditions
    assert render.name_of(p) == "Đổi giấy phép lái xe"
    assert render.full_button(p, ["fee", "time"]).payload == "pf:9.000001:fee,time"
