"""The term index: field weights, document frequency, shared texts counted once, postings."""

from __future__ import annotations

import numpy as np

from knowledge.index import Folder, TermIndex, record_fields
from knowledge.lexicon import default_lexicon
from knowledge.model import Document, Procedure


def _procedures() -> list[Procedure]:
    papers = (Document(name="Tờ khai đăng ký khai sinh"), Document(name="Giấy chứng sinh"))
    return [
        Procedure(
            code="1",
            name="Đăng ký khai sinh",
            field="Hộ tịch",
            steps="Nộp tờ khai tại UBND cấp xã",
            documents=papers,
        ),
        # A sibling with the same texts at another level: indexed like the first one.
        Procedure(
            code="2",
            name="Đăng ký khai sinh",
            field="Hộ tịch",
            steps="Nộp tờ khai tại UBND cấp xã",
            documents=papers,
        ),
        Procedure(
            code="3",
            name="Đăng ký kết hôn",
            field="Hộ tịch",
            steps="Hai bên nam nữ nộp tờ khai đăng ký kết hôn; giấy chứng sinh không cần",
        ),
        Procedure(code="4", name="Cấp giấy phép lái xe", field="Đường bộ", steps="Sát hạch"),
    ]


def test_a_term_in_the_name_weighs_more_than_in_the_steps() -> None:
    index = TermIndex(_procedures(), default_lexicon())
    postings = index.postings["ket hon"]
    assert postings.ids.tolist() == [2]
    chung = index.postings["chung"]  # documents of 1 and 2, steps of 3 (unigrams only)
    by_doc = dict(zip(chung.ids.tolist(), chung.impacts.tolist(), strict=True))
    assert by_doc[0] == by_doc[1] > by_doc[2] > 0
    assert index.postings["khai sinh"].impacts.max() > by_doc[0]


def test_postings_are_sorted_unique_and_cover_each_record_once() -> None:
    index = TermIndex(_procedures(), default_lexicon())
    for term, postings in index.postings.items():
        ids = postings.ids.tolist()
        assert ids == sorted(set(ids)), term
        assert np.all(postings.impacts > 0), term
    # "dang ky" is in three names: it tells less than "lai xe" in one.
    assert index.weight("dang ky") < index.weight("lai xe")
    assert index.weight("never seen") == index.idf_max


def test_record_fields_spell_out_abbreviations_and_cap_documents() -> None:
    folder = Folder(default_lexicon())
    long_docs = tuple(Document(name=f"Giấy tờ số {i} của người yêu cầu") for i in range(500))
    procedure = Procedure(code="9", name="Cấp thẻ BHYT", field="BHXH", documents=long_docs)
    fields = record_fields(procedure, folder)
    assert fields["name"] == ["cap", "the", "bao", "hiem", "y", "te"]
    assert fields["field"][:3] == ["bao", "hiem", "xa"]
    assert 0 < len(" ".join(fields["documents"])) <= 3100
    assert folder.words("Cấp thẻ BHYT") is folder.words("Cấp thẻ BHYT")  # remembered


def test_a_purpose_clause_is_not_part_of_the_name_head() -> None:
    from knowledge.index import name_head

    lexicon = default_lexicon()
    name = "Cấp Giấy chứng nhận kiểm dịch thủy sản nhập khẩu để tiêu thụ trong nước"
    assert name_head(name, lexicon)[-4:] == ["thuy", "san", "nhap", "khau"]
    # "đề án" and "đê điều" fold like "để" but start no qualifier.
    assert name_head("Phê duyệt đề án vị trí việc làm", lexicon)[-2:] == ["viec", "lam"]
    assert name_head("Cấp phép hoạt động liên quan đê điều", lexicon)[-2:] == ["de", "dieu"]


def test_situations_are_indexed_apart_from_the_records_own_texts() -> None:
    """A record's everyday situations (knowledge.situations) are an index of their own (the
    ranking weighs them as a feature); their words are no typo targets."""
    stories = [("Tôi đi làm ăn xa nhà hơn một năm",), (), (), ("Con tôi học lái xe máy",)]
    index = TermIndex(_procedures(), default_lexicon(), situations=stories)
    assert index.postings["lam an"].ids.tolist() == [0]  # pairs too
    assert index.postings["lai xe"].ids.tolist() == [3]
    assert "khai sinh" not in index.postings  # the records' own texts are not in it
    assert "xa" not in index.vocabulary and "an" not in index.vocabulary


def test_situations_reach_the_same_procedure_at_its_other_levels() -> None:
    from knowledge.situations import per_record

    keys = ["khai sinh", "khai sinh", "ket hon"]
    assert per_record(["1", "2", "3"], keys, {"2": ("a",), "3": ("b",)}) == [
        ("a",),
        ("a",),
        ("b",),
    ]
    assert per_record(["1", "2"], ["k", "k"], {"1": ("own",), "2": ("other",)}) == [
        ("own",),
        ("other",),
    ]
