"""Rendering of procedure answers: fee quirks with their notes, deduplicated ways, times."""

from __future__ import annotations

from handlers import render
from handlers import texts_vi as t
from knowledge.base import KnowledgeBase
from knowledge.model import Document, Procedure, SubmissionWay

PORTAL = "https://dichvucong.gov.vn"
URL = "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/abc"


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


def test_free_on_the_page_but_a_fee_in_the_note_shows_the_note() -> None:
    note = "Lệ phí cấp giấy phép lái xe: 135.000 đồng/lần."
    p = _procedure(
        SubmissionWay("Trực tiếp", "5 Ngày làm việc", "Miễn phí", note),
        SubmissionWay("Trực tuyến", "5 Ngày làm việc", "Miễn phí", note),
    )
    text = render.answer(p, ["fee"], PORTAL)
    assert "135.000 đồng/lần" in text
    assert t.FEE_FREE_BUT_NOTE in text
    assert URL in text
    # the two identical ways are one sentence
    assert text.count("135.000") == 1
    assert "Trực tiếp" not in text and "Ghi chú: " + note in text
    overview = render.overview(p, PORTAL)
    assert "135.000" in overview


def test_amounts_in_thousands_are_flagged() -> None:
    p = _procedure(SubmissionWay("Trực tiếp", "5 Ngày làm việc", "135 VNĐ", None))
    text = render.answer(p, ["fee"], PORTAL)
    assert "135 VNĐ" in text
    assert "135.000 đồng" in text


def test_plain_fees_are_written_in_vietnamese_and_differing_ways_listed() -> None:
    p = _procedure(
        SubmissionWay("Trực tuyến", "3 Ngày làm việc", "7,000 Việt Nam Đồng", "thu 7.000 đồng"),
        SubmissionWay("Trực tiếp", "3 Ngày làm việc", "10,000 Việt Nam Đồng", None),
    )
    text = render.answer(p, ["fee"], PORTAL)
    assert "Nộp trực tuyến: 7.000 đồng" in text
    assert "Nộp trực tiếp: 10.000 đồng" in text
    assert "thu 7.000 đồng" in text


def test_free_with_a_note_without_an_amount_stays_free() -> None:
    assert render.format_fee("Miễn phí", "Miễn lệ phí. Theo Thông tư số 281/2016/TT-BTC") == (
        t.FEE_FREE
    )
    assert render.format_fee("Phí : 0 Đồng") == t.FEE_FREE
    assert render.format_fee(None) is None
    assert render.format_fee("10 USD") == "10 USD"


def test_no_fee_on_record_says_so_with_the_link() -> None:
    p = _procedure(SubmissionWay("Trực tiếp", "5 Ngày làm việc", None, None))
    text = render.answer(p, ["fee"], PORTAL)
    assert "chưa ghi mức phí" in text
    assert URL in text


def test_unit_less_time_says_what_the_page_says() -> None:
    p = _procedure(
        SubmissionWay("Trực tiếp", "1", "Miễn phí"),
        SubmissionWay("Trực tuyến", "1", "Miễn phí"),
        SubmissionWay("Dịch vụ bưu chính", "1", "Miễn phí"),
    )
    text = render.answer(p, ["time"], PORTAL)
    assert "1 ngày làm việc" in text
    assert "“1”" in text
    assert text.count("ngày làm việc") == 1  # three identical ways, one sentence


def test_times_that_differ_by_way_are_listed() -> None:
    p = _procedure(
        SubmissionWay("Trực tiếp", "5 Ngày làm việc"),
        SubmissionWay("Trực tuyến", "02 Giờ"),
        SubmissionWay("Dịch vụ bưu chính", "Trong ngày"),
    )
    text = render.answer(p, ["time"], PORTAL)
    assert "Nộp trực tiếp: 5 ngày làm việc" in text
    assert "Nộp trực tuyến: 2 giờ" in text
    assert "Qua bưu chính: trong ngày" in text


def test_documents_grouped_with_copies_and_capped() -> None:
    docs = tuple(
        Document(f"- Giấy tờ số {i};", copies="0 bản chính,1 bản sao", group="Giấy tờ phải nộp")
        for i in range(render.MAX_DOCUMENTS + 3)
    )
    p = _procedure(documents=docs)
    text = render.answer(p, ["documents"], PORTAL)
    assert "Giấy tờ phải nộp:" in text
    assert "• Giấy tờ số 0 (1 bản sao)" in text
    assert "0 bản chính" not in text
    assert "3 mục khác" in text


def test_place_and_online() -> None:
    p = _procedure(
        SubmissionWay("Trực tiếp", description="Nộp hồ sơ trực tiếp tại Công an cấp xã."),
        address="Trụ sở Công an xã",
    )
    place = render.answer(p, ["place"], PORTAL)
    assert "Công an tỉnh" in place
    assert "Trụ sở Công an xã" in place
    assert "Công an cấp xã" in place
    online = render.answer(p, ["online"], PORTAL)
    assert "chưa có hình thức nộp trực tuyến" in online
    assert "nộp trực tiếp" in online


def test_record_without_detail_url_points_to_the_portal_with_its_code() -> None:
    p = _procedure(SubmissionWay("Trực tiếp", "5 Ngày làm việc"), detail_url=None)
    text = render.answer(p, ["time"], PORTAL)
    assert PORTAL in text
    assert "9.000001" in text


def test_overview_buttons_cover_the_aspects_not_yet_answered() -> None:
    p = _procedure(SubmissionWay("Trực tiếp", "5 Ngày làm việc"))
    payloads = [b.payload for b in render.aspect_buttons(p, answered=["fee"])]
    assert "pa:9.000001:documents" in payloads
    assert "pa:9.000001:fee" not in payloads
    assert "pa:9.000001:conditions" not in payloads  # the record has no conditions
    assert render.name_of(p) == "Đổi giấy phép lái xe"


def test_every_record_renders_every_aspect_with_its_link(kb: KnowledgeBase) -> None:
    """The shipped data, quirks and all: no aspect of any record breaks the rendering."""
    procedures = list(kb)
    assert len(procedures) > 2000
    aspects = list(render.BUTTON_ASPECTS) + ["legal"]
    for p in procedures:
        link = p.detail_url or p.code
        assert link in render.overview(p, PORTAL)
        for aspect in aspects:
            text = render.answer(p, [aspect], PORTAL)
            assert link in text and "{" not in text.replace(p.name, "")
            assert "None" not in text


def test_payloads_fit_telegram_callback_data(kb: KnowledgeBase) -> None:
    aspects = list(render.BUTTON_ASPECTS) + ["legal"]
    for p in kb:
        buttons = render.aspect_buttons(p)
        buttons += render.choice([p])[1] + render.alternatives([p], aspects)[1]
        for b in buttons:
            assert len(b.payload.encode()) <= 64, b.payload
            assert 0 < len(b.label) <= 60


def test_online_answer_gives_the_online_time_and_fee_with_its_note() -> None:
    p = _procedure(
        SubmissionWay("Trực tuyến", "3 Ngày làm việc", "7,000 Việt Nam Đồng", "thu 7.000 đồng"),
        SubmissionWay("Trực tiếp", "5 Ngày làm việc", "10,000 Việt Nam Đồng", None),
    )
    text = render.answer(p, ["online"], PORTAL)
    assert text.startswith("Có, thủ tục “Đổi giấy phép lái xe” nộp trực tuyến được.")
    assert "3 ngày làm việc" in text and "7.000 đồng (ghi chú: thu 7.000 đồng)" in text
    assert "10.000" not in text and "5 ngày" not in text


def test_documents_put_the_form_first_and_special_cases_last() -> None:
    nop = "Giấy tờ phải nộp"
    docs = (
        Document("- Trường hợp trẻ em bị bỏ rơi thì phải có biên bản", "", "1 bản chính", nop),
        Document("Văn bản ủy quyền trong trường hợp ủy quyền", None, "1 bản chính", nop),
        Document("Giấy chứng sinh", None, "1 bản chính", nop),
        Document("Lưu ý chung về hồ sơ", None, "0 bản chính", "Lưu ý"),
        Document("Tờ khai đăng ký khai sinh theo mẫu", None, "1 bản chính", None),
    )
    text = render.answer(_procedure(documents=docs), ["documents"], PORTAL)
    order = [text.index(s) for s in ("Tờ khai", "Giấy chứng sinh", "ủy quyền", "bỏ rơi")]
    assert order == sorted(order)
    assert "Lưu ý chung" not in text and "còn 1 lưu ý" in text
