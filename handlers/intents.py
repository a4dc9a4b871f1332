"""Small talk and conversation moves in a citizen's message (greeting, thanks, a digit...).

Everything works on folded text (knowledge.normalise.fold): no diacritics, lowercase, no
punctuation, so "Chào!", "chao" and "CHÀO" are the same word.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from knowledge.normalise import fold


class SmallTalk(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    GOODBYE = "goodbye"
    HELP = "help"
    MY_DOSSIERS = "my_dossiers"
    LOOKUP_HELP = "lookup_help"  # wants a dossier's status but gave no code
    ACK = "ack"  # "ok", "vâng", "hiểu rồi"
    IDENTITY = "identity"  # "bạn là ai"
    WEATHER = "weather"
    PRICES = "prices"  # market prices: gold, petrol, exchange rates
    JOKE = "joke"  # jokes, songs, games
    INSULT = "insult"
    OFF_TOPIC = "off_topic"  # lottery, football, the time, love...


_GREETINGS = {
    "chao", "hi", "hello", "helo", "alo", "hey", "xin chao", "a lo", "good morning",
    "ban khoe khong", "khoe khong",
}  # fmt: skip
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

_ACKS = {
    "ok", "oke", "okie", "oki", "okay", "vang", "da", "u", "uh", "uk", "um", "uhm", "dc",
    "duoc", "roi", "hieu", "biet", "hieu roi", "biet roi", "da hieu", "ro roi", "hiu",
}  # fmt: skip
_ACK_WORDS = {word for phrase in _ACKS for word in phrase.split()}
# Topics a message may be only about (folded phrases). A message that also names anything a
# procedure is about (_PROCEDURE_WORDS) is a question, never small talk: "giá" in "lệ phí đăng
# ký xe giá bao nhiêu" asks about a fee.
_TOPICS: tuple[tuple[SmallTalk, tuple[str, ...]], ...] = (
    (SmallTalk.IDENTITY, (
        "ban la ai", "ban ten gi", "ban ten la gi", "ban la gi", "em la ai", "may la ai",
        "ai tao ra ban", "ai lam ra ban", "ban la nguoi hay may", "ban la nguoi that",
        "ban co phai nguoi", "ban la robot", "ban la bot", "ban la chatbot", "ban la may",
        "gioi thieu ve ban", "ban la tro ly gi", "ban co phai la bot", "who are you",
    )),
    (SmallTalk.WEATHER, (
        "thoi tiet", "troi mua", "troi nang", "troi lanh", "troi nong", "troi co mua",
        "nhiet do hom nay", "ap thap nhiet doi", "weather",
    )),
    (SmallTalk.PRICES, (
        "gia vang", "gia xang", "gia dau", "ty gia", "ti gia", "gia do la", "gia dola",
        "gia usd", "gia bitcoin", "gia btc", "gia coin", "gia chung khoan",
        "gia co phieu", "gia heo", "gia lon hoi", "gia lua", "gia gao", "gia ca phe",
        "gia tieu", "gia iphone", "gia dien thoai", "gia xe may", "gia o to", "gia dien",
        "gia nha", "gia thit", "gia rau", "gia ca thi truong",
    )),
    (SmallTalk.JOKE, (
        "ke chuyen cuoi", "ke truyen cuoi", "chuyen cuoi", "truyen cuoi", "ke chuyen",
        "noi dua", "dua thoi", "lam tho", "doc tho", "hat mot bai", "hat di", "hat cho",
        "choi game", "choi tro choi", "doan so", "noi gi vui", "ke gi vui",
    )),
    (SmallTalk.OFF_TOPIC, (
        "xo so", "xsmb", "xskt", "xsmn", "vietlott", "bong da", "ty so",
        "da banh", "world cup", "may gio roi", "bay gio la may gio", "hom nay thu may",
        "hom nay ngay bao nhieu", "hom nay la ngay bao nhieu", "am lich hom nay",
        "co nguoi yeu chua", "yeu em khong", "yeu anh khong", "lam nguoi yeu",
        "ban bao nhieu tuoi", "an com chua", "an gi chua", "phim hay", "nghe nhac",
        "bai hat", "that tinh", "nau an", "mon ngon",
    )),
)  # fmt: skip
# Insults: phrases anywhere in a short message; words that mean something else in a longer
# one ("cụt" in "thương binh cụt chân", "cc" for căn cước) only when they are all it says.
_INSULTS = (
    "do ngu", "ngu the", "ngu qua", "ngu vay", "ngu vl", "ngu vcl", "bot ngu", "ban ngu",
    "may ngu", "ngu ngoc", "ngu nhu", "vo dung", "vo tich su", "do toi", "do dien",
    "cut di", "im di", "im mom", "do lua dao", "chan qua", "te qua", "do te", "kem qua",
    "do khung", "thang ngu", "con ngu", "khong giup duoc gi", "chang giup duoc gi",
    "nhu cc", "tra loi lung tung", "tra loi sai bet",
)  # fmt: skip
_INSULT_WORDS = {"ngu", "vcl", "vkl", "vl", "dm", "dmm", "dcm", "dkm", "clm", "cc", "cut", "dien"}
INSULT_ALONE_WORDS = 3
_PROCEDURE_WORDS = (
    "thu tuc", "ho so", "giay", "dang ky", "cap ", "le phi", "phi ", "thue", "kinh doanh",
    "chung nhan", "to khai", "xac nhan", "dich vu cong", "nop ", "can cuoc", "ho chieu",
    "khai sinh", "khai tu", "ket hon", "tam tru", "thuong tru", "bhxh", "bao hiem", "so do",
    "dat dai", "xuat khau", "nhap khau", "giay phep", "cong chung", "chung thuc", "gplx",
    "bang lai", "cccd", "dai ly", "truoc ba", "ma ho so", "bien nhan", "nhap ngu", "xuat ngu",
    "nghia vu", "tro cap", "luong huu", "mot cua",
)  # fmt: skip
TOPIC_MAX_WORDS = 10  # longer messages are questions, whatever words they contain

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
        if found and all(word in _POLITE or word in _ACK_WORDS for word in rest.split()):
            return kind
    return _topic(text, folded)


def _topic(text: str, folded: str) -> SmallTalk | None:
    """An acknowledgement, an insult or an out-of-scope topic, when the short message is only
    that (it names nothing a procedure is about)."""
    words = folded.split()
    if len(words) > TOPIC_MAX_WORDS:
        return None
    padded = f" {folded} "
    if any(f" {w}" in padded for w in _PROCEDURE_WORDS):
        return None
    rest, found = _strip_phrases(folded, _ACKS)
    if found and all(word in _POLITE for word in rest.split()):
        return SmallTalk.ACK
    insulting = _insult_fold(text)
    if any(f" {p} " in f" {insulting} " for p in _INSULTS):
        return SmallTalk.INSULT
    said = insulting.split()
    alone = len(said) <= INSULT_ALONE_WORDS and any(w in _INSULT_WORDS for w in said)
    if alone and all(w in _INSULT_WORDS or w in _POLITE for w in said):
        return SmallTalk.INSULT
    for kind, phrases in _TOPICS:
        if any(f" {p} " in padded for p in phrases):
            return kind
    return None


def _insult_fold(text: str) -> str:
    """Folded text in which an accented "ngủ" / "ngũ" (sleep, the army) is not "ngu" (dumb)."""
    words = []
    for word in unicodedata.normalize("NFC", text.lower()).split():
        plain = fold(word)
        words.append("ngux" if plain == "ngu" and not word.strip(".,!?…").isascii() else plain)
    return " ".join(" ".join(words).split())


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
