"""Small talk and conversation moves in a citizen's message (greeting, thanks, a digit...).

Everything works on folded text (knowledge.normalise.fold): no diacritics, lowercase, no
punctuation, so "Chào!", "chao" and "CHÀO" are the same word.
"""

from __future__ import annotations

import re
from enum import StrEnum

from knowledge.normalise import fold


class SmallTalk(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    GOODBYE = "goodbye"
    HELP = "help"
    MY_DOSSIERS = "my_dossiers"
    LOOKUP_HELP = "lookup_help"  # wants a dossier's status but gave no code


_GREETINGS = {"chao", "hi", "hello", "helo", "alo", "hey", "xin chao", "a lo", "good morning"}
_THANKS = {"cam on", "cam on ban", "thanks", "thank", "thank you", "tks", "thanks you", "camon"}
_GOODBYES = {"tam biet", "bye", "bai", "bye bye", "goodbye"}
_HELP = {
    "help",
    "tro giup",
    "huong dan",
    "giup",
    "giup toi",
    "giup do",
    "menu",
    "ban lam duoc gi",
    "ban giup duoc gi",
    "lam duoc gi",
}
_LOOKUP = (
    "tra cuu ho so", "kiem tra ho so", "tinh trang ho so", "ho so den dau", "ho so dang o dau",
    "tra ho so", "ho so da xong chua", "ho so xong chua", "ho so toi den dau",
    "tien do ho so", "ho so da co ket qua chua", "tra cuu tinh trang",
)  # fmt: skip
_MY_DOSSIERS = ("ho so cua toi", "ho so cua minh", "ho so cua em", "xem ho so cua toi")
# Words that carry no meaning of their own around a greeting or a thank-you.
_POLITE = {
    "xin", "ban", "em", "anh", "chi", "co", "chu", "bac", "ad", "admin", "oi", "a", "ah", "nhe",
    "nha", "nhieu", "tro", "ly", "mot", "cua", "bot", "ok", "oke", "okay", "vang", "da", "roi",
    "minh", "toi", "chau", "rat", "qua", "nhen", "moi", "nguoi", "buoi", "sang", "chieu",
    "vay", "la", "duoc",
}  # fmt: skip

# Phrases and words that ask about an aspect or are filler ("còn ... thì sao?"): a message made
# only of these names no procedure and refers to the one discussed before.
_FOLLOW_UP_PHRASES = sorted(
    {
        "ho so", "giay to", "thanh phan", "chuan bi", "thoi han", "thoi gian", "bao lau",
        "le phi", "chi phi", "bao nhieu", "o dau", "cho nao", "noi nop", "co quan", "truc tuyen",
        "qua mang", "tren mang", "dien tu", "cac buoc", "trinh tu", "dieu kien", "yeu cau",
        "can cu", "phap ly", "the nao", "ra sao", "thu tuc nay", "thu tuc do", "cai nay",
        "cai do", "vui long", "cho hoi", "xin hoi", "giai quyet", "ket qua", "tra ket qua",
        "mat tien", "ton tien", "phai nop", "nop tien", "mien phi", "nop ho so", "bao gio",
        "khi nao", "may ngay", "nhu the nao", "van ban", "thu tuc", "tra loi", "dich vu cong",
        "qua app", "nop mang", "qua internet", "tham quyen", "quy trinh", "cach lam",
        "cach thuc", "doi tuong", "nghi dinh", "thong tu", "mang theo", "di dau", "den dau",
        "tai dau", "cam on", "hien nay", "thuc hien", "tien hanh", "la gi", "gom nhung",
        "bao gom", "can co", "cu the", "nhu nao", "lam sao",
    },
    key=len,
    reverse=True,
)  # fmt: skip
_FOLLOW_UP_WORDS = {
    "con", "thi", "sao", "vay", "a", "ah", "oi", "nhe", "nha", "minh", "toi", "em", "ban", "la",
    "va", "voi", "duoc", "khong", "ko", "k", "kg", "hok", "hong", "co", "j", "gi", "nua", "them",
    "nay", "xin", "giup", "biet", "muon", "ve", "cua", "de", "phai", "can", "mang", "theo", "mat",
    "het", "ton", "tien", "phi", "nop", "lam", "o", "dau", "online", "lau", "ngay", "may",
    "nhung", "cach", "ntn", "luat", "buoc", "mien", "the", "ha", "nao", "hoi", "cho", "nhieu",
    "bn", "bnhieu", "bao", "gio", "giay", "ok", "vang", "da", "roi", "thu", "tuc", "tai",
    "noi", "dang", "ky", "ai", "xu", "ly", "mau", "don", "to", "khai", "qua", "di", "dc", "ak",
    "uh", "um", "vs", "thoi", "han", "chi", "phap", "dieu", "kien", "yeu", "cau", "le",
    "nhi", "cac", "rat", "nen", "ne", "day", "kia", "hien", "ay", "chung", "bi", "se",
    "vua", "cung", "nhu", "khi", "neu", "ma", "hay", "hoac", "anh", "ong", "ba", "admin",
    "vui", "long", "hu", "luon", "cam", "on", "chao", "internet", "app", "quy", "trinh",
}  # fmt: skip
# "Chào bạn, ..." / "alo!": a greeting set off by punctuation before the question.
_LEADING_GREETING = re.compile(
    r"^\s*(?:xin\s+)?(?:chào|chao|hi|hello|alo)"
    r"(?:\s+(?:bạn|ban|ad|admin|em|anh|chị|chi|trợ lý|tro ly|bot))?\s*[,.!:;]+\s*",
    re.IGNORECASE,
)
_DIGIT_CHOICE = re.compile(r"^(?:so|chon|lua chon|thu tuc|cai|phuong an)?\s*(\d{1,2})(?: a)?$")


def small_talk(text: str) -> SmallTalk | None:
    """What a short social message is, when it is only that ("chào bạn", "cảm ơn nhé")."""
    folded = fold(text)
    if not folded:
        return None
    if folded in _HELP:
        return SmallTalk.HELP
    if folded.startswith(_MY_DOSSIERS) and len(folded.split()) <= 8:
        return SmallTalk.MY_DOSSIERS
    padded = f" {folded} "
    if len(folded.split()) <= 12 and any(f" {p} " in padded for p in _LOOKUP):
        return SmallTalk.LOOKUP_HELP
    for phrases, kind in (
        (_THANKS, SmallTalk.THANKS),
        (_GOODBYES, SmallTalk.GOODBYE),
        (_GREETINGS, SmallTalk.GREETING),
    ):
        rest, found = _strip_phrases(folded, phrases)
        if found and all(word in _POLITE for word in rest.split()):
            return kind
    return None


def strip_greeting(text: str) -> str:
    """``text`` without a leading greeting ("chào bạn, cho hỏi ..." -> "cho hỏi ...")."""
    match = _LEADING_GREETING.match(text)
    return text[match.end() :] if match else text


def digit_choice(text: str) -> int | None:
    """The number in "1", "số 2", "chọn 3": the answer to a numbered choice."""
    match = _DIGIT_CHOICE.match(fold(text))
    return int(match.group(1)) if match else None


def is_follow_up(text: str) -> bool:
    """True when the message names no procedure: only aspect words and filler remain."""
    return not leftover_words(text)


def leftover_words(text: str) -> list[str]:
    """The folded words of ``text`` that are neither aspect words nor filler."""
    padded = f" {fold(text)} "
    for phrase in _FOLLOW_UP_PHRASES:
        while f" {phrase} " in padded:
            padded = padded.replace(f" {phrase} ", " ")
    return [word for word in padded.split() if word not in _FOLLOW_UP_WORDS]


def _strip_phrases(folded: str, phrases: set[str]) -> tuple[str, bool]:
    padded = f" {folded} "
    found = False
    for phrase in sorted(phrases, key=len, reverse=True):
        if f" {phrase} " in padded:
            padded = padded.replace(f" {phrase} ", " ")
            found = True
    return padded.strip(), found
