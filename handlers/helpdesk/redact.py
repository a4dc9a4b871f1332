"""Removes personal data from a question before it is stored for staff to learn from: phone
numbers, ID numbers, receipt codes, e-mail addresses, full dates and people's names.

Names are found two ways: a capitalised run of two to four words that starts with a common
Vietnamese family name ("Nguyễn Văn An", "Tran Thi B"), and whatever follows a self-
introduction ("tôi là ...", "tên con là ...") when it starts with a family name, in any case.
Neither way is perfect, so only the stripped text is ever stored, never the original.
"""

from __future__ import annotations

import re

from handlers.dossiers.codes import find_code
from knowledge.normalise import fold

CODE = "[mã hồ sơ]"
PHONE = "[số điện thoại]"
NUMBER = "[số giấy tờ]"
EMAIL = "[email]"
DATE = "[ngày]"
NAME = "[họ tên]"
MAX_LENGTH = 300

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DATE = re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b")
# A run of digits with the separators people type between groups (8 digits or more).
_DIGITS = re.compile(r"(?<![\w])\+?\d(?:[\s.-]?\d){7,}(?![\w])")
# The most common family names (folded); a capitalised run starting with one is a name.
SURNAMES = frozenset(
    {
        "nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang", "bui", "do",
        "ho", "ngo", "duong", "ly", "truong", "dinh", "doan", "lam", "mai", "trinh", "dao", "cao",
        "luu", "ha", "tang", "ta", "chu", "luong", "quach", "thai", "trieu", "lai", "kieu",
        "thach", "tong", "khuc", "au", "ong", "giang", "mac", "lu",
    }
)  # fmt: skip
# Places spelled like names (family name first) that questions name as places.
_PLACES = frozenset(
    {
        ("ho", "chi", "minh"),
        ("ha", "noi"),
        ("ha", "giang"),
        ("ha", "tinh"),
        ("ha", "nam"),
        ("phan", "thiet"),
        ("phan", "rang"),
        ("ly", "son"),
        ("hoang", "mai"),
    }
)
# Self-introductions; the words after them are a name when they start with a family name.
_CUES = (
    ("toi", "la"), ("toi", "ten", "la"), ("ten", "toi", "la"), ("toi", "ten"), ("em", "la"),
    ("em", "ten", "la"), ("minh", "la"), ("ten", "la"), ("ten", "con", "la"),
    ("con", "toi", "ten", "la"), ("con", "toi", "ten"), ("ho", "ten"), ("ho", "va", "ten"),
    ("ten", "chau", "la"), ("chau", "ten", "la"), ("nguoi", "nop", "la"), ("chong", "toi", "la"),
    ("vo", "toi", "la"), ("bo", "toi", "la"), ("me", "toi", "la"),
)  # fmt: skip
# Words that end a lowercase name after a self-introduction ("toi la tran thi b muon ...").
_NOT_NAME = frozenset(
    {
        "muon", "can", "xin", "hoi", "o", "tai", "sinh", "lam", "nop", "de", "va", "da", "dang",
        "co", "khong", "bi", "con", "chua", "roi", "nhe", "a", "ah", "oi", "vay", "the", "nay",
        "do", "dan", "xa", "phuong", "tinh", "huyen", "thon", "ap", "so", "nha", "duong",
    }
)  # fmt: skip
_WORD = re.compile(r"\S+")
_STRIP = ".,;:!?()[]{}\"'“”«»"
_MAX_NAME_WORDS = 4


def _digits(match: re.Match[str]) -> str:
    """Phone numbers: 10 digits (11 for a landline) from 0, or 84 then 9 or 10; the rest
    (12-digit citizen ID numbers, 9-digit old ID cards, ...) are document numbers."""
    raw = match.group(0)
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("0") and len(digits) in (10, 11):
        return PHONE
    if raw.lstrip("+").startswith("84") and len(digits) in (11, 12):
        return PHONE
    return NUMBER


def _codes(text: str) -> str:
    for _ in range(10):  # a handful of codes at most; the guard stops a pathological loop
        code = find_code(text)
        if not code or code not in text:
            break
        text = text.replace(code, CODE)
    return text


def _is_capitalised(word: str) -> bool:
    return word[:1].isupper() and word[1:2].islower() if len(word) > 1 else word.isupper()


def _names(text: str) -> str:
    words = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(text)]
    raw = [w for _, _, w in words]
    bare = [w.strip(_STRIP) for w in raw]
    folded = [fold(w) for w in bare]
    spans: list[tuple[int, int]] = []  # word index ranges [i, j) to replace
    i = 0
    while i < len(words):
        size = _name_run(raw, bare, folded, i)
        if size:
            spans.append((i, i + size))
            i += size
            continue
        cue = next((len(c) for c in _CUES if tuple(folded[i : i + len(c)]) == c), 0)
        start = i + cue
        if cue and start < len(words) and folded[start] in SURNAMES:
            end = start + 1
            while (
                end < len(words)
                and end - start < _MAX_NAME_WORDS
                and _ends_clean(raw[end - 1])
                and bare[end].isalpha()
                and len(bare[end]) <= 7
                and folded[end] not in _NOT_NAME
            ):
                end += 1
            spans.append((start, end))
            i = end
            continue
        i += 1
    out, last = [], 0
    for start, end in spans:
        s, e = words[start][0], words[end - 1][1]
        tail = words[end - 1][2][len(words[end - 1][2].rstrip(_STRIP)) :]
        out.append(text[last:s] + NAME + tail)
        last = e
    out.append(text[last:])
    return "".join(out)


def _ends_clean(word: str) -> bool:
    """No punctuation after the word (a comma or a full stop ends a name)."""
    return word == word.rstrip(_STRIP)


def _name_run(raw: list[str], bare: list[str], folded: list[str], i: int) -> int:
    """Words of a capitalised name starting at ``i`` (0 when there is none)."""
    if folded[i] not in SURNAMES or not _is_capitalised(bare[i]):
        return 0
    size = 1
    while (
        i + size < len(bare)
        and size < _MAX_NAME_WORDS
        and _ends_clean(raw[i + size - 1])
        and _is_capitalised(bare[i + size])
        and bare[i + size].isalpha()
    ):
        size += 1
    words = tuple(folded[i : i + size])
    if size < 2 or words[:3] in _PLACES or words[:2] in _PLACES:
        return 0
    return size


def redact(text: str) -> str:
    """``text`` without personal data, spaces collapsed, at most MAX_LENGTH characters."""
    text = " ".join(text.split())
    text = _EMAIL.sub(EMAIL, text)
    text = _codes(text)
    text = _DATE.sub(DATE, text)
    text = _DIGITS.sub(_digits, text)
    text = _names(text)
    return text[:MAX_LENGTH].strip()
