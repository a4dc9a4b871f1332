"""Small talk, digits and follow-up detection on the words citizens actually type."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from handlers.intents import SmallTalk, digit_choice, is_follow_up, small_talk, strip_greeting


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("chào", SmallTalk.GREETING),
        ("Chào bạn!", SmallTalk.GREETING),
        ("xin chào trợ lý", SmallTalk.GREETING),
        ("ALO", SmallTalk.GREETING),
        ("hi ad", SmallTalk.GREETING),
        ("cảm ơn nhé", SmallTalk.THANKS),
        ("cam on ban nhieu", SmallTalk.THANKS),
        ("ok tks", SmallTalk.THANKS),
        ("bye", SmallTalk.GOODBYE),
        ("trợ giúp", SmallTalk.HELP),
        ("Hồ sơ của tôi", SmallTalk.MY_DOSSIERS),
        ("tra cứu hồ sơ", SmallTalk.LOOKUP_HELP),
        ("ho so cua toi den dau roi", SmallTalk.MY_DOSSIERS),
        ("hồ sơ đến đâu rồi ạ", SmallTalk.LOOKUP_HELP),
        ("xem hồ sơ cần những gì để làm hộ chiếu", None),
        ("chào, cho hỏi làm khai sinh", None),
        ("cảm ơn, còn lệ phí thì sao", None),
        ("chào mừng", None),
        ("", None),
        # acknowledgements
        ("ok", SmallTalk.ACK),
        ("vâng ạ", SmallTalk.ACK),
        ("hiểu rồi", SmallTalk.ACK),
        ("cảm ơn, hiểu rồi", SmallTalk.THANKS),
        ("ok, còn lệ phí thì sao", None),
        # who the bot is
        ("bạn là ai", SmallTalk.IDENTITY),
        ("ban ten gi vay", SmallTalk.IDENTITY),
        ("bạn là người thật hay bot", SmallTalk.IDENTITY),
        # weather, prices, jokes, the rest of the world
        ("thời tiết hôm nay thế nào", SmallTalk.WEATHER),
        ("mai troi co mua khong", SmallTalk.WEATHER),
        ("giá vàng hôm nay bao nhiêu", SmallTalk.PRICES),
        ("ty gia usd", SmallTalk.PRICES),
        ("kể chuyện cười đi", SmallTalk.JOKE),
        ("xổ số miền bắc hôm nay", SmallTalk.OFF_TOPIC),
        ("kết quả bóng đá tối qua", SmallTalk.OFF_TOPIC),
        ("mấy giờ rồi", SmallTalk.OFF_TOPIC),
        # insults, and the words that only look like them
        ("đồ ngu", SmallTalk.INSULT),
        ("bot ngu quá", SmallTalk.INSULT),
        ("vô dụng", SmallTalk.INSULT),
        ("dm", SmallTalk.INSULT),
        ("bạn ngủ chưa", None),  # "ngủ" is not "ngu"
        ("nhập ngũ cần giấy tờ gì", None),
        ("thương binh bị cụt chân hưởng trợ cấp", None),
        ("làm cc mất bao lâu", None),  # cc: căn cước
        ("bị lừa đảo thì báo ở đâu", None),
        # a procedure question that mentions the same words is a question
        ("lệ phí đăng ký xe giá bao nhiêu", None),
        ("giá bao nhiêu", None),  # a follow-up about the fee of the procedure discussed
        ("khai thuế đại lý xổ số", None),
        ("cấp giấy phép kinh doanh vàng", None),
        ("còn bao lâu", None),
        ("giấy phép hoạt động dự báo thời tiết", None),
    ],
)
def test_small_talk(text: str, kind: SmallTalk | None) -> None:
    assert small_talk(text) == kind


def test_no_question_about_a_procedure_is_taken_for_small_talk() -> None:
    """Every query of the shared dev set and of the portal-style sets that expects a procedure
    goes to the search, whatever words it uses."""
    shared = Path(__file__).resolve().parents[3] / "shared" / "eval" / "dev_queries.jsonl"
    files = [shared] if shared.exists() else []  # a clone without ../shared has its own sets
    files += sorted((Path(__file__).resolve().parents[1] / "knowledge" / "data").glob("*.jsonl"))
    questions = 0
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("expected"):
                questions += 1
                assert small_talk(row["query"]) is None, row["query"]
    assert questions > 500


def test_strip_greeting_keeps_the_question() -> None:
    assert strip_greeting("Chào bạn, cho hỏi làm khai sinh") == "cho hỏi làm khai sinh"
    assert strip_greeting("xin chào! đăng ký kết hôn") == "đăng ký kết hôn"
    assert strip_greeting("chào mừng") == "chào mừng"


@pytest.mark.parametrize(
    ("text", "number"),
    [("1", 1), ("2.", 2), ("số 3", 3), ("chọn 2 ạ", 2), (" 1 ", 1), ("12a", None), ("1 2", None)],
)
def test_digit_choice(text: str, number: int | None) -> None:
    assert digit_choice(text) == number


@pytest.mark.parametrize(
    "text",
    [
        "còn lệ phí thì sao?",
        "con le phi thi sao",
        "nộp ở đâu",
        "mất bao lâu",
        "cần giấy tờ gì",
        "nop online dc ko",
        "thủ tục này cần những gì ạ",
        "cac buoc thuc hien the nao",
        "có nộp trực tuyến được không",
    ],
)
def test_aspect_only_messages_are_follow_ups(text: str) -> None:
    assert is_follow_up(text)


@pytest.mark.parametrize(
    "text",
    [
        "lệ phí sổ đỏ",
        "làm hộ chiếu mất bao lâu",
        "lệ phí đăng ký kết hôn",
        "đăng ký tạm trú ở đâu",
        "cap doi can cuoc mat bao lau",
    ],
)
def test_a_named_procedure_is_not_a_follow_up(text: str) -> None:
    assert not is_follow_up(text)
