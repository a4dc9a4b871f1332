"""Vietnamese normalisation: Unicode forms, diacritics, đ, case, spacing, punctuation."""

from __future__ import annotations

import unicodedata

import pytest

from knowledge.normalise import fold, marks_key, nfc, repair


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Đăng ký khai sinh", "dang ky khai sinh"),
        ("ĐĂNG KÝ   KẾT HÔN!!!", "dang ky ket hon"),
        ("  hộ-chiếu,  phổ_thông? ", "ho chieu pho thong"),
        ("Giấy CN QSDĐ", "giay cn qsdd"),
        ("", ""),
        ("🙂🙂", ""),
    ],
)
def test_fold_lowers_strips_diacritics_and_punctuation(text: str, expected: str) -> None:
    assert fold(text) == expected


def test_fold_is_the_same_for_nfc_and_nfd() -> None:
    text = "Cấp lại thẻ căn cước, đổi giấy phép lái xe"
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    assert fold(nfd) == fold(text) == "cap lai the can cuoc doi giay phep lai xe"


def test_fold_drops_zero_width_and_control_characters() -> None:
    assert fold("khai\u200b sinh\x07") == "khai sinh"


def test_nfc_composes_and_keeps_line_breaks() -> None:
    nfd = unicodedata.normalize("NFD", "Bước 1:  nộp\u200b hồ sơ\nBước 2")
    out = nfc(nfd)
    assert out == "Bước 1: nộp hồ sơ\nBước 2"
    assert unicodedata.is_normalized("NFC", out)


def test_repair_decodes_mojibake_and_leaves_good_text_alone() -> None:
    good = "Đăng ký khai sinh"
    garbled = good.encode("utf-8").decode("latin-1")
    assert garbled != good
    assert repair(garbled) == good
    assert repair(good) == good


def test_marks_key_ignores_where_the_tone_sits_but_not_which_marks() -> None:
    assert marks_key("hoá") == marks_key("hóa")
    assert marks_key("Thuỷ") == marks_key("thủy")
    assert marks_key("buồn") != marks_key("buôn")
    assert marks_key("đá") != marks_key("dá")
