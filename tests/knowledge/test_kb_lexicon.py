"""The curated lexicon: abbreviations, everyday words, teen-code, filler, aspects."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from knowledge.aspects import Aspect, detect_aspects
from knowledge.base import KnowledgeBase
from knowledge.lexicon import default_lexicon, split_words

LEXICON_FILE = Path(__file__).resolve().parents[2] / "knowledge" / "lexicon.toml"


def shipped_lexicon() -> dict[str, Any]:
    """The shipped lexicon file as data (its tables, not the parsed Lexicon)."""
    return tomllib.loads(LEXICON_FILE.read_text("utf-8"))


def expand(text: str) -> str:
    return " ".join(w[1] for w in default_lexicon().expand_query(split_words(text)))


@pytest.mark.parametrize(
    ("query", "contains"),
    [
        ("dk tam tru", "dang ky tam tru"),
        ("đk kết hôn", "dang ky ket hon"),
        ("làm lại cccd", "the can cuoc"),
        ("cmnd", "the can cuoc"),
        ("bhxh 1 lần", "bao hiem xa hoi mot lan"),
        ("the bhyt", "bao hiem y te"),
        ("gplx", "giay phep lai xe"),
        ("đổi bằng lái", "giay phep lai xe"),
        ("làm sổ đỏ", "giay chung nhan quyen su dung dat"),
        ("so hong", "giay chung nhan quyen su dung dat"),
        ("giấy báo tử", "khai tu"),
        ("giay doc than", "xac nhan tinh trang hon nhan"),
        ("nhập hộ khẩu", "dang ky thuong tru"),
        ("công chứng bản sao", "chung thuc ban sao"),
        ("passport", "ho chieu"),
        ("ls tư pháp", "ly lich tu phap"),
        ("ntn", "nhu the nao"),
        ("ko", "khong"),
    ],
)
def test_everyday_words_become_the_portals_terms(query: str, contains: str) -> None:
    assert contains in expand(query)


def test_longest_phrase_wins_and_notaries_stay_notaries() -> None:
    assert "van phong cong chung" in expand("văn phòng công chứng")
    assert "chung thuc" not in expand("văn phòng công chứng")


def test_filler_is_dropped_but_content_words_that_fold_alike_are_kept(
    kb: KnowledgeBase,
) -> None:
    with_marks = kb.analyse("Cho tôi hỏi bạn ơi, chứng thực bản sao thế nào?")
    assert "ban" in with_marks.content  # bản (copy), not bạn (you)
    assert "toi" not in with_marks.content
    plain = kb.analyse("chung thuc ban sao tu ban chinh")
    assert {"chung", "thuc", "ban", "sao", "chinh"} <= set(plain.content)
    assert "co" in kb.analyse("thanh lap cong ty co phan").content  # cổ phần
    assert "co" not in kb.analyse("dang ky ket hon co mat tien khong").content


@pytest.mark.parametrize(
    ("text", "aspects"),
    [
        ("đăng ký kết hôn cần giấy tờ gì", [Aspect.DOCUMENTS]),
        ("dang ky ket hon mat bao lau", [Aspect.TIME]),
        ("lệ phí làm hộ chiếu bao nhiêu", [Aspect.FEE]),
        ("lam ho chieu lan dau o dau", [Aspect.PLACE]),
        ("dang ky tam tru online duoc khong", [Aspect.ONLINE]),
        ("Hồ sơ gồm những gì, lệ phí bn?", [Aspect.DOCUMENTS, Aspect.FEE]),
        ("trình tự thực hiện thủ tục xóa đăng ký tàu cá", [Aspect.STEPS]),
        ("điều kiện cấp hộ chiếu", [Aspect.CONDITIONS]),
        ("căn cứ pháp lý của thủ tục khai tử", [Aspect.LEGAL]),
        ("đăng ký khai sinh", []),
        ("", []),
    ],
)
def test_detect_aspects(text: str, aspects: list[Aspect]) -> None:
    assert detect_aspects(text) == aspects


def test_aspect_words_do_not_drive_the_ranking(kb: KnowledgeBase) -> None:
    plain = kb.search("đăng ký kết hôn")
    for asked in (
        "đăng ký kết hôn cần giấy tờ gì",
        "đăng ký kết hôn lệ phí bao nhiêu",
        "đăng ký kết hôn nộp ở đâu",
        "đăng ký kết hôn mất bao lâu",
    ):
        hits = kb.search(asked)
        assert hits and hits[0].procedure.code == plain[0].procedure.code, asked


@pytest.mark.parametrize(
    ("query", "foreign"),
    [
        ("lấy chồng người Hàn Quốc", True),
        ("vo toi quoc tich my", True),
        ("sinh con ở nước Nhật", True),
        ("người anh trai của tôi", False),  # an elder brother, not an Englishman
        ("tôi là người Thái ở Sơn La", False),  # an ethnic group of Việt Nam
        ("quốc tịch Việt Nam", False),
    ],
)
def test_a_foreign_country_makes_a_case_with_a_foreign_element(query: str, foreign: bool) -> None:
    assert ("yeu to nuoc ngoai" in expand(query)) is foreign


def test_a_rewrite_that_keeps_its_words_marks_the_ones_it_adds() -> None:
    from knowledge.lexicon import is_added

    words = default_lexicon().expand_query(split_words("người nước ngoài"))
    said = [w[1] for w in words if not is_added(w)]
    added = [w[1] for w in words if is_added(w)]
    assert said == ["nguoi", "nuoc", "ngoai"]
    assert added == ["yeu", "to", "nuoc", "ngoai"]
    # A rewrite that replaces the citizen's words adds nothing beside them.
    replaced = default_lexicon().expand_query(split_words("sổ đỏ"))
    assert replaced and not any(is_added(w) for w in replaced)


def test_terms_made_of_filler_words_are_found_with_or_without_marks() -> None:
    lex = default_lexicon()
    assert lex.term_positions(split_words("xây dựng nhà ở")) == {2, 3}
    assert lex.term_positions(split_words("xay dung nha o")) == {2, 3}
    assert lex.term_positions(split_words("nhá ờ")) == set()


def test_a_topic_keeps_the_concept_and_adds_its_procedure_as_a_hint() -> None:
    from knowledge.lexicon import is_added, parse_lexicon

    lex = parse_lexicon(
        {
            "colloquial": {"con dấu": "dấu"},
            "topics": {
                "founding": {
                    "procedure": "đăng ký thành lập doanh nghiệp",
                    "concepts": ["vốn điều lệ", "con dấu"],
                }
            },
        }
    )
    words = lex.expand_query(split_words("vốn điều lệ bao nhiêu"))
    assert [w[1] for w in words if not is_added(w)] == ["von", "dieu", "le", "bao", "nhieu"]
    hint = ["dang", "ky", "thanh", "lap", "doanh", "nghiep"]
    assert [w[1] for w in words if is_added(w)] == hint
    # A colloquial entry of the same phrase is the curator's word: the topic does not override it.
    assert [w[1] for w in lex.expand_query(split_words("con dấu"))] == ["dau"]


def test_the_shipped_topics_point_at_procedures_the_records_name(kb: KnowledgeBase) -> None:
    """Each topic's procedure words all occur in some shipped record's name: a hint that no
    name carries would only add noise."""
    topics = shipped_lexicon()["topics"]
    lex = default_lexicon()
    names = [set(lex.expand_record([w[1] for w in split_words(p.name)])) for p in kb]
    assert len(topics) >= 5
    for name, topic in topics.items():
        words = set(lex.expand_record([w[1] for w in split_words(topic["procedure"])]))
        assert topic["concepts"] and words, name
        assert any(words <= record for record in names), name


@pytest.mark.parametrize(
    ("query", "expanded"),
    [
        ("bố tôi mất", "bo mat khai tu"),
        ("mở một quán cà phê", "mo quan dang ky thanh lap ho kinh doanh ca phe"),
        ("mẹ mất rồi", "me mat khai tu roi"),
        # A little word outside a phrase stays as it was.
        ("một quán", "mot quan"),
        ("tôi mất", "toi mat"),
    ],
)
def test_little_words_inside_an_everyday_phrase_do_not_hide_it(query: str, expanded: str) -> None:
    assert expand(query) == expanded


def test_variant_words_keep_their_marks() -> None:
    lex = default_lexicon()
    # "dùng"/"sử dụng" (use) and "xây dựng" (build) are not "dừng" (stop).
    assert lex.said_variants(split_words("sử dụng hộ chiếu cũ")) == frozenset()
    assert lex.said_variants(split_words("xây dựng nhà ở")) == frozenset()
    assert lex.said_variants(split_words("dừng kinh doanh")) == {("dung",)}
    # Without marks the word may be either; "huỷ" and "hủy" are one word spelled two ways.
    assert lex.said_variants(split_words("dung kinh doanh")) == {("dung",)}
    assert lex.said_variants(split_words("huỷ việc kết hôn")) == {("huy",)}


def test_a_topic_concept_is_not_in_the_name_of_another_procedure(kb: KnowledgeBase) -> None:
    """A concept some other record names ("vốn điều lệ" in "thay đổi vốn điều lệ") would pull
    the question away from the record that does name it."""
    from knowledge.lexicon import find_phrases

    topics = shipped_lexicon()["topics"]
    lex = default_lexicon()
    # Each concept phrase with the topics that use it and the words of their procedure.
    uses: dict[tuple[str, ...], list[tuple[str, str, set[str]]]] = {}
    for name, topic in topics.items():
        target = set(lex.expand_record([w[1] for w in split_words(topic["procedure"])]))
        for concept in topic["concepts"]:
            phrase = tuple(lex.expand_record([w[1] for w in split_words(concept)]))
            uses.setdefault(phrase, []).append((name, concept, target))
    phrases = frozenset(uses)
    # One pass over each record's name for every phrase at once (a pass per phrase: seconds).
    for p in kb:
        words = lex.expand_record([w[1] for w in split_words(p.name)])
        for phrase in find_phrases(words, phrases):
            for name, concept, target in uses[phrase]:
                assert target <= set(words), (name, concept, " ".join(words))


def test_shorthand_is_spelled_out_before_everyday_phrases_are_matched() -> None:
    from knowledge.normalise import fold

    assert "yeu to nuoc ngoai" in expand("dk ket hon voi ng nuoc ngoai")
    assert expand("so hong") == expand("sổ hồng")
    # A shorthand word inside an everyday phrase would stop that phrase from ever matching.
    data = shipped_lexicon()
    phrase_words = {w for key in data["colloquial"] for w in fold(key).split()}
    assert not {fold(k) for k in data["shorthand"]} & phrase_words
