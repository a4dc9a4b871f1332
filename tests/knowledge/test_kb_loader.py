"""Loading both record shapes, with the quirks of the source reported and never fatal."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from knowledge.base import KnowledgeBase
from knowledge.loader import LoadProblem, ProblemKind, load_procedures

SKIPPED = {ProblemKind.FILE, ProblemKind.JSON, ProblemKind.RECORD, ProblemKind.DUPLICATE}


def skipped(problems: list[LoadProblem]) -> list[LoadProblem]:
    """Problems that cost a record (the others repair a kept record and say so)."""
    return [p for p in problems if p.kind in SKIPPED]


DVCQG: dict[str, Any] = {
    "ma_thu_tuc": "1.000001",
    "ten_thu_tuc": "Thủ tục đăng ký khai sinh",
    "bo_nganh": "Bộ Tư pháp",
    "cap_thuc_hien": ["Cấp Xã"],
    "linh_vuc": "Hộ tịch",
    "doi_tuong_thuc_hien": ["Công dân Việt Nam"],
    "co_quan_thuc_hien": "UBND cấp xã",
    "trinh_tu_thuc_hien": "Bước 1: nộp hồ sơ. Giải quyết trong 1 ngày làm việc.",
    "cach_thuc_thuc_hien": [
        {
            "hinh_thuc": "Trực tiếp",
            "thoi_han": "1",
            "phi_le_phi": "Miễn phí",
            "ghi_chu_phi": "Lệ phí cấp bản sao: 8.000 đồng/bản",
            "mo_ta": None,
        },
        {
            "hinh_thuc": "Trực tuyến",
            "thoi_han": "1",
            "phi_le_phi": "Miễn phí",
            "ghi_chu_phi": None,
            "mo_ta": None,
        },
    ],
    "thanh_phan_ho_so": [
        {
            "nhom": "Giấy tờ phải nộp",
            "ten_giay_to": "Tờ khai đăng ký khai sinh",
            "mau_don": "TK.doc",
            "so_luong": "Bản chính: 1",
        },
    ],
    "yeu_cau_dieu_kien": None,
    "can_cu_phap_ly": "Luật Hộ tịch 2014",
    "ket_qua_thuc_hien": [{"ten": "Giấy khai sinh", "ma": "KQ1"}],
    "detail_url": "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=1",
}

BQP: dict[str, Any] = {
    "ma_thu_tuc": "1.013124",
    "ten_thu_tuc": "Thủ tục thẩm định kế hoạch ứng phó sự cố tràn dầu",
    "bo_nganh": "Bộ Quốc phòng",
    "cap_thuc_hien": ["Cấp Bộ"],
    "linh_vuc": "Ứng phó sự cố tràn dầu",
    "doi_tuong_thuc_hien": (
        "Công dân Việt Nam, Tổ chức (không bao gồm doanh nghiệp, HTX), Hợp tác xã"
    ),
    "trinh_tu_thuc_hien": "Bước 1: gửi hồ sơ.",
    "cach_thuc_thuc_hien": [
        {
            "hinh_thuc": "Trực tiếp",
            "thoi_han": "30 Ngày làm việc",
            "phi_le_phi": "Phí : 0 Đồng",
            "mo_ta": None,
        },
    ],
    "thanh_phan_ho_so": [
        {"ten_giay_to": "Văn bản đề nghị", "mau_don": None, "so_ban_chinh": 1, "so_ban_sao": 2},
    ],
    "ket_qua_thuc_hien": "Quyết định phê duyệt kế hoạch.",
    "can_cu_phap_ly": [
        {
            "so_ky_hieu": "12",
            "trich_yeu": "Quyết định số 12/2021/QĐ-TTg",
            "ngay_ban_hanh": "24-03-2021",
            "co_quan_ban_hanh": "Thủ tướng Chính phủ",
        },
    ],
    "source_file": "ChiTietTTHC_1.013124.doc",
}


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_both_shapes_load_into_one_model(tmp_path: Path) -> None:
    a = write_jsonl(tmp_path / "a.jsonl", [json.dumps(DVCQG, ensure_ascii=False)])
    b = write_jsonl(tmp_path / "b.jsonl", [json.dumps(BQP, ensure_ascii=False)])
    result = load_procedures([a, b])
    assert [(p.line, p.kind) for p in result.problems] == [(1, ProblemKind.FORM_FILE)]
    assert "TK.doc" in result.problems[0].reason and "1.000001" in result.problems[0].reason
    birth, oil = result.procedures
    assert birth.documents[0].form is None  # a file name means nothing to a citizen
    assert birth.levels == ("Cấp xã",)  # "Cấp Xã" and "Cấp xã" are one level
    assert birth.documents[0].group == "Giấy tờ phải nộp"
    assert birth.results == ("Giấy khai sinh",)
    assert birth.detail_url and birth.detail_url.startswith("https://dichvucong.gov.vn")
    assert birth.online
    assert oil.audiences == (
        "Công dân Việt Nam",
        "Tổ chức (không bao gồm doanh nghiệp, HTX)",
        "Hợp tác xã",
    )
    assert oil.documents[0].copies == "1 bản chính, 2 bản sao"
    assert oil.results == ("Quyết định phê duyệt kế hoạch.",)
    assert oil.legal_basis == "Quyết định số 12/2021/QĐ-TTg"
    assert oil.detail_url is None
    assert oil.source == "b.jsonl"
    assert not oil.online


def test_free_fee_is_never_shown_without_its_note(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [json.dumps(DVCQG, ensure_ascii=False)])
    direct = load_procedures([path]).procedures[0].ways[0]
    assert direct.fee == "Miễn phí"
    assert direct.fee_note == "Lệ phí cấp bản sao: 8.000 đồng/bản"
    assert direct.fee_text is not None
    assert "Miễn phí" in direct.fee_text and "8.000 đồng" in direct.fee_text


def test_unit_less_time_gets_a_unit_from_the_steps(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [json.dumps(DVCQG, ensure_ascii=False)])
    procedure = load_procedures([path]).procedures[0]
    assert procedure.ways[0].time == "1"
    time = procedure.processing_time()
    assert time is not None
    assert (time.amount, time.unit) == (1, "working_days")


def test_bad_lines_are_reported_with_line_and_reason_and_the_rest_loads(tmp_path: Path) -> None:
    second = dict(DVCQG, ma_thu_tuc="1.000002", ten_thu_tuc="Thủ tục đăng ký kết hôn")
    path = write_jsonl(
        tmp_path / "mixed.jsonl",
        [
            json.dumps(DVCQG, ensure_ascii=False),
            '{"ma_thu_tuc": "1.9", "ten_thu_tuc": ',  # truncated JSON
            "",
            "[1, 2, 3]",
            json.dumps({"ten_thu_tuc": "Không có mã"}, ensure_ascii=False),
            json.dumps(dict(DVCQG, ten_thu_tuc="Bản trùng"), ensure_ascii=False),
            json.dumps(second, ensure_ascii=False),
        ],
    )
    result = load_procedures([path])
    assert [p.code for p in result.procedures] == ["1.000001", "1.000002"]
    assert result.procedures[0].name == "Thủ tục đăng ký khai sinh"  # the first record wins
    reasons = {problem.line: problem.reason for problem in skipped(result.problems)}
    assert set(reasons) == {2, 4, 5, 6}
    assert "invalid JSON" in reasons[2]
    assert "JSON object" in reasons[4]
    assert "no procedure code" in reasons[5]
    assert "duplicate code 1.000001" in reasons[6]
    assert all(problem.path == str(path) for problem in result.problems)


def test_garbled_text_is_repaired_or_reported_never_fatal(tmp_path: Path) -> None:
    mojibake = dict(DVCQG, ten_thu_tuc="Thủ tục đăng ký khai sinh".encode().decode("latin-1"))
    broken = dict(DVCQG, ma_thu_tuc="1.000003", trinh_tu_thuc_hien="Bước 1: n\ufffd\ufffdp")
    weird_types = dict(
        DVCQG,
        ma_thu_tuc="1.000004",
        cach_thuc_thuc_hien="không phải danh sách",
        thanh_phan_ho_so=[None, 3, {"mau_don": "x"}],
        cap_thuc_hien=None,
    )
    path = write_jsonl(
        tmp_path / "g.jsonl",
        [json.dumps(r, ensure_ascii=False) for r in (mojibake, broken, weird_types)],
    )
    result = load_procedures([path])
    first, second, third = result.procedures
    assert first.name == "Thủ tục đăng ký khai sinh"
    assert "\ufffd" in second.steps
    garbled = [p for p in result.problems if p.kind is ProblemKind.GARBLED]
    assert [(p.line, "garbled" in p.reason) for p in garbled] == [(2, True)]
    assert skipped(result.problems) == []
    assert third.ways == () and third.documents == () and third.levels == ()


def test_missing_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    result = load_procedures([tmp_path / "absent.jsonl"])
    assert result.procedures == []
    assert result.problems[0].line == 0
    assert "cannot read" in result.problems[0].reason


def test_shipped_data_loads_whole(kb: KnowledgeBase) -> None:
    assert len(kb) == 2849
    assert skipped(kb.problems) == []  # every record is kept; repairs are reported
    birth = kb.get("1.001193")
    assert birth is not None and birth.field == "Hộ tịch"
    assert "Hộ tịch" in kb.fields()
    assert birth in kb.in_field("Hộ tịch")
    licence = kb.get("3.000347")  # "Miễn phí" with the real fee in the note
    assert licence is not None
    assert any("135.000" in (w.fee_text or "") for w in licence.ways)
    assert kb.get("9.999999") is None


# --- repairs on real records: what the crawl glued or misplaced is cut, and reported -------


def _problem(kb: KnowledgeBase, code: str, kind: ProblemKind) -> LoadProblem | None:
    return next((p for p in kb.problems if p.kind is kind and p.reason.startswith(code)), None)


def test_form_file_names_are_dropped_and_reported(kb: KnowledgeBase) -> None:
    # 1.004194 (đăng ký tạm trú): "mau_don": "Thngts53.doc", a file name stripped of accents.
    stay = kb.get("1.004194")
    assert stay is not None and stay.documents
    assert all(d.form is None for d in stay.documents)
    problem = _problem(kb, "1.004194", ProblemKind.FORM_FILE)
    assert problem is not None and "Thngts53.doc" in problem.reason
    assert all(".doc" not in (d.form or "") for p in kb for d in p.documents)


def test_garbled_fragments_are_cut_from_document_names(kb: KnowledgeBase) -> None:
    # "...(Mẫu CT01 ban hành kèm theo Thông tư số 53/2025/TT-BCA).1.MuCT01banhnhkmtheo"
    stay = kb.get("1.004194")
    assert stay is not None
    form = next(d for d in stay.documents if d.name.startswith("Tờ khai thay đổi"))
    assert form.name.endswith(("TT-BCA).", "TT-BCA)", "bằng văn bản;", "bằng văn bản"))
    assert "MuCT01" not in " ".join(d.name for d in stay.documents)
    problem = _problem(kb, "1.004194", ProblemKind.FRAGMENT)
    assert problem is not None and "MuCT01banhnhkmtheo" in problem.reason
    # "...hết hạnmau so 20.doc" (1.000049): a file name glued to the last word.
    certificate = kb.get("1.000049")
    assert certificate is not None
    names = " ".join(d.name for d in certificate.documents)
    assert ".doc" not in names and "hết hạn" in names
    # No document name anywhere still carries a file name (“.doc” in quotes is prose).
    file_name = re.compile(r"(?<![“\"])\.(?:docx?|pdf)(?![a-z])", re.IGNORECASE)
    for procedure in kb:
        for doc in procedure.documents:
            assert not file_name.search(doc.name), doc.name


def test_steps_put_in_the_document_column_are_steps(kb: KnowledgeBase) -> None:
    # 1.001613 (BHXH một lần): the steps stop at "mục 9.3 (" and the document column holds
    # ") và nộp cho cơ quan BHXH. Bước 2. ...": the rest of the steps, not documents.
    lump = kb.get("1.001613")
    assert lump is not None and lump.steps_in_documents
    assert lump.documents == () and lump.documents_text is None
    assert "(Thành phần hồ sơ) và nộp cho cơ quan BHXH" in lump.full_steps
    assert "Bước 3" in lump.full_steps
    assert _problem(kb, "1.001613", ProblemKind.STEPS_IN_DOCUMENTS) is not None
    # A real document text is kept as documents (1.009541: a flattened table, headers cut).
    table = kb.get("1.009541")
    assert table is not None and not table.steps_in_documents
    assert table.documents_text and "Tên giấy tờ" not in table.documents_text


def test_document_text_that_says_nothing_is_dropped(kb: KnowledgeBase) -> None:
    # 6.003500: the document column holds a result code, "KQ.G04.000398".
    ferry = kb.get("6.003500")
    assert ferry is not None and ferry.documents_text is None
    assert _problem(kb, "6.003500", ProblemKind.NOISE) is not None


def test_problem_counts_by_kind(kb: KnowledgeBase) -> None:
    counts = {str(k): 0 for k in ProblemKind}
    for problem in kb.problems:
        counts[str(problem.kind)] += 1
    assert counts["form_file"] > 1000  # records with form file names
    assert counts["fragment"] > 100
    assert counts["steps_in_documents"] >= 20
    assert counts["record"] == counts["json"] == counts["duplicate"] == 0
