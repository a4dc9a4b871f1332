"""Receipt codes: any spelling a person types gives one canonical code; the rest is told apart."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.dossiers.codes import (
    CodeProblem,
    MalformedCode,
    ReceiptCode,
    canonical_code,
    find_code,
    parse_receipt_code,
)

CANON = "000.00.20.H56-210615-0001"


@pytest.mark.parametrize(
    "typed",
    [
        CANON,
        "000.00.20.h56-210615-0001",
        "000.00.20.h56 210615 0001",
        "000 00 20 H56 2106150001",
        "0000020H562106150001",
        "  000.00.20.H56 - 210615 - 0001 ",
        "000-00-20-h56-210615-0001",
        "000.00.20.H56.210615.0001",
    ],
)
def test_any_spelling_gives_the_canonical_code(typed: str) -> None:
    parsed = parse_receipt_code(typed)
    assert isinstance(parsed, ReceiptCode)
    assert parsed.canonical == CANON
    assert parsed.agency == "000.00.20.H56"
    assert parsed.received_on == date(2021, 6, 15)
    assert parsed.sequence == 1
    assert canonical_code(typed) == CANON


def test_other_agencies_keep_their_letters() -> None:
    assert canonical_code("g22.12.01.h26-240229-0123") == "G22.12.01.H26-240229-0123"


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", CodeProblem.EMPTY),
        ("1.001193", CodeProblem.PROCEDURE_CODE),
        ("000.00.20.H56-210615-001", CodeProblem.TOO_SHORT),
        ("000.00.20.H56-210615-00011", CodeProblem.TOO_LONG),
        ("000.00.20.556-210615-0001", CodeProblem.BAD_AGENCY),
        ("000.00.20.H56-211315-0001", CodeProblem.BAD_DATE),  # month 13
        ("000.00.20.H56-230229-0001", CodeProblem.BAD_DATE),  # 2023 is not a leap year
        ("000.00.20.H56-210615-0000", CodeProblem.BAD_SEQUENCE),
        ("mã hồ sơ", CodeProblem.BAD_CHARACTERS),
    ],
)
def test_malformed_codes_say_why(typed: str, problem: CodeProblem) -> None:
    parsed = parse_receipt_code(typed)
    assert isinstance(parsed, MalformedCode)
    assert parsed.reason == problem
    assert canonical_code(typed) is None


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("tra cứu hồ sơ 000.00.20.h56 210615 0001 giúp tôi", "000.00.20.h56 210615 0001"),
        ("Mã: 000.00.20.H56-210615-0001.", "000.00.20.H56-210615-0001"),
        ("ho so 0000020H562106150001 cua toi", "0000020H562106150001"),
        ("ma hs 000.00.20.H56-2106-0001 sai a", "000.00.20.H56-2106-0001"),  # malformed attempt
        ("mã:000.00.20.h56-210615-0001, cảm ơn", "000.00.20.h56-210615-0001"),
        ("(000.00.20.H56-210615-0001)", "000.00.20.H56-210615-0001"),
        ("biên nhận H56.210615.0001 nhé", "H56.210615.0001"),
    ],
)
def test_find_code_spots_attempts_in_free_text(text: str, found: str) -> None:
    assert find_code(text) == found


@pytest.mark.parametrize(
    "text",
    [
        "thủ tục 1.001193 cần giấy tờ gì",
        "số điện thoại của tôi là 0912345678",
        "nộp ngày 15/06/2021 lúc 8 giờ",
        "CCCD 001203004567, sinh năm 1990",
        "đăng ký khai sinh cho con",
        "",
    ],
)
def test_find_code_ignores_procedure_codes_phones_and_prose(text: str) -> None:
    assert find_code(text) is None


def test_found_attempt_parses_to_the_code() -> None:
    found = find_code("cho tôi hỏi hồ sơ 000 00 20 H56 2106150001 với")
    assert found is not None
    assert canonical_code(found) == CANON


# --- every spelling people type: dashes, spaces around separators, full-width, commas -------


@pytest.mark.parametrize(
    "typed",
    [
        "000.00.20.H56–210615–0001",  # en dashes (phone keyboards turn "--" into them)
        "000.00.20.H56—210615—0001",  # em dashes
        "000.00.20.H56‐210615‐0001",  # the Unicode hyphen
        "000.00.20.H56−210615−0001",  # the minus sign
        "000.00.20.H56 – 210615 – 0001",  # en dashes with spaces around them
        "000 . 00 . 20 . H56 - 210615 - 0001",  # spaces around every separator
        "０００.００.２０.Ｈ５６-２１０６１５-０００１",  # full-width digits and letters
        "０００．００．２０．Ｈ５６－２１０６１５－０００１",  # full-width separators too
        "000,00,20,H56-210615-0001",  # commas for dots
        "000.00.20.H56 _ 210615 _ 0001",
    ],
)
def test_every_typed_spelling_gives_the_canonical_code(typed: str) -> None:
    assert canonical_code(typed) == CANON
    found = find_code(f"cho tôi tra cứu hồ sơ {typed} với ạ")
    assert found is not None and canonical_code(found) == CANON


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("000.00.20.H56 – 210615 – 001", CodeProblem.TOO_SHORT),  # a digit missing
        ("０００.００.２０.Ｈ５６-２１１３１５-０００１", CodeProblem.BAD_DATE),  # month 13
        ("000.00.20.H56", CodeProblem.TOO_SHORT),  # the agency alone
        ("210615–0001", CodeProblem.TOO_SHORT),  # the day and number alone
        ("H56 - 210615 - 0001", CodeProblem.TOO_SHORT),
    ],
)
def test_what_looks_like_a_code_is_an_attempt_with_a_reason(
    typed: str, problem: CodeProblem
) -> None:
    found = find_code(f"mã hồ sơ {typed}")
    assert found is not None  # an attempt: the format help, never a procedure search
    parsed = parse_receipt_code(found)
    assert isinstance(parsed, MalformedCode) and parsed.reason == problem


@pytest.mark.parametrize(
    "text",
    [
        "lệ phí 100.000 - 200.000 đồng",
        "làm căn cước cho con 14 tuổi",
        "hạn nộp 2024 – 2025",
        "１.００１１９３",  # a procedure code, full-width
    ],
)
def test_dashes_and_widths_do_not_make_prose_a_code(text: str) -> None:
    assert find_code(text) is None
