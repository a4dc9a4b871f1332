"""split_text: every part fits the limit, boundaries are as coarse as possible, nothing is lost."""

from __future__ import annotations

import random
import re

import pytest

from handlers.split import split_text

WORDS = [
    "Thủ", "tục", "đăng", "ký", "khai", "sinh.", "hồ", "sơ!", "lệ", "phí;", "https://dichvucong.gov.vn/x",
    "\n", "\n\n", "Giấy", "chứng", "sinh?", "a", "x" * 30,
]  # fmt: skip


def _squash(text: str) -> str:
    return re.sub(r"\s", "", text)


@pytest.mark.parametrize("seed", range(20))
def test_random_texts_are_split_into_parts_within_the_limit_losing_nothing(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(100):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 300)))
        limit = rng.randint(1, 200)
        parts = split_text(text, limit)
        assert all(0 < len(p) <= limit for p in parts)
        assert all(p == p.strip() for p in parts)
        assert _squash("".join(parts)) == _squash(text)
        if limit >= 30:  # no word is longer than the limit: words are never cut
            assert " ".join(parts).split() == text.split()


def test_short_text_is_one_part_and_blank_text_none() -> None:
    assert split_text("  Xin chào ông/bà.  ", 4096) == ["Xin chào ông/bà."]
    assert split_text(" \n\t ", 10) == []


def test_paragraphs_are_kept_whole_when_they_fit() -> None:
    first = "Hồ sơ gồm: tờ khai; giấy chứng sinh."
    second = "Thời hạn: 1 ngày làm việc."
    parts = split_text(f"{first}\n\n{second}", len(first) + 5)
    assert parts == [first, second]


def test_lines_then_sentences_then_words() -> None:
    text = "Dòng một khá dài.\nCâu hai. Câu ba dài hơn một chút nữa."
    parts = split_text(text, 20)
    assert parts[0] == "Dòng một khá dài."
    assert "Câu hai." in parts
    assert all(len(p) <= 20 for p in parts)


def test_a_word_longer_than_the_limit_is_cut_without_parting_combining_marks() -> None:
    word = "Nghi\u0323" * 10  # decomposed "ị": a combining dot below after each i
    parts = split_text(word, 5)
    assert "".join(parts) == word
    assert all(len(p) <= 5 for p in parts)
    assert not any(p[0] == "\u0323" for p in parts)


def test_telegram_and_zalo_limits_on_a_long_answer() -> None:
    text = "\n".join(
        f"• Giấy tờ số {i}: bản chính giấy chứng nhận quyền sử dụng đất." for i in range(400)
    )
    for limit in (4096, 2000):
        parts = split_text(text, limit)
        assert len(parts) > 1
        assert all(len(p) <= limit for p in parts)
        # a line is never cut: every part starts with a bullet
        assert all(p.startswith("•") for p in parts)


def test_invalid_limit_is_refused() -> None:
    with pytest.raises(ValueError):
        split_text("abc", 0)
