"""Search as citizens type: diacritics or not, typos, abbreviations, long questions, abstaining."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from knowledge.base import KnowledgeBase
from knowledge.evaluation import evaluate, load_queries
from knowledge.lexicon import split_words

DEV = Path(__file__).resolve().parents[3] / "shared" / "eval" / "dev_queries.jsonl"
EXTRA = Path(__file__).resolve().parent / "data" / "extra_queries.jsonl"


def top_code(kb: KnowledgeBase, query: str) -> str | None:
    hits = kb.search(query)
    return hits[0].procedure.code if hits else None


@pytest.mark.parametrize(
    ("with_marks", "without"),
    [
        ("đăng ký kết hôn", "dang ky ket hon"),
        ("làm hộ chiếu lần đầu ở đâu", "lam ho chieu lan dau o dau"),
        ("chứng thực bản sao từ bản chính", "chung thuc ban sao tu ban chinh"),
        ("khai báo tạm vắng", "khai bao tam vang"),
        ("cấp đổi thẻ căn cước", "cap doi the can cuoc"),
    ],
)
def test_diacritics_do_not_change_the_answer(
    kb: KnowledgeBase, with_marks: str, without: str
) -> None:
    assert top_code(kb, with_marks) is not None
    assert top_code(kb, with_marks) == top_code(kb, without)


@pytest.mark.parametrize(
    ("typo", "clean"),
    [
        ("dang ky khai sinhh", "dang ky khai sinh"),
        ("dang ky ket hin", "dang ky ket hon"),
        ("ho chiu lan dau", "ho chieu lan dau"),
        ("xac nhan tinh trang hon nhn", "xac nhan tinh trang hon nhan"),
        ("dang ky thuongtru", "dang ky thuong tru"),
    ],
)
def test_typos_still_find_the_procedure(kb: KnowledgeBase, typo: str, clean: str) -> None:
    expected = top_code(kb, clean)
    assert expected is not None
    assert expected in [h.procedure.code for h in kb.search(typo)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("dk tam tru", {"1.004194"}),
        ("nhap ho khau cho con", {"1.004222"}),
        ("bhxh mot lan", {"1.001613"}),
        ("doi bang lai xe may", {"3.000347"}),
        ("xin giay doc than", {"1.004873"}),
        ("làm giấy báo tử cho ông", {"1.000656"}),
        ("ls tu phap", {"3.000333"}),
        ("lam passport", {"1.001456", "1.001471"}),
        ("sang ten so do cho con", {"1.013831"}),
        ("muon doi ten cho con thi lam sao", {"1.004859"}),
    ],
)
def test_colloquial_queries(kb: KnowledgeBase, query: str, expected: set[str]) -> None:
    assert top_code(kb, query) in expected


def test_a_citizen_asking_about_birth_gets_the_commune_procedure(kb: KnowledgeBase) -> None:
    hit = kb.search("làm giấy khai sinh cho con")[0].procedure
    assert "Cấp xã" in hit.levels
    assert "Công dân Việt Nam" in hit.audiences


def test_long_question_finds_its_procedure(kb: KnowledgeBase) -> None:
    question = (
        "Tôi và chồng đã đăng ký kết hôn được hai năm. Nay con tôi mới sinh ở bệnh viện huyện, "
        "tôi muốn hỏi làm giấy khai sinh cho cháu thì cần những giấy tờ gì?"
    )
    codes = [h.procedure.code for h in kb.search(question)]
    assert codes and codes[0] in {"1.001193", "2.000986", "2.001023"}


@pytest.mark.parametrize(
    "query",
    [
        "hi",
        "xin chào",
        "cảm ơn nhé",
        "ok",
        "???",
        "",
        "   ",
        "🙂🙂🙂",
        "thoi tiet ngay mai the nao",
        "toi muon dat ve may bay",
        "giá vàng hôm nay",
        "trợ cấp thất nghiệp",
        "đăng ký cho con vào lớp 1",
        "SELECT * FROM dossiers; --",
        "bac si nao gioi ve tim mach",
        "xe buýt số 32 chạy mấy giờ",  # loosely like a procedure, but far too loosely
    ],
)
def test_out_of_scope_gets_no_procedure(kb: KnowledgeBase, query: str) -> None:
    assert kb.search(query) == []


def test_hostile_input_is_answered_quickly_and_safely(kb: KnowledgeBase) -> None:
    huge = "đăng ký khai sinh " + "a\u0000\u202e🙂 " * 25_000
    hits = kb.search(huge)
    assert all(0 <= h.score <= 100 for h in hits)
    assert kb.search("x", top=0) == []


def test_scores_are_ordered_and_bounded(kb: KnowledgeBase) -> None:
    hits = kb.search("cấp hộ chiếu phổ thông", top=5)
    assert len(hits) == 5
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < s <= 100 for s in scores)
    assert len({h.procedure.code for h in hits}) == 5


# Retrieval on the shared dev set and on this folder's own queries (same kinds, written
# separately). The targets are top-1 0.70 / top-3 0.85 / abstain 0.9; the dev set is
# not there yet without lexicon entries fitted to its questions (many FAQ questions are linked
# to procedures their words barely name), so these floors sit just under what the search
# reaches today (top-1 0.646, top-3 0.807, abstain 1.0): a regression fails, progress can raise
# them. The own queries (51 written first, 37 more added as a check before the abstain and
# filler fixes were tuned) reach top-1 0.909, top-3 0.977, abstain 0.932.
# Speed is measured in bench/search.py, not here.
DEV_FLOORS = {"top1": 0.7, "top3": 0.84, "abstain_rate": 0.9}
OWN_FLOORS = {"top1": 0.88, "top3": 0.95, "abstain_rate": 0.9}


def retrieval(kb: KnowledgeBase, path: Path) -> dict[str, Any]:
    return evaluate(load_queries(path), lambda q: [h.procedure.code for h in kb.search(q, 10)])


def test_dev_set_retrieval_holds_its_floors(kb: KnowledgeBase) -> None:
    if not DEV.exists():
        pytest.skip(f"{DEV} not found")
    report = retrieval(kb, DEV)
    for key, floor in DEV_FLOORS.items():
        assert report[key] >= floor, (key, report)


# Sets written from the procedure data alone (data/README.md); floors just under what each
# reaches. They were studied after their first blind score, so they guard, not measure.
PORTAL_STYLE_FLOORS = {
    "portal_style_a": {"top1": 0.61, "top3": 0.76, "abstain_rate": 0.9},
    "portal_style_b": {"top1": 0.54, "top3": 0.68, "abstain_rate": 0.7},
    "portal_style_c": {"top1": 0.62, "top3": 0.75, "abstain_rate": 0.7},
    "portal_style_d": {"top1": 0.54, "top3": 0.7, "abstain_rate": 0.8},
    "portal_style_e": {"top1": 0.62, "top3": 0.78, "abstain_rate": 0.6},
}


@pytest.mark.parametrize("name", sorted(PORTAL_STYLE_FLOORS))
def test_portal_style_queries_hold_their_floors(kb: KnowledgeBase, name: str) -> None:
    report = retrieval(kb, EXTRA.parent / f"{name}.jsonl")
    assert report["n_answerable"] >= 100 and report["n_out_of_scope"] >= 10
    for key, floor in PORTAL_STYLE_FLOORS[name].items():
        assert report[key] >= floor, (key, report)


# Written blind for issue 10; 1, 2, 6, 9, 10, 12 to 19 and 21 to 24 read after their first
# score; 7, 8, 11, 20 and 25 to 30 never read (data/README.md).
BLIND_FLOORS = {
    "blind_1": {"top1": 0.93, "top3": 0.98, "abstain_rate": 0.95},
    "blind_2": {"top1": 0.86, "top3": 0.98, "abstain_rate": 0.85},
    "blind_6": {"top1": 0.86, "top3": 0.92, "abstain_rate": 0.94},
    "blind_7": {"top1": 0.81, "top3": 0.88, "abstain_rate": 0.83},
    "blind_8": {"top1": 0.85, "top3": 0.95, "abstain_rate": 0.83},
    "blind_9": {"top1": 0.8, "top3": 0.91, "abstain_rate": 0.94},
    "blind_10": {"top1": 0.77, "top3": 0.94, "abstain_rate": 1.0},
    "blind_11": {"top1": 0.73, "top3": 0.81, "abstain_rate": 0.83},
    "blind_12": {"top1": 0.81, "top3": 0.95, "abstain_rate": 0.83},
    "blind_13": {"top1": 0.86, "top3": 0.95, "abstain_rate": 0.94},
    "blind_14": {"top1": 0.85, "top3": 0.94, "abstain_rate": 0.94},
    "blind_15": {"top1": 0.91, "top3": 0.98, "abstain_rate": 1.0},
    "blind_16": {"top1": 0.82, "top3": 0.92, "abstain_rate": 0.83},
    "blind_17": {"top1": 0.85, "top3": 0.93, "abstain_rate": 0.94},
    "blind_18": {"top1": 0.77, "top3": 0.93, "abstain_rate": 1.0},
    "blind_19": {"top1": 0.77, "top3": 0.9, "abstain_rate": 0.88},
    "blind_20": {"top1": 0.77, "top3": 0.84, "abstain_rate": 0.88},
    "blind_21": {"top1": 0.8, "top3": 0.93, "abstain_rate": 0.94},
    "blind_22": {"top1": 0.87, "top3": 0.97, "abstain_rate": 0.94},
    "blind_23": {"top1": 0.81, "top3": 0.94, "abstain_rate": 1.0},
    "blind_24": {"top1": 0.87, "top3": 0.95, "abstain_rate": 0.88},
    "blind_25": {"top1": 0.8, "top3": 0.9, "abstain_rate": 0.88},
    "blind_26": {"top1": 0.86, "top3": 0.93, "abstain_rate": 0.77},
    "blind_27": {"top1": 0.79, "top3": 0.94, "abstain_rate": 0.72},
    "blind_28": {"top1": 0.87, "top3": 0.93, "abstain_rate": 1.0},
    "blind_29": {"top1": 0.77, "top3": 0.9, "abstain_rate": 0.94},
    "blind_30": {"top1": 0.83, "top3": 0.88, "abstain_rate": 0.88},
}


@pytest.mark.parametrize("name", sorted(BLIND_FLOORS))
def test_blind_queries_hold_their_floors(kb: KnowledgeBase, name: str) -> None:
    report = retrieval(kb, EXTRA.parent / f"{name}.jsonl")
    assert report["n_answerable"] >= 60 and report["n_out_of_scope"] >= 10
    for key, floor in BLIND_FLOORS[name].items():
        assert report[key] >= floor, (key, report)


def test_own_queries_retrieval_holds_its_floors(kb: KnowledgeBase) -> None:
    report = retrieval(kb, EXTRA)
    assert report["n_out_of_scope"] >= 10
    for key, floor in OWN_FLOORS.items():
        assert report[key] >= floor, (key, report)


def test_tiny_and_empty_knowledge_bases_work() -> None:
    from knowledge.model import Procedure

    assert KnowledgeBase([]).search("đăng ký khai sinh") == []
    one = KnowledgeBase([Procedure(code="9.1", name="Thủ tục đăng ký khai sinh", field="Hộ tịch")])
    assert [h.procedure.code for h in one.search("dang ky khai sinh")] == ["9.1"]
    assert one.search("thời tiết") == []


def test_another_level_of_the_same_procedure_ranks_after_other_procedures() -> None:
    from knowledge.model import Procedure

    kb = KnowledgeBase(
        [
            Procedure(code="9.1", name="Cấp đổi thẻ căn cước (thực hiện tại cấp tỉnh)"),
            Procedure(code="9.2", name="Cấp đổi thẻ căn cước (thực hiện tại cấp trung ương)"),
            Procedure(code="9.3", name="Cấp đổi thẻ căn cước cho người dưới 14 tuổi"),
        ]
    )
    # 9.1 and 9.2 fit equally and 9.3 as well as them: the second level waits its turn.
    codes = [h.procedure.code for h in kb.search("cấp đổi thẻ căn cước")]
    assert codes[0] == "9.1"
    assert codes[1:] == ["9.3", "9.2"]


def test_a_question_about_a_business_prefers_records_for_businesses() -> None:
    from knowledge.model import Procedure

    name, field = "Thông báo tạm ngừng kinh doanh", "Thành lập và hoạt động doanh nghiệp"
    kb = KnowledgeBase(
        [
            Procedure(code="9.1", name=name, field=field, audiences=("Công dân Việt Nam",)),
            Procedure(code="9.2", name=name, field=field, audiences=("Doanh nghiệp",)),
        ]
    )
    assert top_code(kb, "doanh nghiệp tôi muốn tạm ngừng kinh doanh") == "9.2"
    assert top_code(kb, "tôi muốn tạm ngừng kinh doanh") == "9.1"


def test_the_clause_that_asks_outweighs_the_one_that_tells() -> None:
    from knowledge.model import Procedure

    kb = KnowledgeBase(
        [
            Procedure(code="9.1", name="Đăng ký kết hôn", field="Hộ tịch"),
            Procedure(code="9.2", name="Đăng ký khai sinh", field="Hộ tịch"),
        ]
    )
    told_then_asked = "Vợ chồng tôi đã đăng ký kết hôn, nay muốn đăng ký khai sinh cho con?"
    assert top_code(kb, told_then_asked) == "9.2"
    assert top_code(kb, "Vợ chồng tôi đã có con, nay muốn đăng ký kết hôn?") == "9.1"


# Everyday words (bệnh viện, ngân hàng, mất, ví, tiền) occur in some procedure names, but a
# question made of them alone is not about a procedure: the evidence must include a rarer word
# pair of a name, and a short question with no business in it is not answered with records
# that only banks or firms file.
@pytest.mark.parametrize(
    "query",
    [
        "benh vien nao kham tot",
        "tôi bị mất ví",
        "vay tiền ngân hàng lãi suất thấp",
        "duong nao dang ket xe",
        "cach lam banh chung",
    ],
)
def test_everyday_words_alone_name_no_procedure(kb: KnowledgeBase, query: str) -> None:
    assert kb.search(query) == []


def test_losing_an_id_card_is_still_a_procedure(kb: KnowledgeBase) -> None:
    assert top_code(kb, "mat chung minh thu lam lai o dau") in {
        "2.001194",
        "1.000757",
        "1.014064",
    }


def test_a_term_made_of_filler_words_survives(kb: KnowledgeBase) -> None:
    # "nha" (a sentence-final particle) and "o" (ở, a preposition) are filler alone, but
    # "nhà ở" is what the permit is for.
    content = kb.analyse("xin giay phep xay dung nha o").content
    assert "nha" in content and "o" in content
    assert "nha" not in kb.analyse("lam ho chieu o dau nha").content
    assert top_code(kb, "xin giay phep xay dung nha o") == top_code(
        kb, "xin giấy phép xây dựng nhà ở"
    )
    hit = kb.search("xin giay phep xay dung nha o")[0].procedure
    assert "giấy phép xây dựng" in hit.name.lower() and "đường" not in hit.name.lower()


def test_a_rewrite_adds_a_hint_without_outranking_the_question(kb: KnowledgeBase) -> None:
    # "người nước ngoài" hints at "yếu tố nước ngoài" (civil status with a foreigner), but
    # a question about extending a visa is about the visa.
    visa = {"1.001194", "1.003342", "1.001146", "1.003326"}
    assert top_code(kb, "gia han visa cho nguoi nuoc ngoai") in visa
    assert top_code(kb, "gia hạn visa cho người nước ngoài") in visa
    assert top_code(kb, "dang ky ket hon voi nguoi nuoc ngoai") == "2.000806"


@pytest.mark.parametrize("query", ["khai tu", "lam giay khai tu o dau", "khai tu can giay to gi"])
def test_a_little_word_that_completes_a_term_is_not_filler(kb: KnowledgeBase, query: str) -> None:
    # "tu" is usually filler (từ) at the end or before filler, but "khai tu" is khai tử.
    assert top_code(kb, query) == "1.000656"


def test_an_asking_sentence_that_names_nothing_asks_about_the_one_before() -> None:
    from knowledge.model import Procedure

    kb = KnowledgeBase(
        [
            Procedure(code="9.1", name="Đăng ký kết hôn", field="Hộ tịch"),
            Procedure(code="9.2", name="Bổ sung thông tin hộ tịch", field="Hộ tịch"),
        ]
    )
    question = (
        "Vợ chồng tôi đăng ký kết hôn năm 2010 tại xã, giấy đăng ký kết hôn thiếu quê quán. "
        "Nay tôi muốn bổ sung. Vậy tôi xin hỏi có được không?"
    )
    assert top_code(kb, question) == "9.2"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # A company's name and charter are settled when it is founded.
        (
            "Công ty có được dùng tiếng Anh để đặt tên doanh nghiệp không?",
            {"2.001199", "2.001583", "2.001610", "2.002042", "2.002043"},
        ),
        ("Quê quán trong giấy khai sinh của tôi bị ghi sai, sửa thế nào?", {"1.004859"}),
        ("chung thuc ban sao mat phi bao nhieu 1 trang", {"2.000815"}),
    ],
)
def test_a_topic_of_a_procedure_finds_it_though_its_name_says_otherwise(
    kb: KnowledgeBase, query: str, expected: set[str]
) -> None:
    assert top_code(kb, query) in expected


def test_the_clinic_on_a_health_insurance_card_leads_to_the_card(kb: KnowledgeBase) -> None:
    """The clinic is printed on the card: changing it changes the card's details. Hospitals'
    own BHYT contracts share the question's words, so the card is offered among the first."""
    hits = kb.search("Tôi muốn chuyển nơi khám chữa bệnh ban đầu sang bệnh viện gần nhà")
    assert "1.002759" in [h.procedure.code for h in hits[:3]]


def test_a_long_question_about_a_topic_no_record_covers_gets_no_procedure(
    kb: KnowledgeBase,
) -> None:
    question = (
        "Tôi vừa bị công ty cho nghỉ việc do cắt giảm nhân sự, đã đóng bảo hiểm được ba năm. "
        "Tôi muốn hưởng trợ cấp thất nghiệp thì nộp hồ sơ ở đâu và trong thời hạn bao lâu?"
    )
    assert kb.search(question) == []
    # The same topic as the purpose of a procedure the records have does not silence it.
    purpose = "Tôi cần xác nhận thông tin về cư trú để làm hồ sơ hưởng trợ cấp thất nghiệp ở đâu?"
    assert top_code(kb, purpose) == "1.010041"


def test_out_of_scope_topics_share_no_words_with_a_record_name(kb: KnowledgeBase) -> None:
    from knowledge.lexicon import default_lexicon, find_phrases

    lex = default_lexicon()
    assert lex.out_of_scope_topics
    for p in kb:
        words = lex.expand_record([w[1] for w in split_words(p.name)])
        assert not find_phrases(words, lex.out_of_scope_topics), p.name


def test_popularity_lifts_a_record_only_as_far_as_it_fits_the_question() -> None:
    """A popular record ("Đăng ký tạm trú") gets its whole prior when it fits the question as
    well as the best record, and less when the question barely touches it."""
    from knowledge.model import Procedure

    procedures = [
        Procedure(code="9.1", name="Đăng ký tạm trú", field="Cư trú"),
        Procedure(code="9.2", name="Yêu cầu thi hành án dân sự", field="Thi hành án dân sự"),
    ] + [Procedure(code=f"8.{i}", name=f"Thủ tục số {i} khác", field="Khác") for i in range(120)]
    popular = KnowledgeBase(procedures, popularity={"9.1": 1})
    plain = KnowledgeBase(procedures)

    def gain(query: str) -> float:
        def score(kb: KnowledgeBase) -> float:
            return next(h.score for h in kb.search(query) if h.procedure.code == "9.1")

        return score(popular) - score(plain)

    fits = gain("đăng ký tạm trú ở Hà Nội")
    touches = gain(
        "Tôi đang tạm trú ở Hà Nội, có bản án buộc người kia trả tiền nhưng họ không trả. "
        "Tôi phải làm đơn yêu cầu thi hành án ở đâu?"
    )
    assert fits > 0
    assert touches < fits / 2


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # "hôm qua" is when, "đi" is a verb of motion: neither names a procedure.
        ("bo toi mat hom qua, di khai tu can giay to gi", "1.000656"),
        ("bố tôi mất hôm qua, đi khai tử cần giấy tờ gì", "1.000656"),
        # "ở xã" asks where; "di chúc" keeps its "di".
        ("lap di chuc o xa duoc ko", "2.001019"),
        # ... but "nhà ở xã hội" stays whole.
        ("dang ky nha o xa hoi", "1.014632"),
    ],
)
def test_chat_fillers_do_not_hide_the_procedure(
    kb: KnowledgeBase, query: str, expected: str
) -> None:
    assert top_code(kb, query) == expected


def test_losing_a_parents_card_is_not_a_death(kb: KnowledgeBase) -> None:
    """ "mẹ tôi mất" is a death, "mẹ tôi mất căn cước" a lost card: the everyday phrase only
    hints at the death registration, so the card wins when one is named."""
    hits = kb.search("mẹ tôi mất căn cước thì làm lại thế nào")
    assert hits and "căn cước" in hits[0].procedure.name.lower()
    assert top_code(kb, "bo toi mat, lam khai tu o dau") == "1.000656"
